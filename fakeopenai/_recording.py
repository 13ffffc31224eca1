"""One recorded exchange with the API, exact to the byte: :class:`Recording`.

A recording keeps the request as sent and the answer as received: status, headers, and either the
body bytes or the server-sent events, each with the delay since the one before. Replaying it gives
the same bytes back (:meth:`Recording.response`), at the original pace, scaled, or at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from ._reply import Reply, ToolCall
from ._wire import Event, Response

__all__ = ["Recording", "split_events"]

_UNSET: Any = object()


@dataclass(eq=False)
class Recording:
    """A request and the answer it got, as recorded (``cassette.recordings``, ``request.answer``).

    ``events`` is the answer of a stream (server-sent events with their delays), else ``None`` and
    ``body`` holds the answer. ``delay`` is the time the answer took before its headers (streams)
    or in full (other answers); ``then`` is ``"drop"`` when the connection broke mid-answer.
    :meth:`reply` turns a generation answer into a :class:`~fakeopenai.Reply` to edit by hand.
    """

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    events: list[Event] | None = None
    delay: float = 0.0
    then: Literal["close", "drop"] = "close"
    _json: Any = field(default=_UNSET, init=False, repr=False)
    _instant: list[Event] | None = field(default=None, init=False, repr=False)
    _keys: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict, init=False, repr=False)

    @property
    def path(self) -> str:
        """The URL path the request was sent to (``/v1/chat/completions``)."""
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, str]:
        """The URL's query parameters (the first value of a repeated one)."""
        found: dict[str, str] = {}
        for key, value in parse_qsl(urlsplit(self.url).query, keep_blank_values=True):
            found.setdefault(key, value)
        return found

    @property
    def json(self) -> Any:
        """The request body parsed as JSON, or ``None``."""
        if self._json is _UNSET:
            try:
                self._json = json.loads(self.request_body) if self.request_body else None
            except ValueError:
                self._json = None
        return self._json

    def response(self, speed: float = 0.0) -> Response:
        """The recorded answer as the core describes answers; delays scaled by ``speed`` (0: none)."""
        if self.events is None:
            return Response(self.status, list(self.headers), self.body, delay=self.delay * speed, then=self.then)
        if speed:
            events = [Event(delay * speed, data) for delay, data in self.events]
        else:
            if self._instant is None:  # joined once: replaying at once costs what a scripted reply does
                self._instant = [Event(0.0, b"".join(data for _, data in self.events))] if self.events else []
            events = self._instant
        return Response(self.status, list(self.headers), events=events, delay=self.delay * speed, then=self.then)

    def content(self) -> Any:
        """The answer's body parsed as JSON (a non-streamed answer), or ``None``."""
        if self.events is not None or not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def payloads(self) -> list[tuple[float, Any]]:
        """(delay, parsed ``data``) of each event of a streamed answer whose data is JSON."""
        out: list[tuple[float, Any]] = []
        pending = 0.0
        for delay, data in self.events or ():
            pending += delay
            for line in data.split(b"\n"):
                if line.startswith(b"data:"):
                    try:
                        out.append((pending, json.loads(line[5:])))
                        pending = 0.0
                    except ValueError:
                        pass
        return out

    def reply(self) -> Reply:
        """The answer as a :class:`~fakeopenai.Reply` (chat, Responses or legacy completions).

        Text, tool calls, refusal, finish reason, model and usage are kept; a stream also keeps its
        chunks and its timing (``ttft``, and the mean ``token_delay``). ``ValueError`` for an answer
        that is not a generation (an error, an embedding...).
        """
        if self.status >= 400:
            raise ValueError(f"recording of {self.method} {self.path} is an error ({self.status}), not a reply")
        if self.events is not None:
            return _reply_from_stream(self.payloads())
        content = self.content()
        if not isinstance(content, dict):
            raise ValueError(f"recording of {self.method} {self.path} has no JSON answer")
        return _reply_from_object(content)


def split_events(chunks: Iterable[tuple[float, bytes]]) -> list[Event]:
    """Server-sent events from ``(arrival time, bytes)`` chunks: each event ends at a blank line and
    waits the time between its last byte's arrival and the event before's. Trailing bytes that end
    no event become a last event of their own."""
    events: list[Event] = []
    buffer = b""
    last = 0.0
    for arrived, chunk in chunks:
        buffer += chunk
        while True:
            end = _event_end(buffer)
            if end < 0:
                break
            events.append(Event(max(0.0, arrived - last), buffer[:end]))
            last = arrived
            buffer = buffer[end:]
    if buffer:
        events.append(Event(0.0, buffer))
    return events


def _event_end(buffer: bytes) -> int:
    """Where the first complete event of ``buffer`` ends (after its blank line), or -1."""
    ends = [found + len(sep) for sep in (b"\n\n", b"\r\n\r\n", b"\r\r") if (found := buffer.find(sep)) >= 0]
    return min(ends) if ends else -1


def _usage(usage: Any) -> dict[str, int] | None:
    if not isinstance(usage, dict):
        return None
    kept = {
        key: value
        for key, value in usage.items()
        if key in ("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens") and isinstance(value, int)
    }
    return kept or None


