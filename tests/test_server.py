"""``python -m fakeopenai serve``: the ASGI app, a real uvicorn server on loopback, the control API, the CLI.

A module-wide server runs uvicorn in a thread (so the test can see the fake behind it); the CLI tests
start ``python -m fakeopenai serve --port 0`` as a subprocess and stop it with SIGTERM.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

import fakeopenai
from fakeopenai import FakeOpenAI, Request, Response
from fakeopenai._scenario import ScenarioError, load_file
from fakeopenai.server import FakeOpenAIApp, app
from fakeopenai.server._asgi import DroppedFilter

from .conftest import mid_stream_errors, read_into

uvicorn = pytest.importorskip("uvicorn")

HI = [{"role": "user", "content": "Hi"}]
CHAT = {"model": "gpt-4o-mini", "messages": HI}
ROOT = Path(__file__).resolve().parents[1]


# -- a real server in a thread ---------------------------------------------------------------------


class LoopSpy(uvicorn.Server):  # type: ignore[misc]
    """uvicorn's server, remembering its event loop (to count its tasks from the test)."""

    loop: asyncio.AbstractEventLoop | None = None

    async def startup(self, sockets: Any = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().startup(sockets=sockets)

    def tasks(self) -> int:
        """How many tasks the server's loop is running right now."""
        assert self.loop is not None

        async def count() -> int:
            return len(asyncio.all_tasks())

        return asyncio.run_coroutine_threadsafe(count(), self.loop).result(5)


class Served:
    """One uvicorn server on 127.0.0.1 in a thread, serving ``app`` with serve's own h11 protocol
    (as ``python -m fakeopenai serve`` does: whole requests with ready answers take its short way)."""

    def __init__(self, asgi: FakeOpenAIApp) -> None:
        from fakeopenai.server._cli import StampedH11Protocol, _bind

        self.app = asgi
        self.sock = _bind("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            asgi,
            http=StampedH11Protocol,
            log_config=None,
            log_level="warning",
            lifespan="on",
            server_header=False,
            proxy_headers=False,  # as serve
            access_log=False,
        )
        self.server = self.spy = LoopSpy(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def fake(self) -> FakeOpenAI:
        return self.app.fake

    def __enter__(self) -> Served:
        logging.getLogger("uvicorn.error").addFilter(_DROPPED)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            assert self.thread.is_alive(), "the server thread died"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
        logging.getLogger("uvicorn.error").removeFilter(_DROPPED)
        assert not self.thread.is_alive(), "the server did not stop"


_DROPPED = DroppedFilter()


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with Served(app(FakeOpenAI(seed=1), keep_requests=500)) as running:
        yield running


@pytest.fixture
def server(served: Served) -> Iterator[Served]:
    served.app.reset()
    yield served
    errors = [r.answer for r in served.fake.requests if isinstance(r.answer, Exception)]
    assert not errors, f"internal errors in the fake: {errors!r}"
    assert served.thread.is_alive()


def sdk(server: Served, is_async: bool = False, **options: Any) -> Any:
    options.setdefault("max_retries", 0)
    options.setdefault("api_key", "sk-test")
    options.setdefault("_strict_response_validation", True)
    cls = openai.AsyncOpenAI if is_async else openai.OpenAI
    return cls(base_url=f"{server.base}/v1", **options)


async def call(client: Any, method: Callable[..., Any], /, **kwargs: Any) -> Any:
    result = method(**kwargs)
    return await result if isinstance(result, Awaitable) else result


async def collect(stream: Any) -> list[Any]:
    if hasattr(stream, "__aiter__"):
        return [item async for item in stream]
    return list(stream)


async def close(client: Any) -> None:
    result = client.close()
    if isinstance(result, Awaitable):
        await result


def control(server: Served, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{server.base}/_fakeopenai/{path}", json=body, **kwargs)


# -- the SDK against the real server ---------------------------------------------------------------


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_sdk_completion_and_stream(server: Served, is_async: bool) -> None:
    client = sdk(server, is_async)
    try:
        control(server, "POST", "replies", [{"text": "Hello there!"}, {"text": "Streamed reply"}])
        completion = await call(client, client.chat.completions.create, **CHAT)
        assert completion.choices[0].message.content == "Hello there!"
        assert completion._request_id.startswith("req_")
        stream = await call(client, client.chat.completions.create, stream=True, **CHAT)
        chunks = await collect(stream)
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text == "Streamed reply"
        assert chunks[-1].choices[0].finish_reason == "stop"
    finally:
        await close(client)
    assert [r.endpoint for r in server.fake.requests] == ["/chat/completions"] * 2
    assert server.fake.requests[0].headers["Authorization"] == "Bearer sk-test"
    assert server.fake.requests[1].stream
    assert server.fake.requests[0].read_to_end is None  # not a stream
    assert server.fake.requests[1].read_to_end is True


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_sdk_streams_token_by_token(server: Served, is_async: bool) -> None:
    control(server, "POST", "replies", {"text": "one two three four five", "ttft": 0.15, "token_delay": 0.05})
    client = sdk(server, is_async)
    arrivals = []
    try:
        started = time.perf_counter()
        stream = await call(client, client.chat.completions.create, stream=True, **CHAT)
        if is_async:
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    arrivals.append(time.perf_counter() - started)
        else:
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    arrivals.append(time.perf_counter() - started)
    finally:
        await close(client)
    assert len(arrivals) == 5
    assert server.fake.requests.last.read_to_end is True
    assert 0.14 <= arrivals[0] < 0.6
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert all(0.03 <= gap < 0.3 for gap in gaps), gaps


async def test_tool_calls_failures_and_rules_over_control_api(server: Served) -> None:
    queued = control(
        server,
        "POST",
        "replies",
        {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}], "times": 2},
    )
    assert queued.status_code == 200
    assert queued.json()["pending"] == 2
    control(server, "POST", "failures", {"status": 429, "retry_after": 1, "message": "slow down"})
    rules = control(
        server,
        "POST",
        "rules",
        [
            {"match": {"model": "gpt-4o*", "contains": "weather"}, "reply": "Sunny"},
            {"match": {"model": "o3"}, "fail": {"status": 503}},
        ],
    )
    assert rules.json()["added"] == 2
    with sdk(server) as client:
        for _ in range(2):
            completion = client.chat.completions.create(**CHAT)
            (call_,) = completion.choices[0].message.tool_calls
            assert call_.function.name == "get_weather"
            assert json.loads(call_.function.arguments) == {"city": "Paris"}
        with pytest.raises(openai.RateLimitError) as raised:
            client.chat.completions.create(**CHAT)
        assert raised.value.response.headers["retry-after"] == "1"
        assert raised.value.body["message"] == "slow down"  # type: ignore[index]
        weather = [{"role": "user", "content": "What's the weather?"}]
        answer = client.chat.completions.create(model="gpt-4o-mini", messages=weather)
        assert answer.choices[0].message.content == "Sunny"
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="o3", messages=HI)
    listed = control(server, "GET", "requests").json()["data"]
    assert [item["status"] for item in listed] == [200, 200, 429, 200, 503]
    first = listed[0]
    assert first["method"] == "POST"
    assert first["path"] == "/v1/chat/completions"
    assert first["endpoint"] == "/chat/completions"
    assert first["json"] == CHAT
    assert first["headers"]["authorization"] == "Bearer sk-test"
    assert first["model"] == "gpt-4o-mini"
    assert first["read_to_end"] is None
    assert control(server, "GET", "requests", params={"endpoint": "/embeddings"}).json()["data"] == []
    status = control(server, "GET", "status").json()
    assert status["requests"] == 5
    assert status["pid"] == os.getpid()
    assert control(server, "POST", "reset").json()["pending"] == 0
    assert control(server, "GET", "requests").json()["data"] == []


