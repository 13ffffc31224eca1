"""Batches through the real SDK: the input checked, every line answered as a direct request, the lifecycle."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai.types import Completion, CreateEmbeddingResponse, ModerationCreateResponse
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

from fakeopenai import FakeOpenAI, ManualClock, Reply

from .conftest import Api

CHAT = "/v1/chat/completions"
DAY = 24 * 3600


def line(custom_id: str, text: str = "Hi", url: str = CHAT, **body: Any) -> dict[str, Any]:
    """One request line of a batch input file (a chat completion unless ``url`` says otherwise)."""
    if url == CHAT:
        body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}], **body}
    return {"custom_id": custom_id, "method": "POST", "url": url, "body": body}


def jsonl(lines: list[Any]) -> bytes:
    return b"".join((item if isinstance(item, str) else json.dumps(item)).encode() + b"\n" for item in lines)


async def start(api: Api, lines: list[Any], endpoint: str = CHAT, **options: Any) -> Any:
    """Upload ``lines`` as a batch input file and create a batch over it."""
    stored = await api("files.create", file=("input.jsonl", jsonl(lines)), purpose="batch")
    return await api(
        "batches.create", input_file_id=stored.id, endpoint=endpoint, completion_window="24h", **options
    )


async def poll(api: Api, batch: Any) -> tuple[Any, list[str]]:
    """Retrieve until the batch ends, as a polling loop does; the batch and the statuses it went through."""
    seen = [batch.status]
    for _ in range(10):
        if batch.status in ("completed", "failed", "cancelled", "expired"):
            return batch, seen
        batch = await api("batches.retrieve", batch_id=batch.id)
        seen.append(batch.status)
    raise AssertionError(f"the batch never ended: {seen}")


async def output(api: Api, file_id: str | None) -> list[dict[str, Any]]:
    """The lines of a batch's output or error file."""
    assert file_id is not None
    content = await api("files.content", file_id=file_id)
    return [json.loads(raw) for raw in content.content.decode().splitlines()]


async def test_a_batch_runs_to_completion_answered_by_the_queue(api: Api) -> None:
    api.fake.reply("First")
    api.fake.reply("Second")
    batch = await start(api, [line("a", "one"), line("b", "two")], metadata={"job": "nightly"})
    assert (batch.status, batch.object, batch.endpoint, batch.completion_window) == (
        "validating",
        "batch",
        CHAT,
        "24h",
    )
    assert batch.metadata == {"job": "nightly"} and batch.output_file_id is None
    assert batch.expires_at == batch.created_at + DAY
    assert len(api.fake.pending) == 2  # nothing is answered before the batch runs
    batch, seen = await poll(api, batch)
    assert seen == ["validating", "in_progress", "finalizing", "completed"]
    assert api.fake.pending == []  # each queued reply used once, in file order
    counts = batch.request_counts
    assert (counts.total, counts.completed, counts.failed) == (2, 2, 0)
    assert batch.error_file_id is None and batch.errors is None
    for stamp in ("in_progress_at", "finalizing_at", "completed_at"):
        assert getattr(batch, stamp) >= batch.created_at
    assert batch.failed_at is None and batch.cancelled_at is None
    answers = await output(api, batch.output_file_id)
    assert [a["custom_id"] for a in answers] == ["a", "b"]
    assert all(a["id"].startswith("batch_req_") and a["error"] is None for a in answers)
    assert [ChatCompletion.model_validate(a["response"]["body"]).choices[0].message.content for a in answers] == [
        "First",
        "Second",
    ]
    assert all(a["response"]["status_code"] == 200 and len(a["response"]["request_id"]) == 32 for a in answers)
    stored = await api("files.retrieve", file_id=batch.output_file_id)
    assert (stored.purpose, stored.filename) == ("batch_output", f"{batch.id}_output.jsonl")
    again, _ = await poll(api, await api("batches.retrieve", batch_id=batch.id))
    assert again == batch  # a finished batch stays as it is


