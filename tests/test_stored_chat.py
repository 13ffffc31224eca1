"""Stored chat completions through the real SDK: store=True, list, retrieve, update, delete, messages."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from .conftest import Api

HI = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]


async def _create(api: Api, **options: Any) -> str:
    """Create a chat completion (a stream is read to its end) and return its id."""
    options.setdefault("model", "gpt-4o-mini")
    options.setdefault("messages", HI)
    result = await api("chat.completions.create", **options)
    if options.get("stream"):
        chunks = await api.collect(result)
        return str(chunks[0].id)
    return str(result.id)


async def _ids(api: Api, **options: Any) -> list[str]:
    """Every id the SDK's auto-pagination yields (it follows has_more with after=<last id>)."""
    page = await api("chat.completions.list", **options)
    if api.is_async:
        return [item.id async for item in page]
    return [item.id for item in page]


async def test_store_true_keeps_the_full_completion(api: Api) -> None:
    api.fake.reply("Hello there!")
    created = await api("chat.completions.create", model="gpt-4o-mini", messages=HI, store=True)
    stored = await api("chat.completions.retrieve", completion_id=created.id)
    assert stored.model_dump(exclude={"metadata"}) == created.model_dump(exclude={"metadata"})
    assert stored.choices[0].message.content == "Hello there!"


async def test_a_streamed_completion_is_stored_whole(api: Api) -> None:
    api.fake.reply("Hello there!")
    completion_id = await _create(api, stream=True, store=True)
    stored = await api("chat.completions.retrieve", completion_id=completion_id)
    assert stored.object == "chat.completion"
    assert stored.choices[0].message.content == "Hello there!"
    assert stored.choices[0].finish_reason == "stop"
    assert stored.usage is not None and stored.usage.completion_tokens > 0


async def test_without_store_nothing_is_kept(api: Api) -> None:
    completion_id = await _create(api)
    with pytest.raises(openai.NotFoundError) as caught:
        await api("chat.completions.retrieve", completion_id=completion_id)
    assert caught.value.status_code == 404
    assert caught.value.body == {  # type: ignore[comparison-overlap]
        "message": f"Chat completion with id '{completion_id}' not found.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    assert await _ids(api) == []


async def test_list_pages_orders_and_filters(api: Api) -> None:
    ids = [
        await _create(api, store=True, model="gpt-4o-mini" if i % 2 else "gpt-4o", metadata={"n": str(i % 3)})
        for i in range(7)
    ]
    assert await _ids(api, limit=2) == ids  # three pages and a half, followed by the SDK
    assert await _ids(api, order="desc", limit=3) == ids[::-1]
    assert await _ids(api, model="gpt-4o") == ids[0::2]
    assert await _ids(api, metadata={"n": "1"}) == [ids[1], ids[4]]
    first = await api("chat.completions.list", limit=3)
    assert (first.has_more, first.data[0].id) == (True, ids[0])
    after = await api("chat.completions.list", after=ids[4], limit=3)
    assert [item.id for item in after.data] == ids[5:] and after.has_more is False
    raw = api.fake.requests.last.response
    assert raw is not None and b'"first_id":"' + ids[5].encode() + b'","last_id":"' + ids[6].encode() in raw.body


async def test_update_replaces_the_metadata(api: Api) -> None:
    completion_id = await _create(api, store=True, metadata={"a": "1", "b": "2"})
    updated = await api("chat.completions.update", completion_id=completion_id, metadata={"c": "3"})
    assert updated.id == completion_id and updated.metadata == {"c": "3"}
    assert (await api("chat.completions.retrieve", completion_id=completion_id)).metadata == {"c": "3"}
    assert await _ids(api, metadata={"a": "1"}) == []
    assert await _ids(api, metadata={"c": "3"}) == [completion_id]


async def test_delete(api: Api) -> None:
    keep = await _create(api, store=True)
    gone = await _create(api, store=True)
    deleted = await api("chat.completions.delete", completion_id=gone)
    assert (deleted.id, deleted.object, deleted.deleted) == (gone, "chat.completion.deleted", True)
    assert await _ids(api) == [keep]
    for method in ("retrieve", "delete", "messages.list"):
        with pytest.raises(openai.NotFoundError):
            await api(f"chat.completions.{method}", completion_id=gone)
    with pytest.raises(openai.NotFoundError):
        await api("chat.completions.update", completion_id=gone, metadata={})


async def test_messages_are_the_request_messages(api: Api) -> None:
    # The stored request messages keep their own roles; the SDK's type says "assistant" only, so its
    # strict response validation would refuse them (the real API's spec example has "role": "user").
    lenient = api.with_options(_strict_response_validation=False)
    parts = [{"type": "text", "text": "What is "}, {"type": "text", "text": "this?"}]
    messages = [*HI, {"role": "assistant", "content": "Hello."}, {"role": "user", "content": parts, "name": "ann"}]
    completion_id = await _create(lenient, store=True, messages=messages)
    page = await lenient("chat.completions.messages.list", completion_id=completion_id)
    assert [m.id for m in page.data] == [f"{completion_id}-{i}" for i in range(4)]
    assert [(m.role, m.content) for m in page.data] == [
        ("system", "Be brief."),
        ("user", "Hi"),
        ("assistant", "Hello."),
        ("user", "What is this?"),
    ]
    assert page.data[0].content_parts is None
    assert [part.text for part in page.data[3].content_parts] == ["What is ", "this?"]
    assert page.has_more is False
    desc = await lenient("chat.completions.messages.list", completion_id=completion_id, order="desc", limit=3)
    assert [m.id for m in desc.data] == [f"{completion_id}-{i}" for i in (3, 2, 1)] and desc.has_more is True
    rest = await lenient(
        "chat.completions.messages.list", completion_id=completion_id, order="desc", after=desc.data[-1].id
    )
    assert [m.id for m in rest.data] == [f"{completion_id}-0"] and rest.has_more is False


async def test_update_needs_metadata_and_list_checks_limit(api: Api) -> None:
    completion_id = await _create(api, store=True)
    with pytest.raises(openai.BadRequestError, match="metadata"):
        await api("chat.completions.update", completion_id=completion_id, metadata="x")
    with pytest.raises(openai.BadRequestError, match="limit"):
        await api("chat.completions.list", limit=0)