@pytest.mark.parametrize(
    ("path", "body", "status", "param"),
    [
        ("replies", {"text": "Hi", "colour": "red"}, 400, "body.colour"),
        ("replies", {"ttft": "slow"}, 400, "body.ttft"),
        ("replies", {"ttft": -1}, 400, "body.ttft"),
        ("replies", {"tool_calls": [{"arguments": {}}]}, 400, "body.tool_calls[0].name"),
        ("replies", [{"text": "ok"}, {"text": 3}], 400, "body[1].text"),
        ("replies", {"text": "Hi", "times": 0}, 400, "body.times"),
        ("replies", {"text": "Hi", "match": {"model": 4}}, 400, "body.match.model"),
        ("failures", {"status": 200}, 400, "body.status"),
        ("failures", {"status": 429, "retry_after": "soon"}, 400, "body.retry_after"),
        ("rules", {"reply": "a", "fail": 500}, 400, "body"),
        ("rules", {"match": {"regex": "("}, "reply": "a"}, 400, "body.match.regex"),
        ("scenario", {"rules": [], "extra": 1}, 400, "extra"),
        ("rate_limit", {}, 400, "body"),
        ("rate_limit", {"rpm": 0}, 400, "body.rpm"),
        ("rate_limit", {"rpm": 2.5}, 400, "body.rpm"),
        ("rate_limit", {"tpm": "many"}, 400, "body.tpm"),
        ("rate_limit", {"rpm": 2, "model": 4}, 400, "body.model"),
        ("rate_limit", {"rpm": 2, "burst": 1}, 400, "body.burst"),
        ("rate_limit", [{"rpm": 2}], 400, "body"),
        ("fail_rate", {"status": 500}, 400, "body.rate"),
        ("fail_rate", {"rate": 1.5}, 400, "body.rate"),
        ("fail_rate", {"rate": "often"}, 400, "body.rate"),
        ("fail_rate", {"rate": 0.5, "seed": True}, 400, "body.seed"),
        ("fail_rate", {"rate": 0.5, "status": 200}, 400, "body.status"),
        ("fail_rate", {"rate": 0.5, "retry_after": "soon"}, 400, "body.retry_after"),
        ("fail_rate", {"rate": 0.5, "regex": "("}, 400, "body.regex"),
        ("fail_rate", [{"rate": 0.5}, {"rate": 0.5, "times": 2}], 400, "body[1].times"),
        ("scenario", {"rate_limit": {"rpm": -1}}, 400, "rate_limit.rpm"),
        ("scenario", {"rate_limit": {"rpm": 2}, "fail_rate": [{"rate": 0.1}, {}]}, 400, "fail_rate[1].rate"),
        ("nowhere", {}, 404, None),
    ],
)
def test_bad_control_input_is_an_openai_error(
    server: Served, path: str, body: Any, status: int, param: str | None
) -> None:
    response = control(server, "POST", path, body)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["param"] == param
    assert server.fake.pending == []  # nothing half-applied
    assert server.fake.limits is None
    assert control(server, "DELETE", "fail_rate").json()["deleted"] == 0
    assert control(server, "GET", "requests").status_code == 200


