"""Hostile input: nothing a request contains gets a 500, poisons the request log, or breaks the next request.

Three parts: a fixed corpus of hostile bodies in-process (through the SDK's own HTTP stack), a
property-based fuzz (hypothesis) of chat, Responses and embeddings bodies against the core, and the
same corpus plus stalled clients and hostile control input over a real ``serve`` on loopback.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fakeopenai
from fakeopenai import FakeOpenAI, Request
from fakeopenai._wire import MAX_DEPTH, dumps
from fakeopenai.server._control import request_json

from .test_server import Cli

ROOT = Path(__file__).resolve().parents[1]
HI = [{"role": "user", "content": "Hi"}]
CHAT = {"model": "gpt-4o-mini", "messages": HI}
UNPARSEABLE = "We could not parse the JSON body of your request."


def nested(depth: int, inner: str = "") -> str:
    return "[" * depth + inner + "]" * depth


def chat_with(content: str, **extra: str) -> bytes:
    """A chat body whose first message's content is the raw JSON text ``content``."""
    fields = "".join(f',"{key}":{value}' for key, value in extra.items())
    return ('{"model":"gpt-4o-mini","messages":[{"role":"user","content":' + content + "}]" + fields + "}").encode()


TOOLS_200_DEEP = '[{"type":"function","function":{"name":"f","parameters":' + '{"a":' * 200 + "1" + "}" * 200 + "}}]"

#: (name, path, body, expected status: 400 means the API's answer for an unparseable body).
CORPUS: list[tuple[str, str, bytes, int]] = [
    ("2,000 levels of arrays", "/v1/chat/completions", chat_with(nested(2000)), 400),
    ("100,000 levels, no closing", "/v1/chat/completions", b'{"model":"m","messages":' + b"[" * 100_000, 400),
    ("objects 5,000 deep", "/v1/responses", b'{"model":"m","input":' + b'{"a":' * 5000 + b"1" + b"}" * 5001, 400),
    ("one level too deep", "/v1/chat/completions", chat_with(nested(MAX_DEPTH - 2)), 400),
    ("deep tool parameters", "/v1/chat/completions", chat_with('"Hi"', tools=TOOLS_200_DEEP), 400),
    ("deep embeddings input", "/v1/embeddings", b'{"model":"m","input":' + nested(3000).encode() + b"}", 400),
    ("deep JSON on the control-free route", "/v1/moderations", b'{"input":' + nested(1500).encode() + b"}", 400),
    ("lone low surrogate in the model", "/v1/chat/completions", chat_with('"x"').replace(b"4o-mini", b"\\udfff"), 400),
    ("lone high surrogate in content", "/v1/chat/completions", chat_with('"\\ud800"'), 400),
    ("lone surrogate, streamed", "/v1/chat/completions", chat_with('"a\\ud83d"', stream="true"), 400),
    ("reversed surrogate pair", "/v1/responses", b'{"model":"m","input":"\\ude00\\ud83d"}', 400),
    ("surrogate in a key", "/v1/chat/completions", chat_with('"x"', metadata='{"\\udc00":"v"}'), 400),
    ("UTF-8-encoded surrogate", "/v1/chat/completions", chat_with('"@"').replace(b"@", b"\xed\xa0\x80"), 400),
    ("invalid UTF-8", "/v1/embeddings", b'{"model":"text-embedding-3-small","input":"\xff\xfe"}', 400),
    ("NaN", "/v1/chat/completions", chat_with('"x"', temperature="NaN"), 400),
    ("Infinity", "/v1/chat/completions", chat_with('"x"', top_p="Infinity"), 400),
    ("-Infinity", "/v1/responses", b'{"model":"m","input":"x","temperature":-Infinity}', 400),
    ("1e400", "/v1/chat/completions", chat_with('"x"', temperature="1e400"), 400),
    ("a 310-digit decimal", "/v1/chat/completions", chat_with('"x"', presence_penalty="9" * 310 + ".0"), 400),
    ("a 5,000-digit integer", "/v1/chat/completions", chat_with('"x"', seed="9" * 5000), 400),
    ("truncated", "/v1/chat/completions", b'{"model":"gpt-4o-mini","messages":[{"role":', 400),
    ("NUL bytes", "/v1/chat/completions", b"\x00" * 64, 400),
    ("a bare array", "/v1/chat/completions", b"[]", 400),
    ("null", "/v1/embeddings", b"null", 400),
    ("a string", "/v1/responses", b'"hello"', 400),
    ("brackets inside a string are text", "/v1/chat/completions", chat_with('"' + nested(3000) + '"'), 200),
    ("escaped emoji pairs are fine", "/v1/chat/completions", chat_with('"\\ud83d\\ude00 ok"'), 200),
    ("a 2 MB message", "/v1/chat/completions", chat_with('"' + "word " * 400_000 + '"'), 200),
    ("duplicate keys", "/v1/chat/completions", b'{"model":"a",' + chat_with('"x"')[1:], 200),
]
CORPUS_IDS = [name for name, *_ in CORPUS]


