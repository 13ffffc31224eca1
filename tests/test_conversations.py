"""Conversations, their items and ``responses.create(conversation=...)`` through the real SDK, and
``responses.compact``; in-process and over ``serve``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

from fakeopenai import FakeOpenAI, ToolCall

from .conftest import Api

HAS_COMPACT = hasattr(openai.OpenAI(api_key="x").responses, "compact")


def texts(items: Any) -> list[tuple[str, str]]:
    """(role, text) of the message items, in order."""
    out = []
    for item in items:
        if item.type == "message":
            out.append((item.role, "".join(getattr(part, "text", "") for part in item.content)))
    return out


async def test_conversation_crud(api: Api) -> None:
    conversation = await api(
        "conversations.create",
        items=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}],
        metadata={"topic": "demo"},
    )
    assert conversation.id.startswith("conv_") and conversation.metadata == {"topic": "demo"}
    assert (await api("conversations.retrieve", conversation_id=conversation.id)).id == conversation.id
    updated = await api("conversations.update", conversation_id=conversation.id, metadata={"topic": "other"})
    assert updated.metadata == {"topic": "other"}

    items = await api("conversations.items.list", conversation_id=conversation.id, order="asc")
    assert texts(items.data) == [("system", "Be brief."), ("user", "Hello")]
    added = await api(
        "conversations.items.create",
        conversation_id=conversation.id,
        items=[{"type": "message", "role": "assistant", "content": "Hi!"}, {"role": "user", "content": "Bye"}],
    )
    assert texts(added.data) == [("assistant", "Hi!"), ("user", "Bye")] and added.first_id == added.data[0].id
    newest = await api("conversations.items.list", conversation_id=conversation.id, limit=1)
    assert texts(newest.data) == [("user", "Bye")] and newest.has_more  # newest first by default
    item = await api("conversations.items.retrieve", conversation_id=conversation.id, item_id=added.data[0].id)
    assert item.id == added.data[0].id and item.role == "assistant"
    after = await api("conversations.items.delete", conversation_id=conversation.id, item_id=item.id)
    assert after.id == conversation.id
    with pytest.raises(openai.NotFoundError):
        await api("conversations.items.retrieve", conversation_id=conversation.id, item_id=item.id)

    deleted = await api("conversations.delete", conversation_id=conversation.id)
    assert deleted.deleted is True and deleted.object == "conversation.deleted"
    with pytest.raises(openai.NotFoundError, match="Conversation with id"):
        await api("conversations.retrieve", conversation_id=conversation.id)


async def test_responses_append_to_the_conversation(api: Api) -> None:
    conversation = await api("conversations.create", items=[{"role": "user", "content": "My name is Ann."}])
    api.fake.reply("Hello Ann!")
    first = await api("responses.create", model="gpt-4.1", input="Hi", conversation=conversation.id)
    assert first.conversation.id == conversation.id and first.output_text == "Hello Ann!"
    plain = await api("responses.create", model="gpt-4.1", input="Hi")
    assert first.usage.input_tokens > plain.usage.input_tokens  # earlier items are context

    api.fake.reply("Paris.", times=1)
    stream = await api(
        "responses.create", model="gpt-4.1", input="Capital?", conversation={"id": conversation.id}, stream=True
    )
    events = await api.collect(stream)
    assert events[-1].response.conversation.id == conversation.id
    api.fake.reply(tool_calls=[ToolCall("get_time", {})])
    await api(
        "responses.create",
        model="gpt-4.1",
        input=[{"role": "user", "content": "Time?"}],
        conversation=conversation.id,
        tools=[{"type": "function", "name": "get_time", "parameters": {"type": "object", "properties": {}}}],
    )
    items = (await api("conversations.items.list", conversation_id=conversation.id, order="asc")).data
    assert texts(items) == [
        ("user", "My name is Ann."),
        ("user", "Hi"),
        ("assistant", "Hello Ann!"),
        ("user", "Capital?"),
        ("assistant", "Paris."),
        ("user", "Time?"),
    ]
    assert items[-1].type == "function_call" and items[-1].name == "get_time"
    assert items[2].id == first.output[0].id  # output items keep their ids
    listed = (await api("responses.input_items.list", response_id=first.id)).data
    assert [item.id for item in listed] == [items[1].id]  # the same input item, the same id
    if hasattr(api.client.responses, "input_tokens"):  # openai 1.x lacks input_tokens.count
        alone = await api("responses.input_tokens.count", model="gpt-4.1", input="Hi")
        inside = await api("responses.input_tokens.count", model="gpt-4.1", input="Hi", conversation=conversation.id)
        assert inside.input_tokens > alone.input_tokens


async def test_rules_between_conversation_and_previous_response_id(api: Api) -> None:
    conversation = await api("conversations.create")
    previous = await api("responses.create", model="gpt-4.1", input="Hi")
    with pytest.raises(openai.BadRequestError) as both:
        await api(
            "responses.create",
            model="gpt-4.1",
            input="Hi",
            conversation=conversation.id,
            previous_response_id=previous.id,
        )
    assert both.value.code == "mutually_exclusive_parameters"  # type: ignore[attr-defined]
    assert "'previous_response_id' or 'conversation'" in str(both.value)
    with pytest.raises(openai.NotFoundError):
        await api("responses.create", model="gpt-4.1", input="Hi", conversation="conv_nope")
    assert not api.fake.pending  # no reply was taken by the refused requests


async def test_item_errors(api: Api) -> None:
    with pytest.raises(openai.BadRequestError, match="array too long"):
        await api("conversations.create", items=[{"role": "user", "content": "x"}] * 21)
    conversation = await api("conversations.create")
    with pytest.raises(openai.BadRequestError, match="Missing required parameter: 'metadata'"):
        await api("conversations.update", conversation_id=conversation.id, metadata=None)
    with pytest.raises(openai.NotFoundError):
        await api("conversations.items.list", conversation_id="conv_nope")


@pytest.mark.skipif(not HAS_COMPACT, reason=f"openai {openai.__version__} has no responses.compact")
async def test_compact(api: Api) -> None:
    first = await api("responses.create", model="gpt-4.1", input="Remember: 42.")
    compacted = await api("responses.compact", model="gpt-4.1", previous_response_id=first.id, input="Go on.")
    assert compacted.object == "response.compaction" and [i.type for i in compacted.output] == ["compaction"]
    assert compacted.usage.input_tokens > 0 and compacted.usage.output_tokens > 0
    follow = await api("responses.create", model="gpt-4.1", input=[compacted.output[0].to_dict(), *_HI])
    assert follow.status == "completed"
    with pytest.raises(openai.BadRequestError, match="Previous response with id 'resp_nope' not found"):
        await api("responses.compact", model="gpt-4.1", previous_response_id="resp_nope")


_HI = [{"role": "user", "content": "Hi"}]


def test_faults_and_any_id() -> None:
    fake = FakeOpenAI(any_id=True)
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), max_retries=0)
    fake.fail(500, endpoint="/conversations")
    with pytest.raises(openai.InternalServerError):
        client.conversations.create()
    assert client.conversations.retrieve("conv_123").id == "conv_123"
    assert client.conversations.items.retrieve("msg_abc", conversation_id="conv_123").id == "msg_abc"
    response = client.responses.create(model="gpt-4.1", input="Hi", conversation="conv_456")
    assert response.conversation is not None and response.conversation.id == "conv_456"


@pytest.fixture(scope="module")
def served() -> Iterator[Any]:
    pytest.importorskip("uvicorn")
    from fakeopenai.server import app

    from .test_server import Served

    with Served(app(FakeOpenAI(seed=1))) as running:
        yield running


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_over_serve(served: Any, is_async: bool) -> None:
    from .test_server import call, close, control, sdk

    served.app.reset()
    client = sdk(served, is_async)
    try:
        control(served, "POST", "replies", [{"text": "Noted."}])
        conversation = await call(client, client.conversations.create, items=[{"role": "user", "content": "Hi"}])
        await call(client, client.responses.create, model="gpt-4.1", input="Remember 7", conversation=conversation.id)
        items = await call(client, client.conversations.items.list, conversation_id=conversation.id, order="asc")
        assert texts(items.data) == [("user", "Hi"), ("user", "Remember 7"), ("assistant", "Noted.")]
    finally:
        await close(client)