def test_control_errors_for_bodies_and_methods(server: Served) -> None:
    base = f"{server.base}/_fakeopenai"
    bad_json = httpx.post(f"{base}/replies", content=b"{nope", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400
    assert "could not parse the JSON body" in bad_json.json()["error"]["message"]
    assert httpx.post(f"{base}/replies").status_code == 400
    assert httpx.get(f"{base}/replies").status_code == 405
    assert httpx.post(f"{base}/rate_limit").status_code == 400
    assert httpx.post(f"{base}/fail_rate", json=[]).json()["error"]["param"] == "body"
    assert httpx.get(f"{base}/fail_rate").status_code == 405
    assert httpx.put(f"{base}/rate_limit", json={"rpm": 2}).status_code == 405
    assert server.fake.limits is None


# -- rate limits and failure rates over the control API --------------------------------------------


def test_rate_limit_over_the_control_api(server: Served) -> None:
    limit = control(server, "POST", "rate_limit", {"rpm": 2, "model": "gpt-4o*"})
    assert limit.status_code == 200
    expected = {"object": "fakeopenai.rate_limit", "rpm": 2, "tpm": None, "model": "gpt-4o*", "remaining": {}}
    assert limit.json() == expected
    with sdk(server) as client:
        for remaining in ["1", "0"]:
            raw = client.chat.completions.with_raw_response.create(**CHAT)
            assert raw.http_response.status_code == 200
            assert raw.headers["x-ratelimit-limit-requests"] == "2"
            assert raw.headers["x-ratelimit-remaining-requests"] == remaining
        with pytest.raises(openai.RateLimitError) as raised:
            client.chat.completions.create(**CHAT)
        error = raised.value
        assert error.code == "rate_limit_exceeded"
        assert error.type == "requests"
        assert "on requests per min (RPM): Limit 2, Used 2, Requested 1." in error.message
        headers = error.response.headers
        assert 1 <= int(headers["retry-after"]) <= 30  # one request back every 30 s
        assert 0 < int(headers["retry-after-ms"]) <= 30_000
        assert headers["x-ratelimit-limit-requests"] == "2"
        assert headers["x-ratelimit-remaining-requests"] == "0"
        assert headers["x-ratelimit-reset-requests"].endswith("s")
        for _ in range(3):  # another model is not limited
            assert client.chat.completions.create(model="o3", messages=HI).choices[0].message.content
        read = control(server, "GET", "rate_limit", params={"model": "gpt-4o"}).json()
        assert read["rpm"] == 2
        assert read["remaining"] == {
            "gpt-4o": {"requests": 2, "tokens": None},
            "gpt-4o-mini": {"requests": 0, "tokens": None},
        }
        assert control(server, "GET", "rate_limit", params={"model": "o3"}).json()["remaining"] == read["remaining"]
        lifted = control(server, "DELETE", "rate_limit").json()
        assert (lifted["rpm"], lifted["tpm"], lifted["remaining"]) == (None, None, {})
        assert server.fake.limits is None
        assert client.chat.completions.create(**CHAT).choices[0].message.content
    statuses = [item["status"] for item in control(server, "GET", "requests").json()["data"]]
    assert statuses == [200, 200, 429, 200, 200, 200, 200]


def test_reset_lifts_a_rate_limit_set_at_run_time(server: Served) -> None:
    control(server, "POST", "rate_limit", {"rpm": 1, "tpm": 1000})
    control(server, "POST", "fail_rate", {"rate": 1.0, "status": 503})
    assert server.fake.limits is not None
    assert control(server, "POST", "reset").status_code == 200
    assert control(server, "GET", "rate_limit").json()["rpm"] is None
    assert control(server, "DELETE", "fail_rate").json()["deleted"] == 0
    with sdk(server) as client:
        for _ in range(2):
            assert client.chat.completions.create(**CHAT).choices[0].message.content


def failing_indices(server: Served, seed: int, count: int = 30) -> list[int]:
    """The indices of the requests a fresh ``fail_rate`` of 0.3 (this ``seed``) fails, of ``count``."""
    control(server, "POST", "reset")
    body = {"rate": 0.3, "status": 503, "seed": seed, "message": "flaky", "retry_after_ms": 5}
    assert control(server, "POST", "fail_rate", body).json() == {"object": "fakeopenai.fail_rate", "added": 1}
    failed: list[tuple[int, openai.InternalServerError]] = []
    with sdk(server) as client:
        for index in range(count):
            try:
                client.chat.completions.create(**CHAT)
            except openai.InternalServerError as error:
                failed.append((index, error))
    for _, error in failed:
        assert error.status_code == 503
        assert error.body["message"] == "flaky"  # type: ignore[index]
        assert error.response.headers["retry-after-ms"] == "5"
    return [index for index, _ in failed]


def test_seeded_fail_rate_fails_the_same_requests_every_time(server: Served) -> None:
    first = failing_indices(server, seed=7)
    assert failing_indices(server, seed=7) == first
    draws = random.Random(7)
    assert first == [index for index in range(30) if draws.random() < 0.3]  # the documented draw
    assert 0 < len(first) < 30
    assert failing_indices(server, seed=8) != first


def test_fail_rate_matches_and_is_removed(server: Served) -> None:
    added = control(
        server,
        "POST",
        "fail_rate",
        [
            {"rate": 1, "status": 429, "model": "o3*", "code": "overloaded", "retry_after": 2},
            {"rate": 1.0, "endpoint": "/embeddings"},
            {"rate": 1, "status": 400, "contains": "poison", "seed": "any text"},
        ],
    )
    assert added.json()["added"] == 3
    control(server, "POST", "replies", {"text": "kept for later"})
    with sdk(server) as client:
        with pytest.raises(openai.RateLimitError) as raised:
            client.chat.completions.create(model="o3-mini", messages=HI)
        assert raised.value.code == "overloaded"
        assert raised.value.response.headers["retry-after"] == "2"
        with pytest.raises(openai.InternalServerError):
            client.embeddings.create(model="text-embedding-3-small", input="x", encoding_format="float")
        with pytest.raises(openai.BadRequestError):
            client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "poison"}])
        assert server.fake.pending  # a request a failure rate fails consumes nothing queued
        assert client.chat.completions.create(**CHAT).choices[0].message.content == "kept for later"
        assert control(server, "DELETE", "fail_rate").json() == {"object": "fakeopenai.fail_rate", "deleted": 3}
        assert client.chat.completions.create(model="o3-mini", messages=HI).choices[0].message.content
        assert client.embeddings.create(model="text-embedding-3-small", input="x", encoding_format="float").data


# -- plain HTTP, raw sockets, bad input ------------------------------------------------------------