def assert_log_readable(fake: FakeOpenAI, newest: int | None = None) -> None:
    """Everything that reads the request log works (for each of the ``newest`` requests: all by default)."""
    log = fake.requests
    assert len(log.json) == len(log)
    assert log.where(model="gpt-4o-mini", endpoint="/*", stream=False) is not None
    first = 0 if newest is None else max(0, len(log) - newest)
    for index, request in enumerate(log[first:], first):
        _ = (request.text, request.last_user_message, request.model, request.messages, request.stream)
        assert json.loads(dumps(request_json(index, request)))["index"] == index  # what GET /_fakeopenai/requests lists
    _ = (log.calls, log.statuses, log.endpoints, log.retry_counts)


@pytest.fixture
def client() -> Iterator[Any]:
    fake = FakeOpenAI()
    with fake.client(base_url="https://api.openai.com") as http:
        yield http


@pytest.mark.parametrize(("name", "path", "body", "status"), CORPUS, ids=CORPUS_IDS)
def test_hostile_body_in_process(client: Any, name: str, path: str, body: bytes, status: int) -> None:
    fake = fakeopenai.fake_of(client)
    answer = client.post(path, content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status, answer.text[:300]
    if status == 400 and fake.requests.last.unparseable:
        assert answer.json()["error"]["message"].startswith(UNPARSEABLE)
        assert fake.requests.last.json is None
    assert_log_readable(fake)
    ordinary = client.post("/v1/chat/completions", json=CHAT)
    assert ordinary.status_code == 200 and ordinary.json()["object"] == "chat.completion"
    assert [r.status for r in fake.requests] == [status, 200]
    assert not [r.answer for r in fake.requests if isinstance(r.answer, Exception)]  # no internal error


def _form(*parts: tuple[bytes, bytes, bytes | None]) -> bytes:
    out = b""
    for name, value, filename in parts:
        disposition = b'form-data; name="' + name + b'"' + (b'; filename="' + filename + b'"' if filename else b"")
        out += b"--b0undary\r\nContent-Disposition: " + disposition + b"\r\n\r\n" + value + b"\r\n"
    return out + b"--b0undary--\r\n"


MULTIPART = [
    _form((b"purpose" + b"[a]" * 5000, b"batch", None), (b"file", b"{}", b"f.jsonl")),
    _form((b"purpose", b"\xff\xfe", None), (b"file", b"\x00" * 100, b"\xff.jsonl")),
    b"--b0undary\r\n\xff\xfe not a form",
    b"--b0undary--\r\n",
]


@pytest.mark.parametrize("body", MULTIPART, ids=["deep field name", "invalid bytes", "garbage", "no parts"])
def test_hostile_multipart_in_process(client: Any, body: bytes) -> None:
    fake = fakeopenai.fake_of(client)
    answer = client.post("/v1/files", content=body, headers={"content-type": "multipart/form-data; boundary=b0undary"})
    assert answer.status_code < 500, answer.text[:300]
    assert fake.requests.last.json is None and not fake.requests.last.unparseable  # a form is not JSON
    assert_log_readable(fake)
    assert client.post("/v1/chat/completions", json=CHAT).status_code == 200
    assert not [r.answer for r in fake.requests if isinstance(r.answer, Exception)]


def test_a_request_object_never_raises() -> None:
    """``Request.json`` and everything built on it answer ``None``/empty for what cannot be parsed."""
    for _, path, body, _ in CORPUS:
        request = Request("POST", "https://api.openai.com" + path, path, {}, {}, body)
        assert request.text is not None and request.messages is not None
    multipart = Request("POST", "u", "/v1/files", {"content-type": "multipart/form-data; boundary=x"}, {}, b"--x\r\n")
    assert multipart.json is None and not multipart.unparseable  # a form, not JSON: left to its route
    assert Request("GET", "u", "/v1/models", {}, {}, b"").unparseable is False


# -- the fuzz --------------------------------------------------------------------------------------

#: Leaves that have broken JSON handling somewhere: surrogates, huge numbers, NaN, control characters.
_NASTY_TEXT = st.sampled_from(["\ud800", "\udfff", "a\ud83d", "\x00", "\u2028", "\ufeff", "😀", "[[[{{{", '"\\'])
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | _NASTY_TEXT
)
_VALUES = st.recursive(
    _LEAVES,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8) | _NASTY_TEXT, children, max_size=4),
    max_leaves=12,
)
_DEEP = st.integers(min_value=MAX_DEPTH - 8, max_value=400).map(lambda depth: json.loads(nested(depth)))
_ANY = _VALUES | _DEEP
_ROLES = st.sampled_from(["user", "system", "assistant", "developer", "tool", "function", "bot"])
_MESSAGE = st.fixed_dictionaries(
    {"role": _ROLES},
    optional={"content": st.text(max_size=30) | _ANY, "name": _ANY, "tool_calls": _ANY, "tool_call_id": _ANY},
)
_MODELS = st.sampled_from(["gpt-4o-mini", "gpt-4.1", "o3", "text-embedding-3-small", "gpt-\ud800"]) | _ANY

