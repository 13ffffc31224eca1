"""Vector stores, their files and file batches, search, and the Responses ``file_search`` tool, through
the real SDK (sync and async, every HTTP stack; openai 3.x and 1.x) and over ``serve``."""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI, ManualClock, Reply

from .conftest import Api

if not hasattr(openai.OpenAI, "vector_stores"):  # pragma: no cover - depends on the installed SDK
    pytest.skip(f"openai {openai.__version__} has vector stores under beta only", allow_module_level=True)

POLICY = b"Our return policy: items can be returned within 30 days of purchase, with the receipt."
SHIPPING = b"Shipping takes 5 business days. Express shipping takes 2 days and costs extra."
WARRANTY = b"The warranty covers defects for two years. Returns of opened items are refused."


def poll_hint(fake: FakeOpenAI) -> str | None:
    """The ``openai-poll-after-ms`` header of the last answer (the SDK's poll helpers wait that long)."""
    response = fake.requests.last.response
    assert response is not None
    return dict(response.headers).get("openai-poll-after-ms")


def upload(fake: FakeOpenAI, filename: str, data: bytes) -> str:
    """A file in the fake's ``/files`` (as ``files.create`` would make it), by id."""
    return str(fake.add_file(data, filename=filename, purpose="assistants")["id"])


async def test_store_create_read_update_delete(api: Api) -> None:
    ids = [upload(api.fake, "policy.txt", POLICY), upload(api.fake, "shipping.md", SHIPPING)]
    store = await api(
        "vector_stores.create",
        name="support",
        file_ids=ids,
        metadata={"team": "care"},
        expires_after={"anchor": "last_active_at", "days": 7},
    )
    assert store.object == "vector_store" and store.id.startswith("vs_") and store.name == "support"
    assert store.status == "in_progress" and store.usage_bytes == 0
    assert store.file_counts.in_progress == 2 and store.file_counts.total == 2
    assert store.expires_after is not None and store.expires_after.days == 7
    assert store.expires_at == store.last_active_at + 7 * 86400
    assert poll_hint(api.fake) == "0"

    read = await api("vector_stores.retrieve", vector_store_id=store.id)  # a read: ingestion finishes
    assert read.status == "completed" and read.file_counts.completed == 2 and read.file_counts.in_progress == 0
    assert read.usage_bytes == len(POLICY) + len(SHIPPING)
    assert poll_hint(api.fake) is None

    updated = await api(
        "vector_stores.update", vector_store_id=store.id, name="help", metadata={"team": "ops"}, expires_after=None
    )
    assert updated.name == "help" and updated.metadata == {"team": "ops"}
    assert updated.expires_after is None and updated.expires_at is None

    other = await api("vector_stores.create")
    assert other.name == "" and other.file_counts.total == 0 and other.status == "completed"
    listed = await api("vector_stores.list")
    assert [s.id for s in listed.data] == [other.id, store.id]  # newest first
    oldest = await api("vector_stores.list", order="asc", limit=1)
    assert [s.id for s in oldest.data] == [store.id] and oldest.has_more is True

    deleted = await api("vector_stores.delete", vector_store_id=store.id)
    assert deleted.deleted is True and deleted.object == "vector_store.deleted" and deleted.id == store.id
    with pytest.raises(openai.NotFoundError) as caught:
        await api("vector_stores.retrieve", vector_store_id=store.id)
    assert caught.value.body["message"] == f"No vector store found with id '{store.id}'."  # type: ignore[index]


