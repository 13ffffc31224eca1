"""Wire types of the sans-I/O core: the request it reads and the response description it returns.

Nothing here sleeps or touches a socket. Transports and the server turn a :class:`Response` into
real bytes on a real (or in-memory) connection, honouring its delays and faults.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, overload

if TYPE_CHECKING:
    from ._multipart import Form

__all__ = [
    "MAX_DEPTH",
    "Event",
    "Events",
    "Forward",
    "Headers",
    "Request",
    "Response",
    "coalesce",
    "columns",
    "dumps",
    "is_multipart",
    "parse_json",
    "sse",
]

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)

#: Request bodies nested deeper than this (arrays and objects) are refused as unparseable, before
#: anything recurses into them. Real requests stay far below it: Structured Outputs allows a schema
#: 10 levels deep, some 30 levels of the body.
MAX_DEPTH = 128


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value - value != 0.0:  # inf - inf is nan
        raise ValueError(f"number out of range: {text[:40]}")
    return value


_decoder = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite)
_NOT_OPENING = bytes(byte for byte in range(256) if byte not in b"[{")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE_PAIR = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def _deeper(data: Any, limit: int) -> bool:
    """Whether parsed JSON nests arrays and objects deeper than ``limit`` (a walk without recursion)."""
    level = [data] if type(data) is dict or type(data) is list else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [
            item
            for value in level
            for item in (value.values() if type(value) is dict else value)
            if type(item) is dict or type(item) is list
        ]
    return False


def _lone_surrogate(body: bytes) -> bool:
    """Whether a JSON text escapes half a surrogate pair (exact for valid JSON)."""
    plain = body.replace(b"\\\\", b"")  # escaped backslashes, read left to right as JSON reads them
    return _SURROGATE_ESCAPE.search(_SURROGATE_PAIR.sub(b"", plain)) is not None


def parse_json(body: bytes) -> Any:
    """A request body parsed as the API parses it; ``ValueError`` for one it cannot parse.

    Stricter than ``json.loads`` where JSON is: ``NaN``/``Infinity``, numbers too large for a
    double, lone UTF-16 surrogates (escaped or encoded) and invalid UTF-8 are not JSON, and arrays
    and objects nested deeper than :data:`MAX_DEPTH` are refused before anything else sees them
    (the C parser itself stops at the interpreter's recursion limit). The extra checks cost little
    for an ordinary body: the deeper ones run only when a single scan of the bytes finds more than
    :data:`MAX_DEPTH` opening brackets, or an escaped surrogate.
    """
    head = body[:2]
    if head == b"--":  # a multipart form, never JSON: fail before decoding a whole upload
        raise ValueError("not JSON")
    encoding = "utf-8" if head[:1] in (b"{", b"[") and head[1:2] != b"\x00" else json.detect_encoding(body)
    text = body.decode(encoding)  # strict: encoded surrogates and invalid bytes raise
    if encoding != "utf-8":
        body = text.encode()
    try:
        data = _decoder.decode(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if len(body.translate(None, _NOT_OPENING)) > MAX_DEPTH and _deeper(data, MAX_DEPTH):
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    if b"\\" in body and _SURROGATE_ESCAPE.search(body) and _lone_surrogate(body):
        raise ValueError("lone surrogate in a string")
    return data


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


_event = partial(tuple.__new__, Event)  # Event(delay, data) from a pair, in one C call


class Events(Sequence[Event]):
    """A stream's events kept as two columns, their delays and their bytes: a sequence of
    :class:`Event` to read, without a tuple per event to keep.

    A recorded 200-token stream holds two lists instead of 400 tuples, so the collector, which
    counts every new tuple, runs far less often while many streams are alive (200 concurrent
    streams started 146 collections instead of 28 for the floor). Reading one builds the
    ``Event``; a slice is ``Events`` again; it equals any sequence of the same events.
    """

    __slots__ = ("datas", "delays")

    def __init__(self, delays: list[float], datas: list[bytes]) -> None:
        if len(delays) != len(datas):
            raise ValueError("one delay per event")
        #: The seconds to wait before each event.
        self.delays = delays
        #: Each event's bytes.
        self.datas = datas

    def __len__(self) -> int:
        return len(self.datas)

    @overload
    def __getitem__(self, index: int) -> Event: ...
    @overload
    def __getitem__(self, index: slice) -> Events: ...
    def __getitem__(self, index: int | slice) -> Event | Events:
        if isinstance(index, slice):
            return Events(self.delays[index], self.datas[index])
        return Event(self.delays[index], self.datas[index])

    def __iter__(self) -> Iterator[Event]:
        return map(_event, zip(self.delays, self.datas, strict=True))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Events):
            return self.delays == other.delays and self.datas == other.datas
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to lists, which are unhashable

    def __repr__(self) -> str:
        return f"Events({list(self)!r})"


_UNSET: Any = object()
_INVALID: Any = object()


class Headers(Mapping[str, str]):
    """Request headers as the client sent them, looked up case-insensitively (a repeated one is
    joined by ``", "``, as httpx does); ``raw`` gives the pairs as sent.

    They are kept as one flat tuple (name, value, name, value...): a recorded request then holds
    two small objects for its headers, not the stack's ``Headers`` with a tuple per header. The
    collector runs less often for it (half the collections over a long run of calls, the GC time per
    call 18 µs -> 9 µs) and the request log is lighter. ``Headers(pairs)`` takes (name, value) pairs
    of bytes (an ASGI scope's ``headers``) or that flat tuple.
    """

    __slots__ = ("_flat", "_map")

    def __init__(self, raw: Sequence[Any] = ()) -> None:
        flat = raw if type(raw) is tuple and (not raw or type(raw[0]) is bytes) else tuple(chain.from_iterable(raw))
        self._flat: tuple[bytes | str, ...] = flat
        self._map: dict[str, str] | None = None

    @classmethod
    def of(cls, headers: Any) -> Headers:
        """The headers of an httpx/httpx2 request (or any mapping, or pairs of bytes or text)."""
        triples = getattr(headers, "_list", None)  # httpx/httpx2: (name, lowered name, value) bytes
        if type(triples) is list and (not triples or len(triples[0]) == 3):
            return cls(tuple(part for name, _, value in triples for part in (name, value)))
        if hasattr(headers, "multi_items"):
            return cls(headers.multi_items())
        return cls(list(headers.items()) if isinstance(headers, Mapping) else headers)

    def _dict(self) -> dict[str, str]:
        found = self._map
        if found is None:
            found = {}
            flat = self._flat
            for index in range(0, len(flat), 2):
                key = _text(flat[index]).lower()
                text = _text(flat[index + 1])
                found[key] = f"{found[key]}, {text}" if key in found else text
            self._map = found
        return found

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """The (name, value) pairs as sent, in order, repeats included."""
        flat = self._flat
        return [(_bytes(flat[index]), _bytes(flat[index + 1])) for index in range(0, len(flat), 2)]

    def multi_items(self) -> list[tuple[str, str]]:
        """(lower-case name, value) for every header as sent, repeats included (httpx's ``multi_items``)."""
        flat = self._flat
        return [(_text(flat[index]).lower(), _text(flat[index + 1])) for index in range(0, len(flat), 2)]

    def __getitem__(self, key: str) -> str:
        return self._dict()[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._dict()

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._dict())

    def __repr__(self) -> str:
        return f"Headers({self._dict()!r})"


def _text(part: str | bytes) -> str:
    return part.decode("latin-1") if isinstance(part, bytes) else part


def _bytes(part: str | bytes) -> bytes:
    return part if isinstance(part, bytes) else part.encode("latin-1")


@dataclass(eq=False, slots=True)
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
    _form_object: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or ``None`` (empty, or not JSON the API would parse). Never raises."""
        if self._json is _UNSET:
            try:
                self._json = parse_json(self.body) if self.body else None
            except Exception:  # anything a client sends must leave the request readable
                self._json = _INVALID
        return None if self._json is _INVALID else self._json

    @property
    def unparseable(self) -> bool:
        """Whether the body is meant as JSON (not a multipart form) but is not JSON the API would parse.

        The API answers such a POST with its 400 "We could not parse the JSON body of your request".
        """
        self.json  # noqa: B018  # parses once
        return self._json is _INVALID and not is_multipart(self.headers.get("content-type") or "")

    @property
    def form(self) -> Form | None:
        """The body as a multipart form (file uploads), or ``None`` when it is not a well-formed one."""
        if self._form is _UNSET:
            self._form = None
            content_type = self.headers.get("content-type")
            if self.body and content_type and is_multipart(content_type):
                from ._multipart import parse

                with contextlib.suppress(Exception):  # a malformed form (MultipartError) or worse: never raises
                    self._form = parse(content_type, self.body)
        return self._form  # type: ignore[no-any-return]

    @property
    def body_object(self) -> dict[str, Any]:
        """The body as a JSON object: the parsed JSON object, a multipart form's fields read back
        into one (``a[b]=1`` -> ``{"a": {"b": "1"}}``), else ``{}``. Do not modify it."""
        data = self.json
        if isinstance(data, dict):
            return data
        if self._form_object is None:
            form = self.form
            self._form_object = form.as_object() if form is not None else {}
        return self._form_object

    @property
    def model(self) -> str | None:
        """The ``model`` the request asked for."""
        model = self.body_object.get("model")
        if model is None and "/deployments/" in self.path:
            model = self.path.split("/deployments/", 1)[1].split("/", 1)[0]
        return model if isinstance(model, str) else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Chat ``messages`` (empty for other endpoints)."""
        messages = self.body_object.get("messages")
        return messages if isinstance(messages, list) else []

    @property
    def stream(self) -> bool:
        """Whether the client asked for a stream."""
        stream = self.body_object.get("stream")  # a multipart form sends "true"
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
        return "\n".join(_texts(self.body_object))

    @property
    def last_user_message(self) -> str | None:
        """Text of the last user message (chat ``messages`` or Responses ``input``)."""
        body = self.body_object
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


def _texts(value: Any, depth: int = MAX_DEPTH) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif depth <= 0:  # bodies are never deeper (parse_json); a Request built by hand may be
        return
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, depth - 1)
    elif isinstance(value, dict):
        for key in ("content", "text", "input", "prompt", "instructions", "messages", "output"):
            if key in value:
                yield from _texts(value[key], depth - 1)


@dataclass(eq=False, slots=True)
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


_DELAY, _DATA = itemgetter(0), itemgetter(1)


def columns(events: Iterable[Event]) -> tuple[list[float], list[bytes]]:
    """The delays and the bytes of ``events`` (as kept, for :class:`Events`; else read once)."""
    if type(events) is Events:
        return events.delays, events.datas
    listed = list(events)
    return list(map(_DELAY, listed)), list(map(_DATA, listed))


def coalesce(events: Iterable[Event]) -> list[Event]:
    """Merge each event that needs no wait into the one before it, as a network would.

    A zero-delay stream becomes a single chunk, so the fake costs no more per event than
    pre-built bytes do.
    """
    delays, datas = columns(events)
    if not any(delays):  # no waits (the usual case): one chunk, joined in C
        return [Event(0.0, b"".join(datas))] if datas else []
    out: list[Event] = []
    pending: list[bytes] = []
    delay = 0.0
    for wait, data in zip(delays, datas, strict=True):
        if wait > 0 and pending:
            out.append(Event(delay, b"".join(pending)))
            pending = []
            delay = wait
        elif wait > 0:
            delay = wait
        pending.append(data)
    if pending:
        out.append(Event(delay, b"".join(pending)))
    return out


@dataclass(eq=False)
class Forward(Response):
    """The core's answer when a cassette records: "ask the upstream". Realised by the edge
    (``_upstream``), which sends the request on, hands the real answer to the client and gives
    ``cassette`` the recording."""

    cassette: Any = None
    request: Request | None = None