_CHAT_FIELDS = [
    "stream", "n", "temperature", "top_p", "max_tokens", "max_completion_tokens", "tools", "tool_choice",
    "response_format", "stream_options", "logprobs", "top_logprobs", "seed", "stop", "user", "metadata", "store",
    "modalities", "audio", "prediction", "parallel_tool_calls", "reasoning_effort", "logit_bias",
    "frequency_penalty", "presence_penalty", "service_tier",
]
_RESPONSES_FIELDS = [
    "instructions", "stream", "temperature", "top_p", "max_output_tokens", "tools", "tool_choice", "text",
    "reasoning", "previous_response_id", "store", "metadata", "include", "truncation", "top_logprobs",
    "parallel_tool_calls", "background", "conversation",
]
_EMBEDDINGS_FIELDS = ["dimensions", "encoding_format", "user"]

BODIES = {
    "/v1/chat/completions": st.fixed_dictionaries(
        {"model": _MODELS, "messages": st.lists(_MESSAGE, min_size=1, max_size=3) | _ANY},
        optional={key: _ANY | st.booleans() | st.integers(-3, 200) for key in _CHAT_FIELDS},
    ),
    "/v1/responses": st.fixed_dictionaries(
        {"model": _MODELS, "input": st.text(max_size=30) | st.lists(_MESSAGE, min_size=1, max_size=3) | _ANY},
        optional={key: _ANY | st.booleans() | st.integers(-3, 200) for key in _RESPONSES_FIELDS},
    ),
    "/v1/embeddings": st.fixed_dictionaries(
        {"model": _MODELS, "input": st.text(max_size=30) | st.lists(st.text(max_size=10), max_size=3) | _ANY},
        optional={
            key: _ANY | st.integers(-3, 4000) | st.sampled_from(["float", "base64"]) for key in _EMBEDDINGS_FIELDS
        },
    ),
}


def encode(body: Any, ascii_only: bool) -> bytes:
    """The body as a client might send it: NaN and Infinity written out, surrogates escaped or not."""
    text = json.dumps(body, ensure_ascii=ascii_only, allow_nan=True)
    return text.encode("utf-8", "surrogatepass")  # unescaped surrogates become (invalid) encoded ones