async def test_store_files_attach_read_update_detach(api: Api) -> None:
    store = await api("vector_stores.create", name="kb")
    file_id = upload(api.fake, "policy.txt", POLICY)
    static = {"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 20}}
    attached = await api(
        "vector_stores.files.create",
        vector_store_id=store.id,
        file_id=file_id,
        attributes={"topic": "returns", "year": 2024, "public": True},
        chunking_strategy=static,
    )
    assert attached.id == file_id and attached.object == "vector_store.file" and attached.vector_store_id == store.id
    assert attached.status == "in_progress" and attached.usage_bytes == 0 and attached.last_error is None
    assert attached.chunking_strategy is not None and attached.chunking_strategy.type == "static"
    assert attached.chunking_strategy.static.max_chunk_size_tokens == 100  # type: ignore[union-attr]
    assert attached.attributes == {"topic": "returns", "year": 2024, "public": True}

    read = await api("vector_stores.files.retrieve", file_id=file_id, vector_store_id=store.id)
    assert read.status == "completed" and read.usage_bytes == len(POLICY)
    done = await api("vector_stores.files.list", vector_store_id=store.id, filter="completed")
    assert [f.id for f in done.data] == [file_id]
    assert (await api("vector_stores.files.list", vector_store_id=store.id, filter="in_progress")).data == []

    auto = await api("vector_stores.files.create", vector_store_id=store.id, file_id=upload(api.fake, "s.md", SHIPPING))
    assert auto.chunking_strategy is not None and auto.chunking_strategy.model_dump() == {
        "type": "static",
        "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400},
    }  # the auto strategy, recorded as the API reports it

    changed = await api(
        "vector_stores.files.update", vector_store_id=store.id, file_id=file_id, attributes={"topic": "refunds"}
    )
    assert changed.attributes == {"topic": "refunds"}
    content = await api("vector_stores.files.content", file_id=file_id, vector_store_id=store.id)
    assert [(part.type, part.text) for part in content.data] == [("text", POLICY.decode())]

    gone = await api("vector_stores.files.delete", file_id=file_id, vector_store_id=store.id)
    assert gone.deleted is True and gone.object == "vector_store.file.deleted"
    with pytest.raises(openai.NotFoundError) as caught:
        await api("vector_stores.files.retrieve", file_id=file_id, vector_store_id=store.id)
    assert caught.value.body["message"] == (  # type: ignore[index]
        f"No file found with id '{file_id}' in vector store '{store.id}'."
    )
    assert (await api("vector_stores.retrieve", vector_store_id=store.id)).file_counts.total == 1


async def test_unsupported_file_fails_ingestion(api: Api) -> None:
    store = await api("vector_stores.create")
    file_id = upload(api.fake, "table.csv", b"a,b\n1,2\n")
    await api("vector_stores.files.create", vector_store_id=store.id, file_id=file_id)
    failed = await api("vector_stores.files.retrieve", file_id=file_id, vector_store_id=store.id)
    assert failed.status == "failed" and failed.last_error is not None
    assert failed.last_error.code == "unsupported_file" and ".csv" in failed.last_error.message
    counts = (await api("vector_stores.retrieve", vector_store_id=store.id)).file_counts
    assert (counts.failed, counts.completed, counts.total) == (1, 0, 1)


def record_sleeps(monkeypatch: pytest.MonkeyPatch, clock: ManualClock | None = None) -> list[float]:
    """Make the SDK's polling sleeps (``APIResource._sleep``) record their seconds (and move ``clock``)."""
    from openai import _resource

    slept: list[float] = []

    def sleep(_self: Any, seconds: float) -> None:
        slept.append(seconds)
        if clock is not None:
            clock.advance(seconds)

    async def async_sleep(_self: Any, seconds: float) -> None:
        sleep(_self, seconds)

    monkeypatch.setattr(_resource.SyncAPIResource, "_sleep", sleep)
    monkeypatch.setattr(_resource.AsyncAPIResource, "_sleep", async_sleep)
    return slept


async def test_create_and_poll_finish_without_sleeping(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    slept = record_sleeps(monkeypatch)
    store = await api("vector_stores.create")
    file_id = upload(api.fake, "policy.txt", POLICY)
    done = await api("vector_stores.files.create_and_poll", vector_store_id=store.id, file_id=file_id)
    assert done.status == "completed"
    ids = [upload(api.fake, "a.txt", SHIPPING), upload(api.fake, "b.txt", WARRANTY)]
    batch = await api("vector_stores.file_batches.create_and_poll", vector_store_id=store.id, file_ids=ids)
    assert batch.status == "completed" and batch.file_counts.completed == 2 and batch.file_counts.in_progress == 0
    assert slept == []
    polls = api.fake.requests.where(endpoint=f"/vector_stores/{store.id}/file_batches/{batch.id}")
    assert len(polls) == 1 and polls[0].headers.get("x-stainless-poll-helper") == "true"


async def test_polling_waits_what_the_fake_says(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """With durations, the SDK's helpers sleep exactly the ``openai-poll-after-ms`` the fake sends."""
    clock = ManualClock()
    slept = record_sleeps(monkeypatch, clock)
    api = Api(FakeOpenAI(seed=1, clock=clock), api.is_async, api.flavour)
    api.fake.lifecycle("vector_store.file", in_progress=2.5)
    store = await api("vector_stores.create")
    done = await api(
        "vector_stores.files.create_and_poll", vector_store_id=store.id, file_id=upload(api.fake, "a.txt", POLICY)
    )
    assert done.status == "completed" and slept == [2.5]  # not the SDK's default second, and only once


async def test_upload_and_poll(api: Api) -> None:
    store = await api("vector_stores.create")
    done = await api(
        "vector_stores.files.upload_and_poll", vector_store_id=store.id, file=("faq.md", POLICY, "text/markdown")
    )
    assert done.status == "completed" and done.usage_bytes == len(POLICY)
    batch = await api(
        "vector_stores.file_batches.upload_and_poll",
        vector_store_id=store.id,
        files=[("a.txt", SHIPPING), ("b.txt", WARRANTY)],
    )
    assert batch.status == "completed" and batch.file_counts.completed == 2
    hits = await api("vector_stores.search", vector_store_id=store.id, query="warranty defects")
    assert hits.data[0].filename == "b.txt"


async def test_file_batches(api: Api) -> None:
    store = await api("vector_stores.create")
    first, second = upload(api.fake, "a.txt", POLICY), upload(api.fake, "b.txt", SHIPPING)
    batch = await api(
        "vector_stores.file_batches.create",
        vector_store_id=store.id,
        file_ids=[first, second],
        attributes={"source": "wiki"},
    )
    assert batch.object == "vector_store.files_batch" and batch.id.startswith("vsfb_")
    assert batch.status == "in_progress" and batch.file_counts.in_progress == 2 and batch.file_counts.total == 2
    files = await api("vector_stores.file_batches.list_files", batch_id=batch.id, vector_store_id=store.id)
    assert {f.id for f in files.data} == {first, second}
    assert all(f.attributes == {"source": "wiki"} and f.status == "completed" for f in files.data)
    read = await api("vector_stores.file_batches.retrieve", batch_id=batch.id, vector_store_id=store.id)
    assert read.status == "completed" and read.file_counts.completed == 2

    per_file_entries = [{"file_id": first, "attributes": {"n": 1}}, {"file_id": second, "attributes": {"n": 2}}]
    if "files" in inspect.signature(api.method("vector_stores.file_batches.create")).parameters:
        per_file = await api("vector_stores.file_batches.create", vector_store_id=store.id, files=per_file_entries)
    else:  # openai 1.x's create has file_ids only: the same body, sent as extra_body
        per_file = await api(
            "vector_stores.file_batches.create",
            vector_store_id=store.id,
            file_ids=[],
            extra_body={"file_ids": None, "files": per_file_entries},
        )
    listed = await api("vector_stores.files.list", vector_store_id=store.id)
    assert sorted(f.attributes["n"] for f in listed.data) == [1, 2]  # type: ignore[index]
    assert per_file.file_counts.total == 2
    with pytest.raises(openai.NotFoundError):
        await api("vector_stores.file_batches.retrieve", batch_id="vsfb_nope", vector_store_id=store.id)


async def test_batch_cancel_and_durations_on_the_clock(api: Api) -> None:
    clock = ManualClock()
    api = Api(FakeOpenAI(seed=1, clock=clock), api.is_async, api.flavour)
    api.fake.lifecycle("vector_store.file", in_progress=30)
    store = await api("vector_stores.create")
    ids = [upload(api.fake, "a.txt", POLICY), upload(api.fake, "b.txt", SHIPPING)]
    slow = await api("vector_stores.file_batches.create", vector_store_id=store.id, file_ids=ids[:1])
    assert poll_hint(api.fake) == "30000"
    clock.advance(10)
    still = await api("vector_stores.file_batches.retrieve", batch_id=slow.id, vector_store_id=store.id)
    assert still.status == "in_progress" and poll_hint(api.fake) == "20000"
    clock.advance(20)
    done = await api("vector_stores.file_batches.retrieve", batch_id=slow.id, vector_store_id=store.id)
    assert done.status == "completed"

    doomed = await api("vector_stores.file_batches.create", vector_store_id=store.id, file_ids=ids[1:])
    cancelled = await api("vector_stores.file_batches.cancel", batch_id=doomed.id, vector_store_id=store.id)
    assert cancelled.status == "cancelled" and cancelled.file_counts.cancelled == 1
    assert cancelled.file_counts.in_progress == 0
    clock.advance(60)  # a cancelled file stays cancelled
    (file,) = (await api("vector_stores.files.list", vector_store_id=store.id, filter="cancelled")).data
    assert file.id == ids[1] and file.status == "cancelled"
    counts = (await api("vector_stores.retrieve", vector_store_id=store.id)).file_counts
    assert (counts.completed, counts.cancelled, counts.total) == (1, 1, 2)


async def test_search_ranks_filters_and_thresholds(api: Api) -> None:
    store = api.fake.seed(
        "/vector_stores",
        {"name": "kb"},
        files={"policy.txt": POLICY, "shipping.md": SHIPPING, "warranty.txt": WARRANTY},
    )
    assert store["status"] == "completed" and store["file_counts"]["completed"] == 3
    hits = await api("vector_stores.search", vector_store_id=store["id"], query="return items")
    assert [h.filename for h in hits.data] == ["policy.txt", "warranty.txt"]  # relevance order
    assert 1 >= hits.data[0].score > hits.data[1].score > 0
    assert hits.data[0].content[0].type == "text" and hits.data[0].content[0].text == POLICY.decode()
    again = await api("vector_stores.search", vector_store_id=store["id"], query="return items")
    assert [(h.file_id, h.score) for h in again.data] == [(h.file_id, h.score) for h in hits.data]  # deterministic

    top = await api("vector_stores.search", vector_store_id=store["id"], query="return items", max_num_results=1)
    assert [h.filename for h in top.data] == ["policy.txt"]
    strict = await api(
        "vector_stores.search",
        vector_store_id=store["id"],
        query="return items",
        ranking_options={"score_threshold": hits.data[0].score},
    )
    assert [h.filename for h in strict.data] == ["policy.txt"]
    assert (await api("vector_stores.search", vector_store_id=store["id"], query="zebra")).data == []

    rewritten = await api(
        "vector_stores.search", vector_store_id=store["id"], query="How long does shipping take?", rewrite_query=True
    )
    assert rewritten.data[0].filename == "shipping.md"
    assert api.fake.requests.last.response is not None
    assert b'"search_query":["long shipping take"]' in api.fake.requests.last.response.body


async def test_search_filters_on_attributes(api: Api) -> None:
    store = await api("vector_stores.create")
    for name, data, attributes in [
        ("a.txt", POLICY, {"region": "eu", "year": 2023, "public": True}),
        ("b.txt", WARRANTY, {"region": "us", "year": 2025, "public": False}),
        ("c.txt", b"Returns are free in the us.", {"region": "us", "year": 2024}),
    ]:
        file_id = upload(api.fake, name, data)
        await api("vector_stores.files.create", vector_store_id=store.id, file_id=file_id, attributes=attributes)

    async def names(filters: dict[str, Any]) -> list[str]:
        page = await api("vector_stores.search", vector_store_id=store.id, query="returns return", filters=filters)
        return sorted(h.filename for h in page.data)

    assert await names({"type": "eq", "key": "region", "value": "us"}) == ["b.txt", "c.txt"]
    assert await names({"type": "ne", "key": "region", "value": "us"}) == ["a.txt"]
    assert await names({"type": "gte", "key": "year", "value": 2024}) == ["b.txt", "c.txt"]
    assert await names({"type": "lt", "key": "year", "value": 2024}) == ["a.txt"]
    assert await names({"type": "in", "key": "year", "value": [2023, 2025]}) == ["a.txt", "b.txt"]
    assert await names({"type": "nin", "key": "region", "value": ["eu"]}) == ["b.txt", "c.txt"]
    assert await names({"type": "eq", "key": "public", "value": True}) == ["a.txt"]
    compound = {
        "type": "or",
        "filters": [
            {"type": "eq", "key": "region", "value": "eu"},
            {
                "type": "and",
                "filters": [
                    {"type": "eq", "key": "region", "value": "us"},
                    {"type": "lte", "key": "year", "value": 2024},
                ],
            },
        ],
    }
    assert await names(compound) == ["a.txt", "c.txt"]


async def test_chunking_strategy_cuts_the_search_results(api: Api) -> None:
    store = await api("vector_stores.create")
    text = " ".join(f"Sentence {i} is about topic{i}." for i in range(60)).encode()
    file_id = upload(api.fake, "long.txt", text)
    static = {"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 0}}
    await api("vector_stores.files.create", vector_store_id=store.id, file_id=file_id, chunking_strategy=static)
    hits = await api("vector_stores.search", vector_store_id=store.id, query="topic42")
    assert len(hits.data) == 1 and "topic42" in hits.data[0].content[0].text
    assert len(hits.data[0].content[0].text) < len(text) / 3


async def test_bad_requests_get_the_real_errors(api: Api) -> None:
    store = await api("vector_stores.create")
    file_id = upload(api.fake, "a.txt", POLICY)
    too_much = {"type": "static", "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 150}}
    with pytest.raises(openai.BadRequestError, match="chunk_overlap_tokens"):
        await api("vector_stores.files.create", vector_store_id=store.id, file_id=file_id, chunking_strategy=too_much)
    tiny = {"type": "static", "static": {"max_chunk_size_tokens": 50, "chunk_overlap_tokens": 0}}
    with pytest.raises(openai.BadRequestError, match="below minimum value"):
        await api("vector_stores.files.create", vector_store_id=store.id, file_id=file_id, chunking_strategy=tiny)
    with pytest.raises(openai.BadRequestError, match="max_num_results"):
        await api("vector_stores.search", vector_store_id=store.id, query="x", max_num_results=51)
    with pytest.raises(openai.NotFoundError):
        await api("vector_stores.files.create", vector_store_id=store.id, file_id="file-nope")
    with pytest.raises(openai.NotFoundError):
        await api("vector_stores.search", vector_store_id="vs_nope", query="x")
    with pytest.raises(openai.BadRequestError, match=r"expires_after\.days"):
        await api("vector_stores.create", expires_after={"anchor": "last_active_at", "days": 400})
    assert (await api("vector_stores.retrieve", vector_store_id=store.id)).file_counts.total == 0


async def test_faults_and_recording_apply(api: Api) -> None:
    store = await api("vector_stores.create")
    api.fake.fail(503, endpoint="/vector_stores/*/search")
    with pytest.raises(openai.InternalServerError):
        await api("vector_stores.search", vector_store_id=store.id, query="x")
    assert (await api("vector_stores.search", vector_store_id=store.id, query="x")).data == []
    searches = api.fake.requests.where(endpoint=f"/vector_stores/{store.id}/search")
    assert [r.status for r in searches] == [503, 200] and searches[0].json == {"query": "x"}


async def test_any_id_mode(api: Api) -> None:
    api.fake.any_id = True
    store = await api("vector_stores.retrieve", vector_store_id="vector_store_id")
    assert store.id == "vector_store_id" and store.status == "completed"
    attached = await api("vector_stores.files.retrieve", file_id="file_id", vector_store_id="vector_store_id")
    assert attached.id == "file_id" and attached.status == "completed"
    batch = await api("vector_stores.file_batches.cancel", batch_id="batch_id", vector_store_id="vector_store_id")
    assert batch.id == "batch_id" and batch.vector_store_id == "vector_store_id"


def test_seed_with_an_id_and_reset() -> None:
    fake = FakeOpenAI()
    store = fake.seed("/vector_stores", {"name": "kb", "metadata": {"k": "v"}}, files={"faq.md": POLICY}, id="vs_kb")
    assert store["id"] == "vs_kb" and store["metadata"] == {"k": "v"} and store["usage_bytes"] == len(POLICY)
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client())
    (attached,) = client.vector_stores.files.list("vs_kb").data
    assert attached.status == "completed"
    assert client.vector_stores.files.content(attached.id, vector_store_id="vs_kb").data[0].text == POLICY.decode()
    fake.reset()
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.retrieve("vs_kb")


# -- the Responses file_search tool ----------------------------------------------------------------


def _kb(fake: FakeOpenAI) -> str:
    store = fake.seed("/vector_stores", {"name": "kb"}, files={"policy.txt": POLICY, "shipping.md": SHIPPING})
    return str(store["id"])


async def test_file_search_tool(api: Api) -> None:
    store_id = _kb(api.fake)
    api.fake.reply("Items can be returned within 30 days.")
    tools = [{"type": "file_search", "vector_store_ids": [store_id]}]
    response = await api(
        "responses.create",
        model="gpt-4.1",
        input="What is the return policy?",
        tools=tools,
        include=["file_search_call.results"],
    )
    call, message = response.output
    assert call.type == "file_search_call" and call.status == "completed" and call.id.startswith("fs_")
    assert call.queries == ["return policy"]
    assert call.results is not None and call.results[0].filename == "policy.txt"
    assert call.results[0].text == POLICY.decode() and call.results[0].score > 0
    assert message.type == "message" and response.output_text == "Items can be returned within 30 days."
    (citation,) = message.content[0].annotations
    assert citation.type == "file_citation" and citation.filename == "policy.txt"
    assert citation.file_id == call.results[0].file_id and citation.index == len(response.output_text)
    (echoed,) = response.tools
    assert echoed.type == "file_search" and echoed.vector_store_ids == [store_id] and echoed.max_num_results == 20

    plain = await api("responses.create", model="gpt-4.1", input="What is the return policy?", tools=tools)
    assert plain.output[0].results is None  # results only when include asks for them
    off = await api("responses.create", model="gpt-4.1", input="Hi", tools=tools, tool_choice="none")
    assert [item.type for item in off.output] == ["message"]


async def test_file_search_tool_scripted_queries_and_citations(api: Api) -> None:
    store_id = _kb(api.fake)
    api.fake.reply(Reply("It ships in 5 days.", queries=["shipping days", "express"], citations=["shipping.md"]))
    response = await api(
        "responses.create",
        model="gpt-4.1",
        input=[{"role": "user", "content": [{"type": "input_text", "text": "When will it arrive?"}]}],
        tools=[{"type": "file_search", "vector_store_ids": [store_id], "max_num_results": 1}],
        include=["file_search_call.results"],
    )
    call, message = response.output
    assert call.queries == ["shipping days", "express"]
    assert [r.filename for r in call.results] == ["shipping.md"]
    assert [(a.filename, a.file_id) for a in message.content[0].annotations] == [
        ("shipping.md", call.results[0].file_id)
    ]
    api.fake.reply("No sources.", citations=[])
    tools = [{"type": "file_search", "vector_store_ids": [store_id]}]
    quiet = await api("responses.create", model="gpt-4.1", input="return policy", tools=tools)
    assert quiet.output[1].content[0].annotations == []


async def test_file_search_tool_streamed(api: Api) -> None:
    store_id = _kb(api.fake)
    api.fake.reply("Within 30 days.")
    stream = await api(
        "responses.create",
        model="gpt-4.1",
        input="return policy",
        tools=[{"type": "file_search", "vector_store_ids": [store_id]}],
        stream=True,
    )
    events = await api.collect(stream)
    kinds = [e.type for e in events if not e.type.endswith(".delta")]
    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.file_search_call.in_progress",
        "response.file_search_call.searching",
        "response.file_search_call.completed",
        "response.output_item.done",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.annotation.added",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    added = next(e for e in events if e.type == "response.output_text.annotation.added")
    assert added.annotation_index == 0 and added.output_index == 1 and added.content_index == 0
    annotation = added.annotation  # openai 1.x types it as a plain object
    annotation = annotation if isinstance(annotation, dict) else annotation.model_dump()
    assert annotation["filename"] == "policy.txt" and annotation["type"] == "file_citation"
    final = events[-1].response
    assert final.output[1].content[0].annotations[0].file_id == annotation["file_id"]
    replay = await api.collect(await api("responses.retrieve", response_id=final.id, stream=True))
    assert [e.type for e in replay if not e.type.endswith(".delta")] == kinds


# -- over serve ------------------------------------------------------------------------------------


def test_main_flow_over_serve() -> None:
    pytest.importorskip("uvicorn")
    from fakeopenai.server import app

    from .test_server import Served

    with Served(app(FakeOpenAI(seed=1))) as server:
        seeded = httpx.post(  # the control API seeds a store with its documents, as a scenario's seed: does
            f"{server.base}/_fakeopenai/seed",
            json={"path": "/vector_stores", "body": {"name": "kb"}, "files": {"policy.txt": {"text": POLICY.decode()}}},
        )
        assert seeded.status_code == 200, seeded.text
        (store,) = seeded.json()["data"]
        assert store["file_counts"]["completed"] == 1
        with openai.OpenAI(
            api_key="sk-test", base_url=f"{server.base}/v1", max_retries=0, _strict_response_validation=True
        ) as client:
            file_id = upload(server.fake, "shipping.md", SHIPPING)
            attached = client.vector_stores.files.create_and_poll(file_id, vector_store_id=store["id"])
            assert attached.status == "completed"
            batch = client.vector_stores.file_batches.create_and_poll(
                store["id"], file_ids=[upload(server.fake, "w.txt", WARRANTY)]
            )
            assert batch.file_counts.completed == 1
            assert client.vector_stores.retrieve(store["id"]).file_counts.completed == 3
            hits = client.vector_stores.search(store["id"], query="express shipping")
            assert hits.data[0].filename == "shipping.md"
            scripted = httpx.post(  # a reply naming its citations, as a client in any language scripts it
                f"{server.base}/_fakeopenai/replies", json={"text": "Two days by express.", "citations": ["w.txt"]}
            )
            assert scripted.status_code == 200, scripted.text
            tools = [{"type": "file_search", "vector_store_ids": [store["id"]]}]
            with client.responses.stream(model="gpt-4.1", input="express shipping", tools=tools) as stream:
                final = stream.get_final_response()
            assert final.output[0].type == "file_search_call"
            assert [a.filename for a in final.output[1].content[0].annotations] == ["w.txt"]
            assert final.output_text == "Two days by express."
            assert client.vector_stores.delete(store["id"]).deleted
        errors = [r.answer for r in server.fake.requests if isinstance(r.answer, Exception)]
        assert not errors



def test_scenario_replies_name_queries_and_citations() -> None:
    from fakeopenai._scenario import ScenarioError, build_reply

    reply = build_reply({"text": "Sure.", "queries": ["refund window"], "citations": ["returns.md"]})
    assert reply.queries == ["refund window"] and reply.citations == ["returns.md"]
    with pytest.raises(ScenarioError, match=r"citations\[0\]"):
        build_reply({"text": "Sure.", "citations": [3]})


async def test_expiry_on_the_fake_clock(api: Api) -> None:
    clock = ManualClock()
    api = Api(FakeOpenAI(seed=1, clock=clock), api.is_async, api.flavour)
    store = await api("vector_stores.create", expires_after={"anchor": "last_active_at", "days": 1})
    clock.advance(3600)
    await api("vector_stores.search", vector_store_id=store.id, query="x")  # activity moves the anchor
    active = await api("vector_stores.retrieve", vector_store_id=store.id)
    assert active.last_active_at == store.last_active_at + 3600 and active.expires_at == active.last_active_at + 86400
    clock.advance(86400)
    assert (await api("vector_stores.retrieve", vector_store_id=store.id)).status == "expired"
    await api("vector_stores.search", vector_store_id=store.id, query="x")
    expired = await api("vector_stores.retrieve", vector_store_id=store.id)
    assert expired.status == "expired" and expired.expires_at == active.expires_at  # no activity revives it
    revived = await api("vector_stores.update", vector_store_id=store.id, expires_after=None)
    assert revived.status == "completed" and revived.expires_at is None and revived.expires_after is None


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/responses", {"tools": [{"type": "file_search", "vector_store_ids": "vs_kb"}]}),
        ("/responses", {"tools": [{"type": "file_search", "vector_store_ids": ["vs_kb"], "ranking_options": "x"}]}),
        ("/responses", {"tools": [{"type": "file_search", "vector_store_ids": ["vs_kb"], "max_num_results": 99}]}),
        ("/responses", {"tools": [{"type": "file_search", "vector_store_ids": ["vs_kb"], "filters": {"type": "and"}}]}),
        ("/vector_stores/vs_kb/search", {"query": "x", "filters": {"type": "between", "key": "a", "value": 1}}),
        ("/vector_stores/vs_kb/search", {"query": "x", "ranking_options": {"score_threshold": "high"}}),
        ("/vector_stores/vs_kb/file_batches", {"files": [1]}),
        ("/vector_stores", {"chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": "x"}}}),
    ],
)
@pytest.mark.parametrize("validate", [True, False], ids=["validated", "unvalidated"])
def test_malformed_bodies_get_a_400_and_break_nothing(path: str, body: dict[str, Any], validate: bool) -> None:
    fake = FakeOpenAI(validate=validate)
    fake.seed("/vector_stores", files={"a.txt": b"hello world"}, id="vs_kb")
    if path == "/responses":
        body = {"model": "gpt-4.1", "input": "hello", **body}
    with httpx.Client(transport=fake.transport("httpx"), base_url="https://api.openai.com/v1") as client:
        answer = client.post(path, json=body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["type"] == "invalid_request_error"
        assert client.post("/vector_stores/vs_kb/search", json={"query": "hello"}).json()["data"]
