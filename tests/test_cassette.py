"""Cassettes through the real SDK: record against a second fake acting as the upstream, replay offline.

No network: the upstream is an in-process :class:`FakeOpenAI` (reached through a real client of the
same HTTP stack), or a server on loopback in ``test_serve_records_and_replays``.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import openai
import pytest

import fakeopenai
from fakeopenai import Cassette, CassetteMiss, FakeOpenAI, Recording, Reply, ToolCall
from fakeopenai._cassette_file import encode_json, from_document, json_style, to_document
from fakeopenai._wire import Event

from .conftest import FLAVOURS, Api, mid_stream_errors, read_into

HI = [{"role": "user", "content": "Hi"}]


async def raw(api: Api, path: str, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body bytes of an SDK call, as the client received them."""
    response = await api(path.replace(".create", ".with_raw_response.create"), **kwargs)
    http = response.http_response
    body = await http.aread() if api.is_async else http.read()
    return http.status_code, dict(http.headers), body


def replaying(api: Api, **options: Any) -> Api:
    """A fresh fake with the same client kind, for the replay half of a test."""
    return Api(FakeOpenAI(), api.is_async, api.flavour, **options)


CALLS: list[tuple[str, dict[str, Any]]] = [
    ("chat.completions.create", {"model": "gpt-4o-mini", "messages": HI}),
    ("chat.completions.create", {"model": "gpt-4o-mini", "messages": HI, "stream": True}),
    ("responses.create", {"model": "gpt-4.1", "input": "Hi", "stream": True}),
    ("responses.create", {"model": "gpt-4.1", "input": "Hello"}),
    ("embeddings.create", {"model": "text-embedding-3-small", "input": "cat"}),
    ("completions.create", {"model": "gpt-3.5-turbo-instruct", "prompt": "Hi", "stream": True}),
]