async def test_each_line_is_answered_and_recorded_as_a_direct_request(api: Api) -> None:
    batch, _ = await poll(api, await start(api, [line("a", "one"), line("b", "two", temperature=0.5)]))
    answers = await output(api, batch.output_file_id)
    lines = api.fake.requests.where(endpoint="/chat/completions")
    assert [r.headers["x-fakeopenai-custom-id"] for r in lines] == ["a", "b"]
    assert {r.headers["x-fakeopenai-batch-id"] for r in lines} == {batch.id}
    assert [r.json["messages"][0]["content"] for r in lines] == ["one", "two"]
    for request, answer in zip(lines, answers, strict=True):  # each body is what the core answered for the request
        assert request.response is not None and json.loads(request.response.body) == answer["response"]["body"]
        assert dict(request.response.headers)["x-request-id"] == "req_" + answer["response"]["request_id"]
    assert api.fake.requests[-2].endpoint == f"/batches/{batch.id}"  # the retrieve that ran them ends the log
    direct = await api("chat.completions.create", model="gpt-4o-mini", messages=[{"role": "user", "content": "one"}])
    first = ChatCompletion.model_validate(answers[0]["response"]["body"])
    assert first.choices == direct.choices and first.usage == direct.usage  # same default reply, same body


async def test_fail_rules_responders_and_validation_errors_go_to_the_error_file(api: Api) -> None:
    api.fake.on(contains="weather").reply("Sunny")
    api.fake.respond(lambda request: Reply(f"echo {request.last_user_message}"))
    api.fake.reply("queued")
    api.fake.fail(429)
    lines = [
        line("q", "first"),
        line("f", "second"),
        line("w", "weather?"),
        line("r", "third"),
        line("v", "bad", temperature="hot"),
    ]
    batch, _ = await poll(api, await start(api, lines))
    counts = batch.request_counts
    assert (counts.total, counts.completed, counts.failed) == (5, 3, 2)
    answers = await output(api, batch.output_file_id)
    good = {a["custom_id"]: a["response"]["body"]["choices"][0]["message"]["content"] for a in answers}
    assert good == {"q": "queued", "w": "Sunny", "r": "echo third"}
    errors = {a["custom_id"]: a for a in await output(api, batch.error_file_id)}
    assert errors["f"]["response"]["status_code"] == 429 and errors["f"]["error"] is None
    assert errors["f"]["response"]["body"]["error"]["code"] == "rate_limit_exceeded"
    invalid = errors["v"]["response"]
    assert invalid["status_code"] == 400 and invalid["body"]["error"]["param"] == "temperature"
    assert (await api("files.retrieve", file_id=batch.error_file_id)).filename == f"{batch.id}_error.jsonl"


@pytest.mark.parametrize(
    ("url", "body", "kind"),
    [
        ("/v1/responses", {"model": "gpt-4.1", "input": "Hi"}, Response),
        ("/v1/embeddings", {"model": "text-embedding-3-small", "input": "Hi"}, CreateEmbeddingResponse),
        ("/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hi"}, Completion),
        ("/v1/moderations", {"input": "Hi"}, ModerationCreateResponse),
    ],
)
async def test_every_batch_endpoint(api: Api, url: str, body: dict[str, Any], kind: Any) -> None:
    api.fake.reply("Batched")
    batch, _ = await poll(api, await start(api, [line("x", url=url, **body)], endpoint=url))
    assert batch.status == "completed" and batch.request_counts.completed == 1
    (answer,) = await output(api, batch.output_file_id)
    parsed = kind.model_validate(answer["response"]["body"])
    if kind is Response:
        assert parsed.output_text == "Batched"
    elif kind is Completion:
        assert parsed.choices[0].text == "Batched"
    dumped = batch.model_dump()  # openai 1.x's Batch lacks model and usage: read them as extras there
    assert dumped.get("model") == body.get("model")
    assert dumped["usage"]["total_tokens"] > 0 or kind is ModerationCreateResponse


BAD_INPUTS = [
    (["{not json", line("ok")], [("invalid_json_line", 1, None)]),
    ([line("a"), line("a")], [("duplicate_custom_id", 2, "custom_id")]),
    ([line("a"), line("b", url="/v1/embeddings", input="x")], [("url_mismatch", 2, "url")]),
    ([line("a"), line("b", model="gpt-4o")], [("model_mismatch", 2, "body.model")]),
    ([{"method": "POST", "url": CHAT, "body": {}}], [("missing_required_parameter", 1, "custom_id")]),
    ([{**line("a"), "method": "GET"}], [("invalid_value", 1, "method")]),
    ([], [("empty_file", None, None)]),
]


@pytest.mark.parametrize(("lines", "expected"), BAD_INPUTS, ids=[e[0][0] for _, e in BAD_INPUTS])
async def test_bad_input_fails_the_batch_with_its_errors(api: Api, lines: list[Any], expected: list[Any]) -> None:
    api.fake.reply("never used")
    batch = await start(api, lines)
    assert batch.status == "validating"  # the file is checked while validating, as the real API does
    batch, seen = await poll(api, batch)
    assert seen == ["validating", "failed"]
    assert batch.errors is not None and batch.errors.object == "list"
    assert [(e.code, e.line, e.param) for e in batch.errors.data] == expected
    assert batch.failed_at is not None and batch.in_progress_at is None and batch.output_file_id is None
    assert len(api.fake.pending) == 1 and api.fake.requests.where(endpoint="/chat/completions") == []


