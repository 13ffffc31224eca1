"""Wire types of the sans-I/O core: the request it reads and the response description it returns.

Nothing here sleeps or touches a socket. Transports and the server turn a :class:`Response` into
real bytes on a real (or in-memory) connection, honouring its delays and faults.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from ._multipart import Form

__all__ = ["Event", "Request", "Response", "coalesce", "dumps", "is_multipart", "sse"]

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def is_multipart(content_type: str) -> bool:
    return content_type.lower().lstrip().startswith("multipart/form-data")


def dumps(obj: Any) -> bytes:
    """Compact JSON as the API sends it."""
    return _encoder.encode(obj).encode()


def sse(data: Any, event: str | None = None) -> bytes:
    """One server-sent event: ``event:`` line (optional), ``data:`` line, blank line."""
    payload = data if isinstance(data, bytes) else dumps(data)
    if event is None:
        return b"data: " + payload + b"\n\n"
    return b"event: " + event.encode() + b"\ndata: " + payload + b"\n\n"


class Event(NamedTuple):
    """Bytes to send after waiting ``delay`` seconds."""

    delay: float
    data: bytes


_UNSET: Any = object()


@dataclass(eq=False)
class Request:
    """One HTTP request as the fake saw it (and as ``fake.requests`` records it).

    ``headers`` and ``query`` are case-insensitive mappings taken from the client's own request
    object; ``json`` is the parsed body (``None`` when the body is empty or not JSON).
    """

    method: str
    url: str
    path: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes
    #: The API path with any ``/v1``, ``/openai`` or Azure deployment prefix removed.
    endpoint: str = ""
    #: Parameters taken from the path (``{"response_id": ...}``).
    params: dict[str, str] = field(default_factory=dict)
    #: Monotonic time (seconds) at which the fake received it.
    received_at: float = field(default_factory=time.monotonic)
    #: Status the fake answered with.
    status: int = 0
    #: What answered it: a ``Reply``, a ``Failure``, or ``None`` for non-generation endpoints.
    answer: Any = None
    #: The response description the fake returned for it.
    response: Response | None = field(default=None, repr=False)
    #: What the fake accepted although the SDK's types do not allow it (``strict=True`` would have
    #: answered 400): one sentence each, naming the parameter. Empty for an ordinary request.
    warnings: list[str] = field(default_factory=list)
    #: An id the created object must take (``fake.seed(..., id=...)``); ``None``: a new one.
    preset_id: str | None = field(default=None, repr=False)
    _json: Any = field(default=_UNSET, repr=False)
    _form: Any = field(default=_UNSET, repr=False)

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or ``None``."""
        if self._json is _UNSET:
            try:
                self._json = json.loads(self.body) if self.body else None
            except ValueError:
                self._json = None
        return self._json

    @property
    def form(self) -> Form | None:
        """The body as a multipart form (file uploads), or ``None`` when it is not a well-formed one."""
        if self._form is _UNSET:
            self._form = None
            content_type = self.headers.get("content-type")
            if self.body and content_type and is_multipart(content_type):
                from ._multipart import MultipartError, parse

                with contextlib.suppress(MultipartError):
                    self._form = parse(content_type, self.body)
        return self._form  # type: ignore[no-any-return]

    def _body_object(self) -> dict[str, Any]:
        data = self.json
        if isinstance(data, dict):
            return data
        form = self.form
        return form.as_object() if form is not None else {}

    @property
    def model(self) -> str | None:
        """The ``model`` the request asked for."""
        model = self._body_object().get("model")
        if model is None and "/deployments/" in self.path:
            model = self.path.split("/deployments/", 1)[1].split("/", 1)[0]
        return model if isinstance(model, str) else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Chat ``messages`` (empty for other endpoints)."""
        messages = self._body_object().get("messages")
        return messages if isinstance(messages, list) else []

    @property
    def stream(self) -> bool:
        """Whether the client asked for a stream."""
        stream = self._body_object().get("stream")  # a multipart form sends "true"
        return stream is True or stream == "true" or self.query.get("stream") == "true"

    @property
    def read_to_end(self) -> bool | None:
        """Whether the client took the whole streamed answer, to its last byte, or gave up before.

        ``None`` for an answer that is not a stream (or one whose sender does not report it: the
        in-process transports do). ``False`` while a stream is being read, and for good when the
        client closed it early, timed out, or the connection dropped. A stream with no delays
        arrives in one piece, as a short stream does over a network: to see a client stop
        mid-stream, give the reply a ``token_delay``.
        """
        response = self.response
        return None if response is None else response.read_to_end

    @property
    def idempotency_key(self) -> str | None:
        """The ``Idempotency-Key`` header the client sent, if any."""
        return self.headers.get("idempotency-key")

    @property
    def text(self) -> str:
        """All text the client sent (messages, ``input``, ``prompt``, ``instructions``), joined."""
        return "\n".join(_texts(self._body_object()))

    @property
    def last_user_message(self) -> str | None:
        """Text of the last user message (chat ``messages`` or Responses ``input``)."""
        body = self._body_object()
        items = body.get("messages")
        if not isinstance(items, list):
            items = body.get("input")
            if isinstance(items, str):
                return items
            if not isinstance(items, list):
                prompt = body.get("prompt")
                return prompt if isinstance(prompt, str) else None
        for item in reversed(items):
            if isinstance(item, dict) and item.get("role") == "user":
                return "\n".join(_texts(item.get("content")))
        return None


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for key in ("content", "text", "input", "prompt", "instructions", "messages", "output"):
            if key in value:
                yield from _texts(value[key])


@dataclass(eq=False)
class Response:
    """What to answer: status, headers and a body that is bytes or a sequence of timed events.

    ``delay`` is waited before the status line (time to first byte of a non-streamed answer).
    ``then`` says how the connection ends after the last event: ``"close"`` normally,
    ``"drop"`` as a broken connection (the client's stack raises its own protocol error).
    ``read_to_end`` is written by whoever realises a stream: ``False`` once the stream is handed
    to the client, ``True`` when its last byte is (``None`` for a body of bytes).
    """

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    events: Sequence[Event] | None = None
    delay: float = 0.0
    then: Literal["close", "drop"] = "close"
    read_to_end: bool | None = None

    @property
    def is_stream(self) -> bool:
        return self.events is not None


def coalesce(events: Iterable[Event]) -> list[Event]:
    """Merge each event that needs no wait into the one before it, as a network would.

    A zero-delay stream becomes a single chunk, so the fake costs no more per event than
    pre-built bytes do.
    """
    out: list[Event] = []
    pending: list[bytes] = []
    delay = 0.0
    for event in events:
        if event.delay > 0 and pending:
            out.append(Event(delay, b"".join(pending)))
            pending = []
            delay = event.delay
        elif event.delay > 0:
            delay = event.delay
        pending.append(event.data)
    if pending:
        out.append(Event(delay, b"".join(pending)))
    return out