async def test_httpx_stream_is_sse_flushed_event_by_event(server: Served) -> None:
    control(server, "POST", "replies", {"text": "a b c", "token_delay": 0.05})
    async with (
        httpx.AsyncClient(base_url=server.base) as client,
        client.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        pieces = [piece async for piece in response.aiter_raw()]
    body = b"".join(pieces)
    events = body.split(b"\n\n")
    assert events[-2:] == [b"data: [DONE]", b""]
    assert all(event.startswith(b"data: {") for event in events[:-2])
    assert len(pieces) >= 3  # each delayed token went out as it was due, not in one buffer


def raw_http(port: int, request: bytes, timeout: float = 5) -> bytes:
    """Send bytes on a fresh connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        received = []
        while chunk := sock.recv(65536):
            received.append(chunk)
    return b"".join(received)


def test_raw_socket_curl_style_stream(server: Served) -> None:
    body = json.dumps(
        {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "Hello!"}], "stream": True}
    ).encode()
    answer = raw_http(
        server.port,
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"
        b"Content-Type: application/json\r\nConnection: close\r\n" + b"Content-Length: %d\r\n\r\n" % len(body) + body,
    )
    head, _, chunked = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"transfer-encoding: chunked" in head.lower()
    assert b"content-type: text/event-stream; charset=utf-8" in head.lower()
    assert chunked.endswith(b"0\r\n\r\n")
    assert b"data: [DONE]\n\n" in chunked
    assert server.fake.requests.last.json["model"] == "gpt-3.5-turbo"


def test_bad_requests_get_openai_errors_and_the_server_keeps_serving(server: Served) -> None:
    url = f"{server.base}/v1/chat/completions"
    malformed = httpx.post(url, content=b'{"model": ', headers={"content-type": "application/json"})
    assert malformed.status_code == 400
    assert "could not parse the JSON body" in malformed.json()["error"]["message"]
    form_type = {"content-type": "application/x-www-form-urlencoded"}
    form = httpx.post(url, content=json.dumps(CHAT).encode(), headers=form_type)
    assert form.status_code == 400
    assert form.json()["error"]["message"].startswith("Invalid Content-Type header (application/x-www-form-urlencoded)")
    missing = httpx.post(url, json={"model": "m"})
    assert missing.status_code == 400
    assert missing.json()["error"]["param"] == "messages"
    unknown = httpx.get(f"{server.base}/v1/no/such/thing")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["type"] == "invalid_request_error"
    binary = httpx.post(url, content=bytes(range(256)) * 4, headers={"content-type": "application/json"})
    assert binary.status_code == 400
    garbage = raw_http(server.port, b"\x16\x03\x01 this is not HTTP\r\n\r\n")
    assert garbage.startswith(b"HTTP/1.1 400") or garbage == b""
    assert httpx.post(url, json=CHAT).status_code == 200
    assert [r.status for r in server.fake.requests] == [400, 400, 400, 404, 400, 200]


def test_body_limit_gets_413() -> None:
    asgi = app(FakeOpenAI(), max_body=1000)
    with Served(asgi) as small, httpx.Client(base_url=small.base) as client:
        too_big = client.post("/v1/chat/completions", json={**CHAT, "padding": "x" * 2000})
        assert too_big.status_code == 413
        assert too_big.json()["error"]["code"] == "request_too_large"
        chunked = client.post(
            "/v1/chat/completions",
            content=iter([b'{"model": "m", "padding": "', b"x" * 1500, b'"}']),
            headers={"content-type": "application/json"},
        )
        assert chunked.status_code == 413
        assert client.post("/v1/chat/completions", json=CHAT).status_code == 200
        assert [r.status for r in small.fake.requests] == [413, 413, 200]


# -- slow streams: concurrency, disconnects, drops -------------------------------------------------


async def test_many_slow_streams_run_concurrently(server: Served) -> None:
    server.fake._state.script.add_rule(fakeopenai.Reply("a b c d e f g h i j", token_delay=0.02), fakeopenai.Match())
    count = 100

    async def one(client: httpx.AsyncClient) -> int:
        async with client.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as response:
            return len([line async for line in response.aiter_lines() if line.startswith("data: ")])

    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(base_url=server.base, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        counts = await asyncio.gather(*(one(client) for _ in range(count)))
        elapsed = time.perf_counter() - started
    assert len(set(counts)) == 1
    assert counts[0] >= 12
    # One stream takes ~0.2 s; run one after the other they would take 20 s (the bound leaves room for
    # a loaded machine: it tells concurrent from sequential, it does not time the server).
    assert elapsed < 10, elapsed


def test_client_disconnect_mid_stream_is_dropped_quietly(server: Served, caplog: pytest.LogCaptureFixture) -> None:
    baseline = server.spy.tasks()
    words = " ".join(f"w{i}" for i in range(200))
    control(server, "POST", "replies", {"text": words, "token_delay": 0.05})  # ~10 s if read to the end
    with (
        httpx.Client(base_url=server.base) as client,
        client.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as response,
    ):
        lines = response.iter_lines()
        assert next(lines).startswith("data: ")
        assert next(line for line in lines if line).startswith("data: ")
    # leaving the block closed the connection mid-stream
    deadline = time.monotonic() + 2
    while server.server.server_state.tasks or server.spy.tasks() > baseline:
        assert time.monotonic() < deadline, "the stream kept running after the client left"
        time.sleep(0.02)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert server.fake.requests.last.read_to_end is False
    with httpx.Client(base_url=server.base) as client:
        assert client.post("/v1/chat/completions", json=CHAT).status_code == 200


class DroppingFake(FakeOpenAI):
    """Every answer ends with a broken connection."""

    def handle(self, request: Request) -> Response:
        response = super().handle(request)
        response.then = "drop"
        return response


def test_scripted_drop_breaks_the_connection(caplog: pytest.LogCaptureFixture) -> None:
    fake = DroppingFake()
    fake.reply("a b c", token_delay=0.01)
    with Served(app(fake)) as dropping, httpx.Client(base_url=dropping.base) as client:
        with client.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as response:
            assert response.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError):
                for _ in response.iter_raw():
                    pass
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/v1/chat/completions", json=CHAT)
        fake.reply("quick")  # zero delay: the whole stream in one write, then the drop
        with (
            client.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as response,
            pytest.raises(httpx.RemoteProtocolError),
        ):
            response.read()
        assert len(fake.requests) == 3
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# -- faults through the control API, seen by the SDK over the real server ---------------------------


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_queued_503s_are_retried_by_the_sdk_then_surface(server: Served, is_async: bool) -> None:
    control(server, "POST", "failures", {"status": 503, "retry_after_ms": 1, "times": 2})
    control(server, "POST", "replies", "made it")
    client = sdk(server, is_async, max_retries=2)
    try:
        answer = await call(client, client.chat.completions.create, **CHAT)
        assert answer.choices[0].message.content == "made it"
        control(server, "POST", "failures", {"status": 503, "retry_after_ms": 1, "times": 3})
        with pytest.raises(openai.InternalServerError) as raised:
            await call(client, client.chat.completions.create, **CHAT)
    finally:
        await close(client)
    assert isinstance(raised.value, openai.APIStatusError)
    assert raised.value.status_code == 503
    assert raised.value.response.headers["retry-after-ms"] == "1"
    listed = control(server, "GET", "requests").json()["data"]
    assert [item["status"] for item in listed] == [503, 503, 200, 503, 503, 503]
    assert [item["headers"]["x-stainless-retry-count"] for item in listed] == ["0", "1", "2", "0", "1", "2"]
    assert server.fake.pending == []


def test_every_fail_field_over_the_control_api(server: Served) -> None:
    control(
        server,
        "POST",
        "failures",
        [
            {
                "status": 429,
                "message": "Rate limit reached for tokens",
                "type": "tokens",
                "code": "rate_limit_exceeded",
                "param": "messages",
                "retry_after": 20,
                "should_retry": False,  # the SDK gives up at once, max_retries notwithstanding
                "headers": {"x-fault-origin": "control-api"},
            },
            {"status": 500, "endpoint": "/embeddings"},  # fake.fail(endpoint=...): skips chat requests
        ],
    )
    with sdk(server, max_retries=2) as client:
        with pytest.raises(openai.RateLimitError) as raised:
            client.chat.completions.create(**CHAT)
        assert client.chat.completions.create(**CHAT).choices[0].message.content
        with pytest.raises(openai.InternalServerError):
            client.with_options(max_retries=0).embeddings.create(model="text-embedding-3-small", input="x")
    error = raised.value
    assert (error.type, error.code, error.param) == ("tokens", "rate_limit_exceeded", "messages")
    assert error.body == {  # type: ignore[comparison-overlap]
        "message": "Rate limit reached for tokens",
        "type": "tokens",
        "param": "messages",
        "code": "rate_limit_exceeded",
    }
    assert error.response.headers["retry-after"] == "20"
    assert error.response.headers["x-should-retry"] == "false"
    assert error.response.headers["x-fault-origin"] == "control-api"
    assert [(r.endpoint, r.status) for r in server.fake.requests] == [
        ("/chat/completions", 429),
        ("/chat/completions", 200),
        ("/embeddings", 500),
    ]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_error_event_after_n_chunks_over_the_server(server: Served, is_async: bool) -> None:
    control(
        server,
        "POST",
        "replies",
        [
            {"text": "one two three four five six", "error_after": 3, "error_message": "The model overloaded."},
            {"text": "unused", "error_after": 0, "error_message": "The model produced invalid content."},
        ],
    )
    client = sdk(server, is_async)
    received: list[str] = []
    try:
        stream = await call(client, client.chat.completions.create, stream=True, **CHAT)
        with pytest.raises(openai.APIError, match="The model overloaded") as raised:
            await read_into(stream, received)
        assert not isinstance(raised.value, openai.APIStatusError)  # it came inside a 200 stream
        with pytest.raises(openai.InternalServerError, match="invalid content"):  # not streamed: a 500
            await call(client, client.chat.completions.create, **CHAT)
    finally:
        await close(client)
    assert received == ["", "one", " two"]  # the role chunk and two tokens, then the error event


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_drop_after_closes_the_connection_mid_stream(server: Served, is_async: bool) -> None:
    control(server, "POST", "replies", {"text": "one two three four five", "drop_after": 3, "token_delay": 0.01})
    client = sdk(server, is_async)
    received: list[str] = []
    try:
        stream = await call(client, client.chat.completions.create, stream=True, **CHAT)
        with pytest.raises(mid_stream_errors("drop")):
            await read_into(stream, received)
    finally:
        await close(client)
    assert received == ["", "one", " two"]  # three events, then the connection broke
    assert server.fake.requests.last.status == 200
    assert control(server, "GET", "requests").json()["data"][-1]["read_to_end"] is False


def test_drop_before_the_answer_is_retried_by_the_sdk(server: Served) -> None:
    control(server, "POST", "replies", [{"text": "lost", "drop_after": 0}, "second attempt"])
    with sdk(server, max_retries=1) as client:
        answer = client.chat.completions.create(**CHAT)
    assert answer.choices[0].message.content == "second attempt"
    assert [r.headers["x-stainless-retry-count"] for r in server.fake.requests] == ["0", "1"]


def test_stalls_fire_the_client_timeout_and_the_server_lets_go(server: Served) -> None:
    baseline = server.spy.tasks()
    control(
        server,
        "POST",
        "replies",
        [
            {"text": "never sent", "stall_after": 0, "stall": 30},  # before the first byte
            {"text": "one two three four", "stall_after": 2, "stall": 30},  # after two events
        ],
    )
    with sdk(server, timeout=0.3) as client:
        with pytest.raises(openai.APITimeoutError):
            client.chat.completions.create(**CHAT)
        stream = client.chat.completions.create(stream=True, **CHAT)
        received: list[str] = []
        with pytest.raises(mid_stream_errors("timeout")):
            for chunk in stream:
                received.append(chunk.choices[0].delta.content or "")
        assert received == ["", "one"]
        assert client.chat.completions.create(**CHAT).choices[0].message.content  # the server still answers
    assert [r.read_to_end for r in server.fake.requests] == [None, False, None]  # the stall was given up on
    deadline = time.monotonic() + 2
    while server.spy.tasks() > baseline:  # the stalled responses ended when their clients left
        assert time.monotonic() < deadline, "a stalled response outlived its client"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"text": "x", "drop_after": -1}, "body.drop_after"),
        ({"text": "x", "error_after": 1.5}, "body.error_after"),
        ({"text": "x", "stall_after": "2"}, "body.stall_after"),
        ({"text": "x", "stall_after": 1, "stall": -3}, "body.stall"),
        ({"text": "x", "error_message": 7}, "body.error_message"),
    ],
)
def test_bad_fault_fields_are_refused(server: Served, body: Any, param: str) -> None:
    response = control(server, "POST", "replies", body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert server.fake.pending == []


# -- the ASGI app in-process -----------------------------------------------------------------------


async def test_asgi_app_with_httpx_asgitransport() -> None:
    asgi = app(FakeOpenAI(seed=1))
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
        await client.post("/_fakeopenai/replies", json={"text": "Hi from ASGI"})
        answer = await client.post("/v1/chat/completions", json=CHAT)
        assert answer.json()["choices"][0]["message"]["content"] == "Hi from ASGI"
        streamed = await client.post("/v1/chat/completions", json={**CHAT, "stream": True})
        assert streamed.headers["content-type"].startswith("text/event-stream")
        assert streamed.text.endswith("data: [DONE]\n\n")
        assert (await client.get("/models/none-such")).status_code == 404
    assert asgi.fake.requests[0].url == "http://fake/v1/chat/completions"
    assert asgi.fake.requests[0].headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
async def test_validation_policy_over_the_server(strict: bool) -> None:
    """``serve`` applies the same policy: a body outside the SDK's types is accepted and its warning
    listed by the control API, unless ``--strict``; an unknown top-level parameter is refused either way."""
    from fakeopenai.server._cli import build_app, parser

    options = vars(parser().parse_args(["--strict"] if strict else []))
    assert options["strict"] is strict
    asgi = build_app(options)
    tool_round = [
        *HI,
        {
            "role": "assistant",
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "name": "f", "content": "done"},
    ]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://fake") as client:
        answer = await client.post("/v1/chat/completions", json={"model": "gpt-4o-mini", "messages": tool_round})
        assert answer.status_code == (400 if strict else 200)
        refused = await client.post("/v1/embeddings", json={"model": "text-embedding-3-small", "input": "x", "dims": 3})
        assert refused.status_code == 400
        listed = (await client.get("/_fakeopenai/requests")).json()["data"]
    if strict:
        assert answer.json()["error"]["param"] == "messages[2].name"
        assert [item["warnings"] for item in listed] == [[], []]
    else:
        assert [len(item["warnings"]) for item in listed] == [1, 0]
        assert "'messages[2].name'" in listed[0]["warnings"][0]


async def test_a_scenario_sets_the_validation_policy(tmp_path: Path) -> None:
    from fakeopenai.server._cli import build_app

    null_format = {"model": "text-embedding-3-small", "input": "x", "encoding_format": None}
    path = tmp_path / "strict.json"
    path.write_text(json.dumps({"strict": True}))
    started_strict = build_app({"scenario": str(path)})
    plain = build_app({})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=started_strict), base_url="http://s") as client:
        assert (await client.post("/v1/embeddings", json=null_format)).status_code == 400
        await client.post("/_fakeopenai/reset")  # the scenario applies again
        assert (await client.post("/v1/embeddings", json=null_format)).status_code == 400
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url="http://p") as client:
        assert (await client.post("/v1/embeddings", json=null_format)).status_code == 200
        assert (await client.post("/_fakeopenai/scenario", json={"strict": True})).status_code == 200
        assert (await client.post("/v1/embeddings", json=null_format)).status_code == 400
        await client.post("/_fakeopenai/reset")  # back to the start-up policy
        assert (await client.post("/v1/embeddings", json=null_format)).status_code == 200
        refused = await client.post("/_fakeopenai/scenario", json={"strict": "yes"})
        assert (refused.status_code, refused.json()["error"]["param"]) == (400, "strict")


async def test_asgi_app_through_the_sdk_with_recorded_sleeps() -> None:
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(round(seconds, 2))

    fake = FakeOpenAI(async_sleep=record, ttft=0.5, token_delay=0.25)
    asgi = app(fake)
    client = openai.AsyncOpenAI(
        api_key="sk-test",
        base_url="http://fake/v1",
        http_client=httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi)),
        _strict_response_validation=True,
    )
    async with client:
        stream = await client.chat.completions.create(stream=True, **CHAT)  # type: ignore[call-overload]
        chunks = [chunk async for chunk in stream]
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert slept
    assert slept[0] == pytest.approx(0.5, abs=0.02)  # ttft of the default reply, from the fake's setting
    assert all(s == pytest.approx(0.25, abs=0.02) for s in slept[1:])


async def test_asgi_api_key_lifespan_and_request_log_cap() -> None:
    asgi = app(FakeOpenAI(), api_key="sk-right-key-0123456789", keep_requests=4)
    messages: list[dict[str, Any]] = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asgi({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]

    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
        nokey = await client.post("/v1/chat/completions", json=CHAT)
        assert nokey.status_code == 401
        assert nokey.json()["error"]["message"].startswith("You didn't provide an API key.")
        wrong = await client.post(
            "/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-wrong-key-abcdefghijkl"}
        )
        assert wrong.status_code == 401
        assert wrong.headers["www-authenticate"] == 'Bearer realm="OpenAI API"'
        assert wrong.json()["error"] == {
            "message": "Incorrect API key provided: sk-wrong*************ijkl. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
        assert (await client.get("/_fakeopenai/status")).status_code == 401
        good = {"authorization": "Bearer sk-right-key-0123456789"}
        for _ in range(5):
            assert (await client.post("/v1/chat/completions", json=CHAT, headers=good)).status_code == 200
        azure = await client.post("/v1/chat/completions", json=CHAT, headers={"api-key": "sk-right-key-0123456789"})
        assert azure.status_code == 200
        assert (await client.get("/_fakeopenai/status", headers=good)).json()["requests"] <= 4 + 4 // 8 + 1
    assert len(asgi.fake.requests) <= 5


# -- scenario files --------------------------------------------------------------------------------


SCENARIO = {
    "rules": [
        {
            "match": {"contains": "weather"},
            "reply": {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}]},
        },
        {"match": {"model": "gpt-4o*", "regex": "^Hi"}, "reply": "Hello from the scenario"},
        {"match": {"endpoint": "/chat/*", "model": "broken"}, "fail": {"status": 503, "message": "model is down"}},
    ],
    "queue": [{"reply": {"text": "First!", "ttft": 0}}, {"fail": 500}],
}


def test_scenario_document_through_the_server(tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(SCENARIO))
    from fakeopenai.server._cli import build_app

    with Served(build_app({"scenario": str(path)})) as running, sdk(running) as client:
        assert client.chat.completions.create(**CHAT).choices[0].message.content == "First!"
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(**CHAT)
        for _ in range(2):
            assert client.chat.completions.create(**CHAT).choices[0].message.content == "Hello from the scenario"
        weather = client.chat.completions.create(model="o3", messages=[{"role": "user", "content": "weather?"}])
        assert weather.choices[0].message.tool_calls[0].function.name == "get_weather"
        with pytest.raises(openai.InternalServerError, match="model is down"):
            client.chat.completions.create(model="broken", messages=HI)
        control(running, "POST", "reset")  # reset applies the start-up scenario again
        assert client.chat.completions.create(**CHAT).choices[0].message.content == "First!"


def test_yaml_scenario_needs_pyyaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("rules:\n  - reply: Hi\n")
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(ScenarioError, match="needs PyYAML"):
        load_file(path)


def test_yaml_scenario(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    path = tmp_path / "scenario.yml"
    path.write_text("rules:\n  - match: {model: m}\n    reply: {text: Hi, token_delay: 0.01}\n")
    assert load_file(path) == {"rules": [{"match": {"model": "m"}, "reply": {"text": "Hi", "token_delay": 0.01}}]}


FLAKY = {
    "rate_limit": {"rpm": 3, "model": "gpt-4o*"},
    "fail_rate": [{"rate": 1, "status": 503, "model": "o3", "message": "o3 is down"}],
    "rules": [{"reply": "ok"}],
}


def test_scenario_rate_limit_and_fail_rate_through_the_server(tmp_path: Path) -> None:
    path = tmp_path / "flaky.json"
    path.write_text(json.dumps(FLAKY))
    from fakeopenai.server._cli import build_app

    with Served(build_app({"scenario": str(path)})) as running, sdk(running) as client:
        with pytest.raises(openai.InternalServerError, match="o3 is down"):
            client.chat.completions.create(model="o3", messages=HI)
        for remaining in ["2", "1", "0"]:
            raw = client.chat.completions.with_raw_response.create(**CHAT)
            assert raw.headers["x-ratelimit-remaining-requests"] == remaining
            assert raw.parse().choices[0].message.content == "ok"
        with pytest.raises(openai.RateLimitError, match="Limit 3, Used 3"):
            client.chat.completions.create(**CHAT)
        assert control(running, "DELETE", "fail_rate").json()["deleted"] == 1
        assert client.chat.completions.create(model="o3", messages=HI).choices[0].message.content == "ok"
        control(running, "POST", "rate_limit", {"tpm": 5})  # a run-time limit replaces the scenario's
        with pytest.raises(openai.RateLimitError, match="tokens per min"):
            client.chat.completions.create(**CHAT, max_tokens=10)
        control(running, "POST", "reset")  # back to the scenario's limit, buckets full, failure rate back
        read = control(running, "GET", "rate_limit").json()
        assert (read["rpm"], read["tpm"], read["model"], read["remaining"]) == (3, None, "gpt-4o*", {})
        raw = client.chat.completions.with_raw_response.create(**CHAT)
        assert raw.headers["x-ratelimit-remaining-requests"] == "2"
        with pytest.raises(openai.InternalServerError, match="o3 is down"):
            client.chat.completions.create(model="o3", messages=HI)


def test_scenario_with_a_bad_rate_limit_changes_nothing() -> None:
    with Served(app(FakeOpenAI(), scenario=FLAKY)) as running:
        bad = control(running, "POST", "scenario", {"rate_limit": {"rpm": 9}, "fail_rate": {"rate": -0.5}})
        assert bad.status_code == 400
        assert bad.json()["error"]["param"] == "fail_rate.rate"
        assert control(running, "GET", "rate_limit").json()["rpm"] == 3
        good = control(running, "POST", "scenario", {"rate_limit": {"rpm": 9}, "fail_rate": {"rate": 0.5}})
        assert good.json()["added"] == 2
        assert control(running, "GET", "rate_limit").json()["rpm"] == 9


# -- the command line ------------------------------------------------------------------------------


class Cli:
    """``python -m fakeopenai serve --port 0 ...`` in a subprocess; the base URL it printed."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fakeopenai", "serve", "--port", "0", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+)/v1", line)
        if found is None:
            _, _, err = self.stop()
            raise AssertionError(f"no URL printed: {line!r} {err}")
        self.base = found.group(1)

    def stop(self) -> tuple[int, str, str]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            out, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        return self.process.returncode, out, err


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Callable[..., Cli]]:
    started: list[Cli] = []

    def start(*args: str) -> Cli:
        started.append(Cli(*args))
        return started[-1]

    yield start
    for process in started:
        process.stop()