async def test_the_real_message_for_a_line_that_is_not_json(api: Api) -> None:
    batch, _ = await poll(api, await start(api, ["{not json"]))
    assert batch.errors is not None
    assert batch.errors.data[0].message == "This line is not parseable as valid JSON."


async def test_create_checks_its_parameters_and_the_file(api: Api) -> None:
    with pytest.raises(openai.NotFoundError, match="No such File object: file-nope"):
        await api("batches.create", input_file_id="file-nope", endpoint=CHAT, completion_window="24h")
    stored = await api("files.create", file=("a.txt", b"x"), purpose="assistants")
    with pytest.raises(openai.BadRequestError, match="purpose 'batch'") as caught:
        await api("batches.create", input_file_id=stored.id, endpoint=CHAT, completion_window="24h")
    assert caught.value.param == "input_file_id"
    with pytest.raises(openai.BadRequestError, match="Invalid value: '/v1/nope'") as caught:
        await api("batches.create", input_file_id=stored.id, endpoint="/v1/nope", completion_window="24h")
    assert caught.value.param == "endpoint"
    with pytest.raises(openai.BadRequestError, match="Invalid value: '1h'") as caught:
        await api("batches.create", input_file_id=stored.id, endpoint=CHAT, completion_window="1h")
    assert caught.value.param == "completion_window"
    assert await api("batches.list") is not None and (await api("batches.list")).data == []


async def test_cancel_right_after_create(api: Api) -> None:
    api.fake.reply("never used")
    batch = await start(api, [line("a")])
    cancelling = await api("batches.cancel", batch_id=batch.id)
    assert cancelling.status == "cancelling" and cancelling.cancelling_at is not None
    assert (await api("batches.cancel", batch_id=batch.id)).status == "cancelling"
    cancelled, seen = await poll(api, cancelling)
    assert seen == ["cancelling", "cancelled"] and cancelled.cancelled_at is not None
    assert cancelled.output_file_id is None and cancelled.request_counts.completed == 0
    assert len(api.fake.pending) == 1  # no line was answered
    with pytest.raises(openai.BadRequestError, match="Cannot cancel a batch with status 'cancelled'"):
        await api("batches.cancel", batch_id=batch.id)


async def test_cancel_while_finalizing_keeps_the_answers(api: Api) -> None:
    batch = await start(api, [line("a"), line("b")])
    for _ in range(2):
        batch = await api("batches.retrieve", batch_id=batch.id)
    assert batch.status == "finalizing"
    await api("batches.cancel", batch_id=batch.id)
    cancelled = await api("batches.retrieve", batch_id=batch.id)
    assert cancelled.status == "cancelled" and cancelled.request_counts.completed == 2
    assert [a["custom_id"] for a in await output(api, cancelled.output_file_id)] == ["a", "b"]


async def test_list_is_newest_first_and_pages(api: Api) -> None:
    ids = [(await start(api, [line("a")])).id for _ in range(4)]
    page = await api("batches.list", limit=3)
    assert [b.id for b in page.data] == ids[:0:-1] and page.has_more is True
    rest = await api("batches.list", after=ids[1])
    assert [b.id for b in rest.data] == [ids[0]] and rest.has_more is False
    listed = [b.status for b in (await api("batches.list")).data]
    assert listed == ["validating"] * 4  # listing does not move a batch on


async def test_durations_on_the_fakes_clock(api: Api) -> None:
    clock = ManualClock()
    api = Api(FakeOpenAI(seed=1, clock=clock), api.is_async, api.flavour)
    api.fake.lifecycle("batch", validating=1, in_progress=60, finalizing=2)
    batch = await start(api, [line("a")])
    assert (await api("batches.retrieve", batch_id=batch.id)).status == "validating"
    clock.advance(1)
    assert (await api("batches.list")).data[0].status == "in_progress"  # on a clock, a listing shows it too
    clock.advance(60)
    assert (await api("batches.retrieve", batch_id=batch.id)).status == "finalizing"
    clock.advance(100)
    done = await api("batches.retrieve", batch_id=batch.id)
    assert done.status == "completed" and done.output_file_id is not None
    created = done.created_at
    assert (done.in_progress_at, done.finalizing_at, done.completed_at) == (created + 1, created + 61, created + 63)