@st.composite
def requests_(draw: st.DrawFn) -> tuple[str, bytes]:
    path = draw(st.sampled_from(sorted(BODIES)))
    body = encode(draw(BODIES[path]), draw(st.booleans()))
    mutation = draw(st.sampled_from(["none", "none", "none", "truncate", "flip"]))
    if mutation == "truncate":
        body = body[: draw(st.integers(0, len(body)))]
    elif mutation == "flip":
        at = draw(st.integers(0, len(body) - 1))
        body = body[:at] + bytes([draw(st.integers(0, 255))]) + body[at + 1 :]
    return path, body


#: Cases the fuzz runs (derandomized: the same cases in every run, so CI is repeatable).
FUZZ_CASES = 1000
_fuzz_fake = FakeOpenAI(seed=0, keep_requests=16)
_ORDINARY = json.dumps(CHAT).encode()


def _post(path: str, body: bytes) -> fakeopenai.Response:
    headers = httpx.Headers({"content-type": "application/json"})
    return _fuzz_fake.handle(Request("POST", "https://api.openai.com" + path, path, headers, {}, body))


@settings(
    max_examples=FUZZ_CASES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(requests_())
def test_fuzzed_bodies_never_break_the_fake(case: tuple[str, bytes]) -> None:
    path, body = case
    response = _post(path, body)
    request = _fuzz_fake.requests.last
    assert not isinstance(request.answer, Exception), request.answer  # an internal error of ours
    assert response.status < 500, response.body[:300]
    if response.status == 200:  # an answer the SDK can read
        payload = response.body if response.events is None else b"".join(event.data for event in response.events)
        assert payload
        if response.events is None:
            json.loads(payload)
    else:
        assert set(json.loads(response.body)["error"]) == {"message", "type", "param", "code"}
    if request.unparseable:
        assert response.status == 400 and json.loads(response.body)["error"]["message"].startswith(UNPARSEABLE)
    assert _post("/v1/chat/completions", _ORDINARY).status == 200
    assert_log_readable(_fuzz_fake, newest=2)


# -- over a real server ----------------------------------------------------------------------------


class Serve(Cli):
    """``python -m fakeopenai serve --port 0`` with short timeouts, in a subprocess, and a client for it."""

    def __init__(self, *args: str) -> None:
        super().__init__(*args)
        self.port = int(self.base.rsplit(":", 1)[1])
        # No pooled connections: the server closes idle ones after half a second here.
        self.http = httpx.Client(base_url=self.base, timeout=30, limits=httpx.Limits(max_keepalive_connections=0))

    def stop(self) -> tuple[int, str, str]:
        if hasattr(self, "http"):
            self.http.close()
        return super().stop()

    def healthy(self) -> list[dict[str, Any]]:
        """Assert an ordinary request succeeds and the request log reads; the log."""
        ordinary = self.http.post("/v1/chat/completions", json=CHAT)
        assert ordinary.status_code == 200, ordinary.text
        listed = self.http.get("/_fakeopenai/requests")
        assert listed.status_code == 200, listed.text
        data: list[dict[str, Any]] = listed.json()["data"]
        assert data[-1]["json"] == CHAT
        return data


@pytest.fixture(scope="module")
def serve() -> Iterator[Serve]:
    running = Serve("--request-timeout", "0.5", "--keep-alive-timeout", "0.5")
    yield running
    _, _, err = running.stop()
    assert "Traceback" not in err and "Exception in ASGI application" not in err, err


@pytest.mark.parametrize(("name", "path", "body", "status"), CORPUS, ids=CORPUS_IDS)
def test_hostile_body_over_serve(serve: Serve, name: str, path: str, body: bytes, status: int) -> None:
    serve.http.post("/_fakeopenai/reset")
    answer = serve.http.post(path, content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status, answer.text[:300]
    assert answer.json()["object" if status == 200 else "error"]
    logged = serve.healthy()
    assert [item["status"] for item in logged] == [status, 200]


HOSTILE_CONTROL: list[tuple[str, bytes, str]] = [
    ("replies", b'{"text":"x","ttft":NaN}', "could not parse"),
    ("replies", b'{"text":"x","token_delay":Infinity}', "could not parse"),
    ("replies", b'{"text":"x","stall_after":0,"stall":1e400}', "could not parse"),
    ("replies", b'{"text":"x","ttft":1e300}', "Invalid 'body.ttft': must be between 0 and 86400 seconds"),
    ("replies", b'{"text":"x","times":0}', "Invalid 'body.times': must be between 1 and"),
    ("replies", b'{"text":"x","times":99999999999999999999}', "Invalid 'body.times': must be between 1 and"),
    ("replies", b'{"text":"x","error_after":-1}', "Invalid 'body.error_after'"),
    ("replies", b'{"text":"x","usage":{"prompt_tokens":-5}}', "Invalid 'body.usage.prompt_tokens'"),
    ("replies", b'{"text":"\\ud800"}', "could not parse"),
    ("replies", b'{"text":' + nested(5000).encode() + b"}", "could not parse"),
    ("failures", b'{"status":429,"retry_after":NaN}', "could not parse"),
    ("failures", b'{"status":429,"retry_after":1e10}', "Invalid 'body.retry_after'"),
    ("failures", b'{"status":429,"retry_after_ms":-1}', "Invalid 'body.retry_after_ms'"),
    ("failures", b'{"status":500,"headers":{"x-a":"1\\r\\nset-cookie: evil"}}', "not a valid value for header"),
    ("failures", b'{"status":500,"headers":{"bad name":"1"}}', "not a valid header name"),
    ("failures", b'{"status":500,"headers":{"x-a":"\\u20ac"}}', "not a valid value for header"),
    ("rules", b'{"reply":"x","times":1e3}', "Invalid type for 'body.times'"),
    ("rate_limit", b'{"rpm":99999999999999999999}', "Invalid 'body.rpm'"),
    ("fail_rate", b'{"rate":NaN}', "could not parse"),
    ("scenario", b'{"queue":[{"reply":{"text":"x","ttft":-0.5}}]}', "Invalid 'queue[0].reply.ttft'"),
]


@pytest.mark.parametrize(("route", "body", "message"), HOSTILE_CONTROL)
def test_hostile_control_input_is_refused_and_changes_nothing(
    serve: Serve, route: str, body: bytes, message: str
) -> None:
    serve.http.post("/_fakeopenai/reset")
    answer = serve.http.post(f"/_fakeopenai/{route}", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert message in answer.json()["error"]["message"]
    status = serve.http.get("/_fakeopenai/status").json()
    assert status["pending"] == 0
    serve.healthy()


def test_times_is_a_count_over_the_control_api(serve: Serve) -> None:
    serve.http.post("/_fakeopenai/reset")
    begun = time.monotonic()
    for _ in range(20):
        answer = serve.http.post("/_fakeopenai/replies", json={"text": "again", "times": 10**15})
        assert answer.status_code == 200
    assert answer.json()["pending"] == 20 * 10**15
    assert serve.http.get("/_fakeopenai/status").json()["pending"] == 20 * 10**15
    assert time.monotonic() - begun < 10  # linear in the times would take hours (no timing below this)
    reply = serve.http.post("/v1/chat/completions", json=CHAT).json()
    assert reply["choices"][0]["message"]["content"] == "again"
    assert serve.http.post("/_fakeopenai/reset").json()["pending"] == 0


def _open(port: int, data: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    if data:
        sock.sendall(data)
    return sock


def _closed_after(sock: socket.socket) -> tuple[float, bytes]:
    """Seconds until the server closed the connection, and what it sent."""
    begun = time.monotonic()
    received = b""
    with sock:
        while chunk := sock.recv(65536):
            received += chunk
    return time.monotonic() - begun, received


def test_stalled_clients_are_let_go_and_others_served(serve: Serve) -> None:
    serve.http.post("/_fakeopenai/reset")
    body = json.dumps(CHAT).encode()
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    stalled = {
        "silent": _open(serve.port, b""),
        "half a head": _open(serve.port, head),
        "half a body": _open(serve.port, head + b"Content-Length: %d\r\n\r\n" % len(body) + body[:9]),
        "idle keep-alive": _open(serve.port, head + b"Content-Length: %d\r\n\r\n" % len(body) + body),
    }
    stalled.update({f"half a head {i}": _open(serve.port, head) for i in range(40)})
    serve.healthy()  # served at once, stalled clients or not
    results = {name: _closed_after(sock) for name, sock in stalled.items()}
    assert all(seconds < 5 for seconds, _ in results.values()), results
    assert results["silent"][1] == b""  # never began a request: closed without an answer
    assert results["half a head"][1].startswith(b"HTTP/1.1 408 ")
    assert results["half a body"][1].startswith(b"HTTP/1.1 408 ")
    assert results["idle keep-alive"][1].startswith(b"HTTP/1.1 200 ")  # answered, then closed when idle
    assert [item["status"] for item in serve.healthy()] == [200, 200, 200]  # stalled halves are not recorded


def test_a_slow_answer_is_not_a_stalled_request(serve: Serve) -> None:
    """The request timeout covers sending the request, never the wait for the answer."""
    serve.http.post("/_fakeopenai/reset")
    serve.http.post("/_fakeopenai/replies", json={"text": "worth the wait", "ttft": 1.0, "token_delay": 0.3})
    with serve.http.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as stream:
        text = "".join(
            json.loads(line[6:])["choices"][0]["delta"].get("content") or ""
            for line in stream.iter_lines()
            if line.startswith("data: {")
        )
    assert text == "worth the wait"


def _answers(sock: socket.socket, count: int) -> list[tuple[bytes, bytes]]:
    """The next ``count`` answers on ``sock`` (each framed by its content-length): head and body."""
    buffer = b""
    found: list[tuple[bytes, bytes]] = []
    while len(found) < count:
        end = buffer.find(b"\r\n\r\n")
        if end >= 0:
            size = re.search(rb"(?i)\r\ncontent-length: *(\d+)", buffer[:end])
            assert size is not None, buffer[:end]
            stop = end + 4 + int(size.group(1))
            if len(buffer) >= stop:
                found.append((buffer[:end], buffer[end + 4 : stop]))
                buffer = buffer[stop:]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"closed after {len(found)} answers"
        buffer += chunk
    assert not buffer
    return found


def test_pipelined_and_piecemeal_requests_are_answered_as_any_other(serve: Serve) -> None:
    """Requests that arrive whole, several at once, or in pieces get the same status line and headers,
    in the same order, as an ordinary client's (serve answers whole requests its short way)."""
    serve.http.post("/_fakeopenai/reset")
    ordinary = serve.http.post("/v1/chat/completions", json=CHAT)
    names = [name for name, _ in ordinary.headers.raw]
    assert names[0] == b"date" and names[-1] == b"content-length"
    body = json.dumps(CHAT).encode()
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )
    control = b"GET /_fakeopenai/requests HTTP/1.1\r\nHost: x\r\n\r\n"
    with _open(serve.port, request + control + request) as sock:  # pipelined, the control API between
        answers = _answers(sock, 3)
        head_end = len(request) - len(body)
        for piece in (request[:20], request[20 : head_end + 5], request[head_end + 5 :]):
            sock.sendall(piece)
            time.sleep(0.05)
        answers += _answers(sock, 1)
        sock.sendall(request.replace(b"Host: x\r\n", b"Host: x\r\nConnection: close\r\n"))
        answers += _answers(sock, 1)
        assert sock.recv(1) == b""  # closed after the answer the client asked to be the last
    listed = json.loads(answers.pop(1)[1])["data"]
    assert [item["json"] for item in listed] == [CHAT, CHAT]  # the control request saw the first one
    ids = set()
    for index, (head, payload) in enumerate(answers):
        lines = head.split(b"\r\n")
        assert lines[0] == b"HTTP/1.1 200 OK"
        assert [line.split(b":", 1)[0] for line in lines[1:]] == names + [b"Connection"] * (index == 3)  # h11's
        ids.add(dict(line.split(b": ", 1) for line in lines[1:])[b"x-request-id"])
        assert json.loads(payload)["object"] == "chat.completion"
    assert len(ids) == 4
    assert [item["json"] for item in serve.healthy()] == [CHAT] * 6
