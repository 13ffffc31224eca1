"""Cassette files: recordings to YAML (or JSON) made for people, and back, exact to the byte.

JSON bodies are stored as data, not as escaped strings, together with the way they were written
(``json_format``) when that was not compact, so the bytes come back the same; a body that JSON
cannot give back exactly is kept as text, a binary one as base64 with its digest. A stream is a list
of events, each with the delay since the one before. vcrpy / pytest-recording cassettes are read
too (streams split into events). :class:`Redaction` decides what never reaches the file.
PyYAML is imported only when a YAML file is read or written.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ._recording import Recording, split_events
from ._wire import Event

__all__ = ["FORMAT", "SECRET_HEADERS", "VERSION", "CassetteFormatError", "Redaction", "load", "save"]

FORMAT = "fakeopenai-cassette"
VERSION = 1

#: Headers removed from every recording, request and answer alike.
SECRET_HEADERS = ("authorization", "api-key", "openai-organization", "openai-project", "cookie", "set-cookie")
#: Request headers that say how a client sent, not what it asked: left out of the file.
_NOISE = ("content-length", "host", "connection", "accept-encoding", "user-agent", "x-stainless-")
#: Answer headers of one connection (the body is stored decoded, its length is the body's).
_HOP = ("content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive")
REDACTED = "REDACTED"


class _Flow(dict[str, Any]):
    """A mapping written on one line (each event of a stream: one line, one diff hunk)."""


class CassetteFormatError(ValueError):
    """A cassette file this version cannot read."""


# -- JSON bodies as data, given back byte for byte ---------------------------------------------------

_STYLES: dict[str, dict[str, Any]] = {
    "compact": {"separators": (",", ":")},
    "pretty": {"indent": 2, "separators": (",", ": ")},
    "spaced": {"separators": (", ", ": ")},
}


def encode_json(value: Any, style: str = "compact") -> bytes:
    """``value`` written in ``style``: ``compact``/``pretty``/``spaced``, plus `` ascii``, `` newline``."""
    base, *flags = style.split()
    text = json.dumps(value, ensure_ascii="ascii" in flags, **_STYLES[base])
    return (text + "\n" if "newline" in flags else text).encode()


def json_style(raw: bytes, prefer: str | None = None) -> tuple[Any, str] | None:
    """(data, style) when ``raw`` is a JSON object or array that ``encode_json`` gives back exactly."""
    if not raw or raw[:1] not in b"{[":
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    candidates = [prefer] if prefer else []
    newline = " newline" if raw.endswith(b"\n") else ""
    guess = "pretty" if raw[1:2] == b"\n" else "spaced" if b'": ' in raw else "compact"
    for base in (guess, *(name for name in _STYLES if name != guess)):
        candidates += [base + newline, base + " ascii" + newline]
    for style in candidates:
        if encode_json(value, style) == raw:
            return value, style
    return None


def _body_doc(raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    found = json_style(raw)
    if found is not None:
        value, style = found
        return {"json": value} if style == "compact" else {"json": value, "json_format": style}
    try:
        return {"text": raw.decode()}
    except UnicodeDecodeError:
        return {"binary": _binary_doc(raw)}


def _binary_doc(raw: bytes) -> dict[str, Any]:
    return {"size": len(raw), "sha256": hashlib.sha256(raw).hexdigest(), "base64": base64.b64encode(raw).decode()}


def _body_bytes(doc: dict[str, Any]) -> bytes:
    if "json" in doc:
        return encode_json(doc["json"], doc.get("json_format", "compact"))
    if "text" in doc:
        return str(doc["text"]).encode()
    if "binary" in doc:
        binary = doc["binary"]
        raw = base64.b64decode(binary["base64"])
        if "sha256" in binary and hashlib.sha256(raw).hexdigest() != binary["sha256"]:
            raise CassetteFormatError("a binary body does not match its sha256 digest")
        return raw
    return b""


_EVENT = re.compile(rb"(?:event: ([^\r\n]*)\n)?data: ([^\r\n]*)\n\n", re.DOTALL)


def _event_doc(event: Event, style: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"delay": round(event.delay, 6)}
    found = _EVENT.fullmatch(event.data)
    if found is not None:
        name, payload = found.groups()
        data: Any = None
        parsed = json_style(payload, prefer=style)
        if parsed is not None and parsed[1] == style:
            data = parsed[0]
        else:  # text as sent ([DONE], or JSON written some other way): given back verbatim
            with contextlib.suppress(UnicodeDecodeError):
                data = payload.decode()
        if data is not None:
            if name is not None:
                doc["event"] = name.decode()
            doc["data"] = data
            return doc
    try:
        doc["raw"] = event.data.decode()
    except UnicodeDecodeError:
        doc["binary"] = _binary_doc(event.data)
    return doc


def _event_bytes(doc: dict[str, Any], style: str) -> Event:
    delay = float(doc.get("delay", 0.0))
    if "raw" in doc:
        return Event(delay, str(doc["raw"]).encode())
    if "binary" in doc:
        return Event(delay, _body_bytes(doc))
    data = doc.get("data")
    payload = data.encode() if isinstance(data, str) else encode_json(data, style)
    name = doc.get("event")
    head = b"event: " + str(name).encode() + b"\n" if name is not None else b""
    return Event(delay, head + b"data: " + payload + b"\n\n")


def _stream_style(events: Sequence[Event]) -> str:
    for event in events:
        found = _EVENT.fullmatch(event.data)
        if found is not None:
            parsed = json_style(found.group(2))
            if parsed is not None:
                return parsed[1]
    return "compact"


# -- headers -------------------------------------------------------------------------------------


def _headers_doc(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for name, value in pairs:
        if name in doc:
            doc[name] = [*doc[name], value] if isinstance(doc[name], list) else [doc[name], value]
        else:
            doc[name] = value
    return doc


def _header_pairs(doc: Any) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, value in (doc or {}).items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((str(name).lower(), str(one)))
    return pairs


def keep_request_header(name: str) -> bool:
    """Whether a request header belongs in a cassette (not a secret, not how the client sent)."""
    name = name.lower()
    return name not in SECRET_HEADERS and not name.startswith(_NOISE)


def keep_response_header(name: str) -> bool:
    """Whether an answer header belongs in a cassette."""
    name = name.lower()
    return name not in SECRET_HEADERS and name not in _HOP


# -- documents -----------------------------------------------------------------------------------


def to_document(recordings: Iterable[Recording]) -> dict[str, Any]:
    """The cassette as plain data, keys in a fixed order."""
    return {"format": FORMAT, "version": VERSION, "recordings": [_recording_doc(one) for one in recordings]}


def _recording_doc(recording: Recording) -> dict[str, Any]:
    request: dict[str, Any] = {"method": recording.method, "url": recording.url}
    if recording.request_headers:
        request["headers"] = dict(recording.request_headers)
    request.update(_body_doc(recording.request_body))
    response: dict[str, Any] = {"status": recording.status, "headers": _headers_doc(recording.headers)}
    response["delay"] = round(recording.delay, 6)
    if recording.events is not None:
        style = _stream_style(recording.events)
        if style != "compact":
            response["json_format"] = style
        response["events"] = [_Flow(_event_doc(event, style)) for event in recording.events]
    else:
        response.update(_body_doc(recording.body))
    if recording.then != "close":
        response["then"] = recording.then
    return {"request": request, "response": response}


def from_document(doc: Any) -> list[Recording]:
    """Recordings from a cassette document: this format, or vcrpy's (pytest-recording's)."""
    if isinstance(doc, dict) and doc.get("format") == FORMAT:
        if doc.get("version") != VERSION:
            raise CassetteFormatError(f"cassette version {doc.get('version')!r}: this fakeopenai reads version 1")
        return [_recording(item) for item in doc.get("recordings") or []]
    if isinstance(doc, dict) and "interactions" in doc:
        return [one for item in doc["interactions"] or [] if (one := _from_vcr(item)) is not None]
    raise CassetteFormatError("not a cassette: expected a fakeopenai cassette or a vcrpy one")


def _recording(item: dict[str, Any]) -> Recording:
    request, response = item["request"], item["response"]
    events = None
    if "events" in response:
        style = response.get("json_format", "compact")
        events = [_event_bytes(event, style) for event in response["events"] or []]
    return Recording(
        str(request["method"]).upper(),
        str(request["url"]),
        {str(name).lower(): str(value) for name, value in (request.get("headers") or {}).items()},
        _body_bytes(request),
        int(response["status"]),
        _header_pairs(response.get("headers")),
        b"" if events is not None else _body_bytes(response),
        events,
        float(response.get("delay", 0.0)),
        "drop" if response.get("then") == "drop" else "close",
    )


def _vcr_body(body: Any) -> bytes:
    if isinstance(body, dict):
        body = body.get("string")
    if body is None:
        return b""
    return body if isinstance(body, bytes) else str(body).encode()


def _from_vcr(item: dict[str, Any]) -> Recording | None:
    request, response = item.get("request") or {}, item.get("response") or {}
    if not request.get("uri"):
        return None
    headers = _header_pairs({str(k).lower(): v for k, v in (response.get("headers") or {}).items()})
    body = _vcr_body(response.get("body"))
    encoding = next((value.lower() for name, value in headers if name == "content-encoding"), "")
    if encoding in ("gzip", "deflate") and body:
        body = zlib.decompress(body, 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
    elif encoding not in ("", "identity"):
        raise CassetteFormatError(f"a vcrpy body encoded as {encoding!r} cannot be read: record it again")
    content_type = next((value for name, value in headers if name == "content-type"), "")
    status = response.get("status") or {}
    request_headers = _header_pairs(request.get("headers"))
    return Recording(
        str(request.get("method", "GET")).upper(),
        str(request["uri"]),
        {name: value for name, value in request_headers if keep_request_header(name)},
        _vcr_body(request.get("body")),
        int(status.get("code", 200) if isinstance(status, dict) else status),
        [(name, value) for name, value in headers if keep_response_header(name)],
        b"" if content_type.startswith("text/event-stream") else body,
        split_events([(0.0, body)]) if content_type.startswith("text/event-stream") else None,
    )


# -- files ---------------------------------------------------------------------------------------


def _yaml() -> Any:
    try:
        import yaml  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        raise ImportError(
            "YAML cassettes need PyYAML: pip install 'pytest-fakeopenai[cassettes]' (or name the file .json)"
        ) from None
    return yaml


def load(path: str | os.PathLike[str]) -> list[Recording]:
    """The recordings of a cassette file (YAML, or JSON when the name ends in ``.json``)."""
    text = Path(path).read_text(encoding="utf-8")
    if str(path).endswith(".json"):
        doc = json.loads(text)
    else:
        yaml = _yaml()
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if doc is None:
        return []
    return from_document(doc)


def save(path: str | os.PathLike[str], recordings: Iterable[Recording]) -> None:
    """Write a cassette file (atomically: a reader never sees half of it)."""
    doc = to_document(recordings)
    target = Path(path)
    json_file = str(path).endswith(".json")
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n" if json_file else _dump_yaml(doc)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(target.name + ".tmp")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, target)


def _dump_yaml(doc: Any) -> str:
    yaml = _yaml()

    class Dumper(yaml.SafeDumper):  # type: ignore[name-defined, misc]
        pass

    def text(dumper: Any, value: str) -> Any:
        style = "|" if "\n" in value and len(value) > 1 else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    def flow(dumper: Any, value: _Flow) -> Any:
        return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)

    Dumper.add_representer(str, text)
    Dumper.add_representer(_Flow, flow)
    return str(yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=1_000_000))


# -- redaction -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redaction:
    """What never reaches a cassette.

    The :data:`SECRET_HEADERS` always go, and every secret the client sent in them (the API key)
    is replaced by ``REDACTED`` wherever else it appears. ``headers`` removes more headers;
    ``fields`` replaces the values of JSON fields of that name (at any depth, in requests and
    answers); ``patterns`` (regular expressions) replace matching text anywhere; ``hook`` gets each
    :class:`~fakeopenai.Recording` last and returns it (changed as it likes), or ``None`` to drop it.
    """

    headers: Sequence[str] = ()
    fields: Sequence[str] = ()
    patterns: Sequence[str | re.Pattern[str]] = ()
    hook: Callable[[Recording], Recording | None] | None = None
    _compiled: list[re.Pattern[str]] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._compiled.extend(re.compile(pattern) for pattern in self.patterns)

    def apply(self, recording: Recording, secrets: Iterable[str] = ()) -> Recording | None:
        """``recording`` as it may be stored (a new object), or ``None`` when the hook drops it."""
        drop = {name.lower() for name in (*SECRET_HEADERS, *self.headers)}
        secret_bytes = [secret.encode() for secret in secrets if len(secret) >= 8]
        recording = replace(
            recording,
            url=self._text(recording.url, secret_bytes),
            request_headers={
                name: self._text(value, secret_bytes)
                for name, value in recording.request_headers.items()
                if name.lower() not in drop
            },
            request_body=self._body(recording.request_body, secret_bytes),
            headers=[
                (name, self._text(value, secret_bytes)) for name, value in recording.headers if name.lower() not in drop
            ],
            body=self._body(recording.body, secret_bytes),
            events=None
            if recording.events is None
            else [Event(delay, self._body(data, secret_bytes, event=True)) for delay, data in recording.events],
        )
        return self.hook(recording) if self.hook is not None else recording

    def _text(self, value: str, secrets: list[bytes]) -> str:
        for secret in secrets:
            value = value.replace(secret.decode(), REDACTED)
        for pattern in self._compiled:
            value = pattern.sub(REDACTED, value)
        return value

    def _body(self, raw: bytes, secrets: list[bytes], event: bool = False) -> bytes:
        for secret in secrets:
            raw = raw.replace(secret, REDACTED.encode())
        if self.fields and raw:
            if event:
                found = _EVENT.fullmatch(raw)
                if found is not None:
                    start, end = found.span(2)
                    raw = raw[:start] + self._fields(raw[start:end]) + raw[end:]
            else:
                raw = self._fields(raw)
        if self._compiled and raw:
            with contextlib.suppress(UnicodeDecodeError):
                raw = self._text(raw.decode(), []).encode()
        return raw

    def _fields(self, raw: bytes) -> bytes:
        found = json_style(raw)
        if found is None:
            return raw
        value, style = found
        names = set(self.fields)

        def scrub(node: Any) -> Any:
            if isinstance(node, dict):
                return {key: REDACTED if key in names else scrub(item) for key, item in node.items()}
            if isinstance(node, list):
                return [scrub(item) for item in node]
            return node

        return encode_json(scrub(value), style)