async def test_a_batch_expires_after_its_window(api: Api) -> None:
    clock = ManualClock()
    api = Api(FakeOpenAI(seed=1, clock=clock), api.is_async, api.flavour)
    batch = await start(api, [line("a"), line("b")])
    await api("batches.retrieve", batch_id=batch.id)
    clock.advance(DAY)
    expired = await api("batches.retrieve", batch_id=batch.id)
    assert expired.status == "expired" and expired.expired_at == expired.created_at + DAY
    assert (expired.request_counts.total, expired.request_counts.failed) == (2, 2)
    errors = await output(api, expired.error_file_id)
    assert [(e["custom_id"], e["response"], e["error"]["code"]) for e in errors] == [
        ("a", None, "batch_expired"),
        ("b", None, "batch_expired"),
    ]


async def test_faults_apply_to_batches(api: Api) -> None:
    api.fake.fail(503, endpoint="/batches")
    with pytest.raises(openai.InternalServerError):
        await start(api, [line("a")])
    batch = await start(api, [line("a")])
    api.fake.on(endpoint="/batches/*").fail(500, "batch store down", times=1)
    with pytest.raises(openai.InternalServerError, match="batch store down"):
        await api("batches.retrieve", batch_id=batch.id)
    assert (await api("batches.retrieve", batch_id=batch.id)).status == "in_progress"
    with pytest.raises(openai.NotFoundError):
        await api("batches.retrieve", batch_id="batch_nope")


async def test_seeded_input_and_any_id(api: Api) -> None:
    api.fake.add_file(jsonl([line("a")]), purpose="batch", id="file-input")
    body = {"input_file_id": "file-input", "endpoint": CHAT, "completion_window": "24h"}
    api.fake.seed("/batches", body, id="batch_x")
    batch, _ = await poll(api, await api("batches.retrieve", batch_id="batch_x"))
    assert batch.status == "completed" and batch.input_file_id == "file-input"
    api.fake.any_id = True
    made = await api("batches.retrieve", batch_id="batch_id")
    assert made.id == "batch_id" and made.status == "in_progress"
    assert (await api("batches.cancel", batch_id="other_id")).status == "cancelling"
    for _ in range(3):  # a made-up batch has no known history: a cancel is answered whatever its status
        assert (await api("batches.cancel", batch_id="batch_id")).id == "batch_id"
        await api("batches.retrieve", batch_id="batch_id")
    with pytest.raises(openai.BadRequestError, match="Cannot cancel"):  # a real one still refuses
        await api("batches.cancel", batch_id="batch_x")


async def test_on_a_clock_a_batch_that_finished_in_time_does_not_expire(api: Api) -> None:
    clock = ManualClock()
    api = Api(FakeOpenAI(seed=1, clock=clock), api.is_async, api.flavour)
    api.fake.lifecycle("batch", in_progress=3600)
    quick = await start(api, [line("a")])
    api.fake.lifecycle("batch", in_progress=2 * DAY)
    slow = await start(api, [line("b")])
    clock.advance(3 * DAY)  # nobody looked for three days
    done = await api("batches.retrieve", batch_id=quick.id)
    assert done.status == "completed" and done.completed_at == done.created_at + 3600
    expired = await api("batches.retrieve", batch_id=slow.id)
    assert expired.status == "expired" and expired.expired_at == expired.created_at + DAY
    assert expired.output_file_id is None and expired.error_file_id is not None


def test_concurrent_polls_answer_each_line_once(fake: FakeOpenAI) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), max_retries=0)
    fake.add_file(jsonl([line(f"r{i}") for i in range(20)]), purpose="batch", id="file-in")
    fake.reply("answer", times=20)
    batch = client.batches.create(input_file_id="file-in", endpoint=CHAT, completion_window="24h")
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: client.batches.retrieve(batch.id).status, range(16)))
    assert statuses.count("completed") >= 13 and fake.pending == []
    assert len(fake.requests.where(endpoint="/chat/completions")) == 20
    done = client.batches.retrieve(batch.id)
    assert done.request_counts is not None and done.request_counts.completed == 20


async def test_a_streamed_line_is_an_error_line(api: Api) -> None:
    api.fake.reply("never streamed")
    batch, _ = await poll(api, await start(api, [line("s", stream=True)]))
    (error,) = await output(api, batch.error_file_id)
    assert error["response"]["status_code"] == 400 and error["response"]["body"]["error"]["param"] == "stream"
    assert len(api.fake.pending) == 1 and batch.output_file_id is None