def test_cli_serves_with_api_key_and_scenario(cli: Callable[..., Cli], tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({"rules": [{"reply": "From the file"}]}))
    served = cli("--api-key", "sk-only-this-one", "--scenario", str(path), "--seed", "3")
    with openai.OpenAI(api_key="sk-only-this-one", base_url=f"{served.base}/v1", max_retries=0) as client:
        assert client.chat.completions.create(**CHAT).choices[0].message.content == "From the file"
        stream = client.chat.completions.create(stream=True, **CHAT)
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "From the file"
    with (
        openai.OpenAI(api_key="sk-another-key-xyz", base_url=f"{served.base}/v1", max_retries=0) as client,
        pytest.raises(openai.AuthenticationError) as raised,
    ):
        client.chat.completions.create(**CHAT)
    assert raised.value.code == "invalid_api_key"
    assert "Incorrect API key provided: sk-anoth" in raised.value.message
    code, out, err = served.stop()
    assert code == 0, err
    assert "fakeopenai stopped" in out
    assert "Traceback" not in err


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the worker processes")
def test_cli_workers_serve_and_stop_without_leftovers(cli: Callable[..., Cli]) -> None:
    served = cli("--workers", "2")
    # Each worker warms up (loads the SDK's types) before it answers: generous on a loaded machine.
    with httpx.Client(base_url=served.base, timeout=60) as client:
        assert client.post("/v1/chat/completions", json=CHAT).status_code == 200
        assert client.get("/_fakeopenai/status").json()["pid"] != served.process.pid
    workers = _children(served.process.pid)
    assert len(workers) >= 2
    code, _, err = served.stop()
    assert code == 0, err
    deadline = time.monotonic() + 5
    while any(_running(pid) for pid in workers):
        assert time.monotonic() < deadline, "worker processes left behind"
        time.sleep(0.05)