async def test_record_then_replay_byte_for_byte(api: Api, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    upstream = FakeOpenAI(seed=7)
    upstream.reply(tool_calls=[ToolCall("get_weather", {"city": "Paris"})])
    with fakeopenai.cassette(path, fake=api.fake, upstream=upstream):
        recorded = [await raw(api, method, **kwargs) for method, kwargs in CALLS]
    assert [request.status for request in api.fake.requests] == [200] * len(CALLS)
    # what the application saw while recording is what the upstream sent, byte for byte
    assert [body for _, _, body in recorded] == [
        request.response.body or b"".join(data for _, data in request.response.events) for request in upstream.requests
    ]

    replay = replaying(api)
    with fakeopenai.cassette(path, fake=replay.fake) as fake:
        assert fake.cassette is not None and fake.cassette.mode == "none"
        replayed = [await raw(replay, method, **kwargs) for method, kwargs in CALLS]
    for (status, headers, body), (status2, headers2, body2) in zip(recorded, replayed, strict=True):
        assert (status2, body2) == (status, body)  # ids and all
        assert headers2["x-request-id"] == headers["x-request-id"]
        assert headers2["content-type"] == headers["content-type"]
    assert len(upstream.requests) == len(CALLS)  # nothing went upstream on replay


async def test_replays_parse_with_strict_validation(api: Api, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with fakeopenai.cassette(path, fake=api.fake, upstream=FakeOpenAI(seed=1)):
        first = await api("chat.completions.create", model="gpt-4o-mini", messages=HI)
        stream = await api("chat.completions.create", model="gpt-4o-mini", messages=HI, stream=True)
        chunks = await api.collect(stream)
    replay = replaying(api)
    with fakeopenai.cassette(path, fake=replay.fake):
        again = await replay("chat.completions.create", model="gpt-4o-mini", messages=HI)
        stream = await replay("chat.completions.create", model="gpt-4o-mini", messages=HI, stream=True)
        chunks2 = await replay.collect(stream)
    assert again.id == first.id and again.choices[0].message.content == first.choices[0].message.content
    assert [c.model_dump() for c in chunks2] == [c.model_dump() for c in chunks]


async def test_a_recorded_429_replays_with_its_headers(api: Api, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    upstream = FakeOpenAI(seed=2)
    upstream.fail(429, retry_after_ms=10, headers={"x-custom": "kept"})
    with fakeopenai.cassette(path, fake=api.fake, upstream=upstream), pytest.raises(openai.RateLimitError) as recorded:
        await api("chat.completions.create", model="gpt-4o-mini", messages=HI)
    replay = replaying(api)
    with fakeopenai.cassette(path, fake=replay.fake), pytest.raises(openai.RateLimitError) as replayed:
        await replay("chat.completions.create", model="gpt-4o-mini", messages=HI)
    assert replayed.value.body == recorded.value.body
    for name in ("retry-after-ms", "x-custom", "x-request-id"):
        assert replayed.value.response.headers[name] == recorded.value.response.headers[name]
    assert replayed.value.response.status_code == 429


async def test_a_broken_stream_is_recorded_and_breaks_again_on_replay(api: Api, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    upstream = FakeOpenAI(seed=6)
    upstream.reply("one two three four five", drop_after=3)
    received: list[str] = []
    with fakeopenai.cassette(path, fake=api.fake, upstream=upstream), pytest.raises(mid_stream_errors("drop")):
        await read_into(await api("chat.completions.create", model="m", messages=HI, stream=True), received)
    replayed: list[str] = []
    replay = replaying(api)
    with fakeopenai.cassette(path, fake=replay.fake), pytest.raises(mid_stream_errors("drop")):
        await read_into(await replay("chat.completions.create", model="m", messages=HI, stream=True), replayed)
    assert replayed == received and len(received) == 3
    assert Cassette(path).recordings[0].then == "drop"


async def test_scripted_answers_faults_and_rate_limits_compose_with_a_replay(api: Api, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    upstream = FakeOpenAI(seed=3)
    upstream.reply("one").reply("two").reply("three")
    ask = [{"role": "user", "content": text} for text in ("a", "b", "c")]
    with fakeopenai.cassette(path, fake=api.fake, upstream=upstream):
        for message in ask:
            await api("chat.completions.create", model="gpt-4o-mini", messages=[message])

    replay = replaying(api)
    with fakeopenai.cassette(path, fake=replay.fake) as fake:
        texts = []
        for index, message in enumerate(ask):
            if index == 2:
                fake.fail(429, retry_after_ms=1)  # a 429 injected on the third call
                with pytest.raises(openai.RateLimitError):
                    await replay("chat.completions.create", model="gpt-4o-mini", messages=[message])
            answer = await replay("chat.completions.create", model="gpt-4o-mini", messages=[message])
            texts.append(answer.choices[0].message.content)
        assert texts == ["one", "two", "three"]
        assert [r.status for r in fake.requests] == [200, 200, 429, 200]

    limited = replaying(api)
    with fakeopenai.cassette(path, fake=limited.fake) as fake:
        fake.rate_limit(rpm=2, clock=fakeopenai.ManualClock())
        for message in ask[:2]:
            await limited("chat.completions.create", model="gpt-4o-mini", messages=[message])
        with pytest.raises(openai.RateLimitError):
            await limited("chat.completions.create", model="gpt-4o-mini", messages=[ask[2]])
        assert fake.cassette is not None
        fake.cassette.misses.clear()


async def test_a_miss_names_the_closest_recording_and_fails_the_block(api: Api, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with fakeopenai.cassette(path, fake=api.fake, upstream=FakeOpenAI()):
        await api("chat.completions.create", model="gpt-4o-mini", messages=HI)
    replay = replaying(api)
    with (
        pytest.raises(CassetteMiss, match="differs in messages"),
        fakeopenai.cassette(path, fake=replay.fake, record="none"),
    ):
        with pytest.raises(openai.InternalServerError) as error:
            await replay("chat.completions.create", model="gpt-4o-mini", messages=[{"role": "user", "content": "Yo"}])
        message = str(error.value)
        assert "Closest: recording #1 (POST /chat/completions)" in message
        assert "messages[0].content: recorded 'Hi', sent 'Yo'" in message
        assert len(replay.fake.requests) == 1  # no retries: x-should-retry is false


async def test_record_new_keeps_recordings_and_adds_missing_ones(api: Api, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    upstream = FakeOpenAI()
    upstream.reply("first")
    with fakeopenai.cassette(path, fake=api.fake, upstream=upstream):
        await api("chat.completions.create", model="gpt-4o-mini", messages=HI)
    upstream.reply("second")
    again = replaying(api)
    with fakeopenai.cassette(path, fake=again.fake, upstream=upstream, record="new"):
        replayed = await again("chat.completions.create", model="gpt-4o-mini", messages=HI)
        new = await again("chat.completions.create", model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}])
    assert (replayed.choices[0].message.content, new.choices[0].message.content) == ("first", "second")
    assert len(upstream.requests) == 2
    assert [r.json["messages"][0]["content"] for r in Cassette(path).recordings] == ["Hi", "x"]

    upstream.reply("third")
    with fakeopenai.cassette(path, fake=replaying(api).fake, upstream=upstream, record="all") as fake:
        client = openai.OpenAI(api_key="sk-test", http_client=fake.client(api.flavour))
        client.chat.completions.create(model="gpt-4o-mini", messages=HI)
    assert [r.json["messages"][0]["content"] for r in Cassette(path).recordings] == ["Hi"]  # re-recorded


async def test_identical_requests_replay_in_recorded_order_ignoring_run_varying_fields(
    api: Api, tmp_path: Path
) -> None:
    path = tmp_path / "c.yaml"
    upstream = FakeOpenAI()
    upstream.reply("one").reply("two")
    with fakeopenai.cassette(path, fake=api.fake, upstream=upstream):
        for run in ("a", "b"):
            await api("chat.completions.create", model="m", messages=HI, user=run, metadata={"run": run}, seed=1)
    replay = replaying(api)
    with fakeopenai.cassette(path, fake=replay.fake):
        texts = [
            (await replay("chat.completions.create", model="m", messages=HI, user=run, seed=9))
            .choices[0]
            .message.content
            for run in ("c", "d")
        ]
    assert texts == ["one", "two"]
    with fakeopenai.cassette(path, fake=replay.fake) as fake:
        for _ in range(2):
            await replay("chat.completions.create", model="m", messages=HI)
        fake.reset()  # a reset replays from the start
        again = await replay("chat.completions.create", model="m", messages=HI)
    assert again.choices[0].message.content == "one"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_secrets_never_reach_the_file(flavour: str, tmp_path: Path) -> None:
    key = "sk-proj-recording-secret-0123456789"
    upstream = FakeOpenAI()
    upstream.respond(lambda request: f"your key is {request.headers['authorization']}")
    path = tmp_path / "c.yaml"
    with fakeopenai.cassette(
        path, upstream=upstream, redact_fields=["email"], redact_text=[r"\b\d{3}-\d{4}\b"]
    ) as fake:
        client = openai.OpenAI(
            api_key=key,
            organization="org-secret-org",
            project="proj_secret_project",
            http_client=fake.client(flavour),
            default_headers={"Cookie": "session=secret-cookie"},
        )
        answer = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "call 555-1234"}], metadata={"email": "a@b.c"}
        )
    assert answer.choices[0].message.content == f"your key is Bearer {key}"  # the application saw it
    text = path.read_text()
    for secret in (key, "org-secret-org", "proj_secret_project", "secret-cookie", "555-1234", "a@b.c"):
        assert secret not in text
    assert "your key is Bearer REDACTED" in text
    assert "authorization" not in text.lower() and "cookie" not in text.lower()


def test_before_record_hook_edits_or_drops(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"

    def hook(recording: Recording) -> Recording | None:
        if recording.path.endswith("/models"):
            return None
        recording.request_headers["x-note"] = "edited"
        return recording

    with fakeopenai.cassette(path, upstream=FakeOpenAI(), before_record=hook) as fake:
        client = openai.OpenAI(api_key="sk-test", http_client=fake.client())
        client.models.list()
        client.embeddings.create(model="text-embedding-3-small", input="x")
    (recording,) = Cassette(path).recordings
    assert recording.path == "/v1/embeddings" and recording.request_headers["x-note"] == "edited"


def test_replay_timing_is_realised_by_the_transport(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    upstream = FakeOpenAI()
    upstream.reply("one two three four five six", ttft=0.03, token_delay=0.01)
    with fakeopenai.cassette(path, upstream=upstream) as fake:
        client = openai.OpenAI(api_key="sk-test", http_client=fake.client())
        list(client.chat.completions.create(model="m", messages=HI, stream=True))
    (recording,) = Cassette(path).recordings
    assert recording.events is not None
    delays = [delay for delay, _ in recording.events]
    sent = [delay for delay, _ in upstream.requests[0].response.events]  # type: ignore[union-attr]
    assert len(delays) == len(sent)
    for index in range(len(sent)):  # each event arrived no earlier than the upstream sent it (sleeps are never short)
        assert sum(delays[: index + 1]) >= sum(sent[: index + 1]) - 0.002

    for speed in (0.0, 1.0, 2.0):
        sleeps: list[float] = []
        replay = FakeOpenAI(sleep=sleeps.append)
        with fakeopenai.cassette(path, fake=replay, speed=speed):
            client = openai.OpenAI(api_key="sk-test", http_client=replay.client())
            text = "".join(
                c.choices[0].delta.content or ""
                for c in client.chat.completions.create(model="m", messages=HI, stream=True)
            )
        assert text == "one two three four five six"
        expected = [delay * speed for delay in [recording.delay, *delays] if delay * speed > 0]
        assert sleeps == expected  # the headers' delay, then each event's


def test_replay_honours_the_read_timeout(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    upstream = FakeOpenAI()
    upstream.reply("slow", ttft=0.2)
    with fakeopenai.cassette(path, upstream=upstream) as fake:
        list(
            openai.OpenAI(api_key="k", http_client=fake.client()).chat.completions.create(
                model="m", messages=HI, stream=True
            )
        )
    sleeps: list[float] = []
    replay = FakeOpenAI(sleep=sleeps.append)
    with fakeopenai.cassette(path, fake=replay, speed=1.0):
        client = openai.OpenAI(api_key="k", http_client=replay.client(), timeout=0.05, max_retries=0)
        with pytest.raises(mid_stream_errors("timeout")):
            list(client.chat.completions.create(model="m", messages=HI, stream=True))
    assert sleeps[-1] == 0.05  # waited out the read timeout, not the recorded 0.2 s


def test_a_recording_becomes_a_reply(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    upstream = FakeOpenAI()
    upstream.reply("Bonjour tout le monde", token_delay=0.001)
    upstream.reply(tool_calls=[ToolCall("get_weather", {"city": "Paris"}, id="call_1")])
    upstream.reply("Hola")
    with fakeopenai.cassette(path, upstream=upstream) as fake:
        client = openai.OpenAI(api_key="k", http_client=fake.client())
        list(client.chat.completions.create(model="gpt-4o", messages=HI, stream=True))
        client.chat.completions.create(model="gpt-4o", messages=HI)
        client.responses.create(model="gpt-4.1", input="Hi")
    streamed, called, responded = Cassette(path).recordings
    reply = streamed.reply()
    assert reply.text == "Bonjour tout le monde" and reply.chunks == ["Bonjour", " tout", " le", " monde"]
    assert reply.token_delay > 0 and reply.model == "gpt-4o"
    assert called.reply().calls == (ToolCall("get_weather", '{"city":"Paris"}', "call_1"),)
    assert responded.reply().text == "Hola"

    fake = FakeOpenAI()
    fake.reply(Reply(text="Edited: " + (reply.text or ""), chunks=None))
    client = openai.OpenAI(api_key="k", http_client=fake.client())
    assert client.chat.completions.create(model="m", messages=HI).choices[0].message.content.startswith("Edited")
    with pytest.raises(ValueError, match="not a generation"):
        Recording("POST", "https://x/v1/embeddings", {}, b"{}", 200, [], b'{"object":"list"}').reply()


def test_json_bodies_come_back_byte_for_byte() -> None:
    body = {"id": "x", "text": "café ☕", "n": [1, 2.5, None, True], "nested": {"a": {}}}
    for style in ("compact", "pretty", "spaced", "pretty ascii newline", "compact ascii"):
        raw = encode_json(body, style)
        assert json_style(raw) == (body, style)
    odd = b'{"a": 1,"b":2}'  # mixed separators: kept as text
    assert json_style(odd) is None
    recording = Recording("POST", "https://h/v1/x", {}, odd, 200, [("content-type", "application/json")], odd)
    (back,) = from_document(json.loads(json.dumps(to_document([recording]))))
    assert back.request_body == odd and back.body == odd


def test_binary_bodies_are_compact_with_a_digest(tmp_path: Path) -> None:
    audio = bytes(range(256)) * 4
    recording = Recording(
        "POST", "https://h/v1/audio/speech", {}, b'{"input":"hi"}', 200, [("content-type", "audio/mpeg")], audio
    )
    doc = to_document([recording])
    binary = doc["recordings"][0]["response"]["binary"]
    assert binary["size"] == 1024 and len(binary["sha256"]) == 64
    assert base64.b64decode(binary["base64"]) == audio
    path = tmp_path / "audio.yaml"
    fakeopenai.Cassette(path, record="all", recordings=[recording]).recorded.append(recording)
    from fakeopenai._cassette_file import load, save

    save(path, [recording])
    assert load(path)[0].body == audio
    path.write_text(path.read_text().replace(binary["sha256"], "0" * 64))
    with pytest.raises(ValueError, match="sha256"):
        load(path)


def test_the_file_is_made_for_people(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with fakeopenai.cassette(path, upstream=FakeOpenAI(seed=1)) as fake:
        client = openai.OpenAI(api_key="k", http_client=fake.client())
        list(client.responses.create(model="gpt-4.1", input="Hi", stream=True))
    text = path.read_text()
    assert text.startswith("format: fakeopenai-cassette\nversion: 1\nrecordings:\n")
    request = text.split("  response:")[0]
    assert "    json:\n" in request and "      model: gpt-4.1\n" in request  # bodies as data, not escaped strings
    events = [line for line in text.splitlines() if line.startswith("    - {delay: ")]
    assert len(events) > 5 and all("data: {" in line for line in events)  # one line per event
    assert "event: response.created" in events[0]
    # stable: writing what was read gives the same file
    from fakeopenai._cassette_file import load, save

    again = tmp_path / "again.yaml"
    save(again, load(path))
    assert again.read_text() == text


def test_json_cassettes_need_no_yaml(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    with fakeopenai.cassette(path, upstream=FakeOpenAI(seed=1)) as fake:
        openai.OpenAI(api_key="k", http_client=fake.client()).embeddings.create(
            model="text-embedding-3-small", input="a"
        )
    assert json.loads(path.read_text())["format"] == "fakeopenai-cassette"
    with fakeopenai.cassette(path) as fake:
        openai.OpenAI(api_key="k", http_client=fake.client()).embeddings.create(
            model="text-embedding-3-small", input="a"
        )


VCR_STREAM = (
    'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",'
    '"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}\n\n'
    'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",'
    '"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\n'
    "data: [DONE]\n\n"
)
VCR_BODY = {
    "id": "chatcmpl-2",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o-mini",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "From vcrpy", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
}


def vcr_cassette(path: Path) -> None:
    import yaml

    def interaction(body: dict[str, Any], response_body: Any, headers: dict[str, list[str]]) -> dict[str, Any]:
        return {
            "request": {
                "body": json.dumps(body),
                "headers": {"Authorization": ["Bearer sk-old"], "Content-Type": ["application/json"]},
                "method": "POST",
                "uri": "https://api.openai.com/v1/chat/completions",
            },
            "response": {
                "body": {"string": response_body},
                "headers": headers,
                "status": {"code": 200, "message": "OK"},
            },
        }

    doc = {
        "interactions": [
            interaction(
                {"model": "gpt-4o-mini", "messages": HI},
                gzip.compress(json.dumps(VCR_BODY).encode()),
                {"Content-Type": ["application/json"], "Content-Encoding": ["gzip"], "x-request-id": ["req_vcr"]},
            ),
            interaction(
                {"model": "gpt-4o-mini", "messages": HI, "stream": True},
                VCR_STREAM,
                {"Content-Type": ["text/event-stream; charset=utf-8"]},
            ),
        ],
        "version": 1,
    }
    path.write_text(yaml.safe_dump(doc))


async def test_vcrpy_cassettes_replay(api: Api, tmp_path: Path) -> None:
    path = tmp_path / "vcr.yaml"
    vcr_cassette(path)
    with fakeopenai.cassette(path, fake=api.fake, record="none"):
        _status, headers, body = await raw(api, "chat.completions.create", model="gpt-4o-mini", messages=HI)
        stream = await api("chat.completions.create", model="gpt-4o-mini", messages=HI, stream=True)
        chunks = await api.collect(stream)
    assert json.loads(body) == VCR_BODY and headers["x-request-id"] == "req_vcr"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello"
    (_, streamed) = Cassette(path).recordings
    assert streamed.events is not None and len(streamed.events) == 3  # split into events on read
    assert "authorization" not in streamed.request_headers


def test_fake_cassette_without_patch() -> None:
    recording = Recording(
        "GET",
        "https://api.openai.com/v1/models",
        {},
        b"",
        200,
        [("content-type", "application/json")],
        b'{"object":"list","data":[]}',
    )
    fake = FakeOpenAI()
    fake.cassette = Cassette(record="none", recordings=[recording])
    client = openai.OpenAI(api_key="k", http_client=fake.client())
    assert client.models.list().data == []
    assert fake.requests.last.answer is recording
    assert fake.requests.last.response is not None
    assert isinstance(fake.requests.last.response.body, bytes)
    assert Event(0.0, b"") == Event(0.0, b"")


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_serve_records_and_replays(tmp_path: Path, is_async: bool) -> None:
    """``serve --cassette --upstream --record``: a recording proxy on loopback, then a replaying server."""
    pytest.importorskip("uvicorn")
    from fakeopenai.server import app
    from fakeopenai.server._cli import build_app, parser

    from .test_server import Served

    path = tmp_path / "served.yaml"
    upstream_fake = FakeOpenAI(seed=4)
    upstream_fake.reply("Hello over the wire", token_delay=0.001)

    async def session(base: str) -> list[bytes]:
        cls = openai.AsyncOpenAI if is_async else openai.OpenAI
        client: Any = cls(api_key="sk-served-secret-key-123", base_url=f"{base}/v1", max_retries=0)
        bodies = []
        for stream in (False, True):
            response = client.chat.completions.with_raw_response.create(model="m", messages=HI, stream=stream)
            response = await response if is_async else response
            http = response.http_response
            bodies.append(await http.aread() if is_async else http.read())
        with pytest.raises(openai.RateLimitError) as error:
            result = client.embeddings.create(model="text-embedding-3-small", input="x")
            await result if is_async else result
        bodies.append(error.value.response.content)
        closed = client.close()
        await closed if is_async else closed
        return bodies

    with Served(app(upstream_fake)) as upstream:
        upstream_fake.fail(429, endpoint="/embeddings", retry_after_ms=5)
        options = vars(parser().parse_args(["--cassette", str(path), "--upstream", f"{upstream.base}/v1"]))
        with Served(build_app(options)) as recorder:
            recorded = await session(recorder.base)
    assert b"Hello" in recorded[0] and recorded[1].endswith(b"data: [DONE]\n\n")
    assert "sk-served-secret-key-123" not in path.read_text()

    options = vars(parser().parse_args(["--cassette", str(path), "--record", "none"]))
    with Served(build_app(options)) as replayer:
        assert await session(replayer.base) == recorded


def test_serve_refuses_a_cassette_with_several_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("uvicorn")
    from fakeopenai.server._cli import main

    assert main(["--cassette", str(tmp_path / "c.yaml"), "--workers", "2"]) == 2
    assert "single worker" in capsys.readouterr().err


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_records_where_the_request_was_sent_through_the_network(
    tmp_path: Path, flavour: str, is_async: bool
) -> None:
    """With no ``upstream``, recording sends each request where the application sent it, through a
    network transport that the patch itself does not intercept (else it would answer itself)."""
    pytest.importorskip("uvicorn")
    from fakeopenai.server import app

    from .test_server import Served

    path = tmp_path / "c.yaml"
    module = __import__(flavour)
    with Served(app(FakeOpenAI(seed=5))) as server:
        server.fake.reply("from the network", token_delay=0.001)
        with fakeopenai.cassette(path, base_url=f"{server.base}/v1") as fake:
            cls = openai.AsyncOpenAI if is_async else openai.OpenAI
            kind = module.AsyncClient if is_async else module.Client
            client: Any = cls(api_key="sk-net", base_url=f"{server.base}/v1", http_client=kind(), max_retries=0)
            created = client.chat.completions.create(model="m", messages=HI, stream=True)
            stream = await created if is_async else created
            chunks = [chunk async for chunk in stream] if is_async else list(stream)
            closed = client.close()
            await closed if is_async else closed
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "from the network"
        assert len(server.fake.requests) == 1 and fake.requests.last.status == 200
    (recording,) = Cassette(path).recordings
    assert recording.url == f"{server.base}/v1/chat/completions" and recording.reply().text == "from the network"


class SpeakingUpstream(FakeOpenAI):
    """An upstream whose speech endpoint answers audio bytes."""

    AUDIO = bytes(range(256)) * 64

    def handle(self, request: fakeopenai.Request) -> fakeopenai.Response:
        if request.path.endswith("/audio/speech"):
            self.requests.append(request)
            return fakeopenai.Response(200, [("content-type", "audio/mpeg")], self.AUDIO)
        return super().handle(request)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_binary_answers_record_and_replay_through_the_sdk(tmp_path: Path, flavour: str) -> None:
    path = tmp_path / "speech.yaml"
    with fakeopenai.cassette(path, upstream=SpeakingUpstream()) as fake:
        client = openai.OpenAI(api_key="k", http_client=fake.client(flavour))
        recorded = client.audio.speech.create(model="tts-1", voice="alloy", input="Hello").content
    assert recorded == SpeakingUpstream.AUDIO
    text = path.read_text()
    assert "sha256: " in text and "size: 16384" in text and len(text) < 30_000  # base64, one line
    with fakeopenai.cassette(path) as fake:
        client = openai.OpenAI(api_key="k", http_client=fake.client(flavour))
        assert client.audio.speech.create(model="tts-1", voice="alloy", input="Hello").content == recorded


def test_uploads_match_whatever_their_multipart_boundary(tmp_path: Path) -> None:
    path = tmp_path / "upload.yaml"
    with fakeopenai.cassette(path, upstream=FakeOpenAI(seed=8)) as fake:
        client = openai.OpenAI(api_key="k", http_client=fake.client())
        recorded = client.files.create(file=("notes.jsonl", b'{"a": 1}\n'), purpose="batch")
    with fakeopenai.cassette(path, record="none") as fake:
        client = openai.OpenAI(api_key="k", http_client=fake.client(), max_retries=0)
        replayed = client.files.create(file=("notes.jsonl", b'{"a": 1}\n'), purpose="batch")
        assert replayed.id == recorded.id
        with pytest.raises(openai.InternalServerError, match="cassette"):
            client.files.create(file=("notes.jsonl", b'{"a": 2}\n'), purpose="batch")
        assert fake.cassette is not None
        fake.cassette.misses.clear()