def _reply_from_object(content: dict[str, Any]) -> Reply:
    kind = content.get("object")
    model = content.get("model") if isinstance(content.get("model"), str) else None
    if kind == "chat.completion":
        texts: list[str] = []
        calls: list[ToolCall] = []
        refusal = finish = None
        for choice in content.get("choices") or []:
            message = choice.get("message") or {}
            texts.append(message.get("content") or "")
            refusal = refusal or message.get("refusal")
            finish = finish or choice.get("finish_reason")
            if not calls:
                for call in message.get("tool_calls") or []:
                    function = call.get("function") or {}
                    calls.append(ToolCall(function.get("name", ""), function.get("arguments"), call.get("id")))
        text: str | list[str] | None = (texts[0] or None) if len(texts) == 1 else texts
        return Reply(text, calls, refusal, finish, _usage(content.get("usage")), model=model)
    if kind == "response":
        return _reply_from_response(content, model)
    if kind == "text_completion":
        choices = content.get("choices") or [{}]
        return Reply(
            choices[0].get("text"),
            finish_reason=choices[0].get("finish_reason"),
            usage=_usage(content.get("usage")),
            model=model,
        )
    raise ValueError(f"a recorded {kind!r} object is not a generation")


def _reply_from_response(content: dict[str, Any], model: str | None, chunks: Sequence[str] | None = None) -> Reply:
    texts: list[str] = []
    calls: list[ToolCall] = []
    refusal = reasoning = None
    for item in content.get("output") or []:
        if item.get("type") == "message":
            for part in item.get("content") or []:
                if part.get("type") == "output_text":
                    texts.append(part.get("text", ""))
                elif part.get("type") == "refusal":
                    refusal = part.get("refusal")
        elif item.get("type") == "function_call":
            calls.append(ToolCall(item.get("name", ""), item.get("arguments"), item.get("call_id")))
        elif item.get("type") == "reasoning":
            reasoning = "".join(part.get("text", "") for part in item.get("summary") or []) or None
    return Reply(
        "".join(texts) or None,
        calls,
        refusal,
        usage=_usage(content.get("usage")),
        chunks=chunks,
        model=model,
        reasoning=reasoning,
    )


def _timing(delays: list[float]) -> dict[str, float]:
    if not delays:
        return {}
    rest = delays[1:]
    return {"ttft": delays[0], "token_delay": sum(rest) / len(rest) if rest else 0.0}


def _reply_from_stream(payloads: list[tuple[float, Any]]) -> Reply:
    """A reply from a stream's events: its pieces become ``chunks``, its pace ``ttft``/``token_delay``."""
    chunks: list[str] = []
    delays: list[float] = []
    calls: dict[int, dict[str, str]] = {}
    refusal: list[str] = []
    finish = model = None
    usage: dict[str, int] | None = None
    elapsed = 0.0
    for delay, data in payloads:
        elapsed += delay
        if not isinstance(data, dict):
            continue
        model = model or data.get("model")
        kind = data.get("object") or data.get("type")
        if kind == "chat.completion.chunk":
            usage = _usage(data.get("usage")) or usage
            for choice in data.get("choices") or []:
                if choice.get("index", 0) != 0:
                    continue
                delta = choice.get("delta") or {}
                finish = choice.get("finish_reason") or finish
                if delta.get("content"):
                    chunks.append(delta["content"])
                    delays.append(elapsed)
                    elapsed = 0.0
                if delta.get("refusal"):
                    refusal.append(delta["refusal"])
                for call in delta.get("tool_calls") or []:
                    entry = calls.setdefault(call.get("index", 0), {"id": "", "name": "", "arguments": ""})
                    function = call.get("function") or {}
                    entry["id"] = call.get("id") or entry["id"]
                    entry["name"] += function.get("name") or ""
                    entry["arguments"] += function.get("arguments") or ""
        elif kind == "text_completion":
            for choice in data.get("choices") or []:
                finish = choice.get("finish_reason") or finish
                if choice.get("text"):
                    chunks.append(choice["text"])
                    delays.append(elapsed)
                    elapsed = 0.0
        elif kind == "response.output_text.delta":
            chunks.append(data.get("delta", ""))
            delays.append(elapsed)
            elapsed = 0.0
        elif kind == "response.completed" and isinstance(data.get("response"), dict):
            timing = _timing(delays)
            reply = _reply_from_response(data["response"], model, chunks)
            reply.ttft, reply.token_delay = timing.get("ttft", 0.0), timing.get("token_delay", 0.0)
            return reply
    tool_calls = [ToolCall(call["name"], call["arguments"], call["id"] or None) for _, call in sorted(calls.items())]
    timing = _timing(delays)
    return Reply(
        "".join(chunks) or None,
        tool_calls,
        "".join(refusal) or None,
        finish,
        usage,
        chunks=chunks or None,
        model=model,
        ttft=timing.get("ttft", 0.0),
        token_delay=timing.get("token_delay", 0.0),
    )