def test_cli_rate_limit_flags_and_a_yaml_fail_rate(cli: Callable[..., Cli], tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    path = tmp_path / "flaky.yaml"
    path.write_text(
        "fail_rate:\n  rate: 1\n  status: 500\n  endpoint: /embeddings\n  message: embeddings are down\n"
    )
    served = cli("--rpm", "1", "--tpm", "1000", "--scenario", str(path))
    with openai.OpenAI(api_key="sk-test", base_url=f"{served.base}/v1", max_retries=0) as client:
        raw = client.chat.completions.with_raw_response.create(**CHAT)
        assert raw.headers["x-ratelimit-limit-requests"] == "1"
        assert raw.headers["x-ratelimit-limit-tokens"] == "1000"
        assert raw.headers["x-ratelimit-remaining-requests"] == "0"
        with pytest.raises(openai.RateLimitError) as raised:
            client.chat.completions.create(**CHAT)
        assert raised.value.code == "rate_limit_exceeded"
        assert int(raised.value.response.headers["retry-after"]) >= 1
        with pytest.raises(openai.InternalServerError, match="embeddings are down"):  # its own bucket
            client.embeddings.create(model="text-embedding-3-small", input="x", encoding_format="float")
        control_api = f"{served.base}/_fakeopenai"
        read = httpx.get(f"{control_api}/rate_limit").json()
        assert (read["rpm"], read["tpm"], read["model"]) == (1, 1000, None)
        assert read["remaining"]["gpt-4o-mini"]["requests"] == 0
        httpx.delete(f"{control_api}/rate_limit").raise_for_status()
        assert client.chat.completions.create(**CHAT).choices[0].message.content
        httpx.post(f"{control_api}/reset").raise_for_status()  # the --rpm/--tpm limit is back, buckets full
        assert httpx.get(f"{control_api}/rate_limit").json()["rpm"] == 1
        assert client.chat.completions.create(**CHAT).choices[0].message.content
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(**CHAT)
    code, _, err = served.stop()
    assert code == 0, err


@pytest.mark.parametrize(
    ("args", "scenario", "message"),
    [
        (["--rpm", "0"], None, "--rpm: must be at least 1"),
        (["--tpm", "lots"], None, "--tpm: not a whole number: 'lots'"),
        ([], {"rate_limit": {"rpm": "fast"}}, "Invalid type for 'rate_limit.rpm': expected integer"),
        ([], {"rate_limit": {"model": "gpt-4o"}}, "Invalid 'rate_limit': give a limit"),
        ([], {"fail_rate": {"rate": 2}}, "Invalid 'fail_rate.rate': must be between 0 and 1"),
        ([], {"fail_rate": [{"rate": 0.1, "stauts": 503}]}, "Unknown parameter: 'fail_rate[0].stauts'"),
    ],
)
def test_cli_rejects_bad_limits(tmp_path: Path, args: list[str], scenario: Any, message: str) -> None:
    if scenario is not None:
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(scenario))
        args = [*args, "--scenario", str(path)]
    done = subprocess.run(
        [sys.executable, "-m", "fakeopenai", "serve", "--port", "0", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert message in done.stderr


def test_cli_rejects_a_bad_scenario(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"rules": [{"reply": {"text": "x", "colour": "red"}}]}))
    done = subprocess.run(
        [sys.executable, "-m", "fakeopenai", "serve", "--port", "0", "--scenario", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "Unknown parameter: 'rules[0].reply.colour'" in done.stderr


def test_the_library_does_not_import_uvicorn() -> None:
    code = "import sys, fakeopenai, fakeopenai.server; sys.exit('uvicorn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=30).returncode == 0


def test_serve_warms_up_and_freezes_what_it_loaded() -> None:
    code = (
        "import gc, sys\n"
        "from fakeopenai import _sdk_validation\n"
        "from fakeopenai.server._cli import warm\n"
        "assert gc.get_freeze_count() == 0 and not _sdk_validation._cache\n"
        "warm()\n"
        "assert _sdk_validation._cache.get(('/chat/completions', False)) is not None, _sdk_validation._cache\n"
        "assert gc.get_freeze_count() > 10000, gc.get_freeze_count()\n"
        "assert gc.get_threshold()[0] > 700, gc.get_threshold()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# -- pacing a burst of renders ----------------------------------------------------------------------


async def test_pacer_spreads_a_burst_over_loop_iterations_first_come_first_served() -> None:
    from fakeopenai.server._asgi import _Pacer

    loop = asyncio.get_running_loop()
    pacer = _Pacer(loop, budget=0.001)
    iteration = 0
    ticking = True

    def tick() -> None:  # counts loop iterations while the burst lasts
        nonlocal iteration
        iteration += 1
        if ticking:
            loop.call_soon(tick)

    loop.call_soon(tick)
    await asyncio.sleep(0)
    rendered: list[tuple[int, int]] = []

    async def request(number: int) -> None:
        if not pacer.free():
            await pacer.turn()
        begun = time.perf_counter()
        while time.perf_counter() - begun < 0.0004:  # a render of 0.4 ms
            pass
        pacer.rendered(time.perf_counter() - begun)
        rendered.append((number, iteration))

    await asyncio.gather(*(request(number) for number in range(30)))
    ticking = False
    assert [number for number, _ in rendered] == list(range(30))  # in order of arrival
    per_iteration = [sum(1 for _, it in rendered if it == i) for i in sorted({it for _, it in rendered})]
    assert len(per_iteration) >= 6, per_iteration  # 12 ms of rendering in slices of about 1 ms
    assert max(per_iteration) <= 4, per_iteration
    assert pacer.free()  # the burst is over: the next request renders at once


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_scripted_framing_headers_never_break_the_answer(server: Served, is_async: bool) -> None:
    """A failure scripted with ``content-length`` / ``transfer-encoding`` headers: the server frames the
    body itself (uvicorn used to refuse the contradiction with a 500), the other headers pass."""
    server.fake.fail(429, headers={"Content-Length": "3", "transfer-encoding": "chunked", "retry-after": "7"})
    client = sdk(server, is_async)
    try:
        with pytest.raises(openai.RateLimitError) as caught:
            await call(client, client.chat.completions.create, **CHAT)
    finally:
        await close(client)
    response = caught.value.response
    assert response.headers["retry-after"] == "7"
    assert response.headers["content-length"] == str(len(response.content))
    assert "transfer-encoding" not in response.headers
    assert caught.value.status_code == 429
