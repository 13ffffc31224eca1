"""Cassettes: recorded traffic as one more source of answers for the core.

The core asks the fake's cassette (``state.cassette``) before it routes a request. Scripted answers
(failure rates, queued answers, rules) still come first; then the first unplayed recording that
matches; then, when the cassette records, a :class:`~fakeopenai._wire.Forward` that the edge sends
to the upstream (recording is I/O, so it happens there); otherwise an error naming the closest
recording and how it differs. Rate limits, checked before the core, apply to replays too.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ._cassette_file import Redaction, load, save
from ._core import normalize
from ._errors import APIError
from ._recording import Recording
from ._wire import Forward, Request, Response

if TYPE_CHECKING:
    from ._script import Script

__all__ = ["DEFAULT_IGNORE", "DEFAULT_MATCH_ON", "MODES", "Cassette", "CassetteMiss", "Mode"]

Mode = Literal["none", "once", "new", "all"]
MODES: tuple[Mode, ...] = ("none", "once", "new", "all")
#: Body fields left out of matching: they change from run to run without changing the question.
DEFAULT_IGNORE = ("user", "metadata", "stream_options", "seed", "safety_identifier", "prompt_cache_key")
#: What a request must share with a recording to replay it.
DEFAULT_MATCH_ON = ("method", "endpoint", "query", "body")

_BOUNDARY = re.compile(rb"boundary=([^\s;]+)")


class CassetteMiss(AssertionError):
    """Requests a replay-only cassette had no recording for (raised when the cassette is closed)."""


class Cassette:
    """Recorded answers, replayed in the order they were recorded; optionally recording more.

    ``record``: ``"none"`` replays only (a request with no recording gets an error, and the
    cassette raises :class:`CassetteMiss` when closed); ``"once"`` (default) records everything when
    the file does not exist yet, else replays only; ``"new"`` replays what it has and records what
    it lacks; ``"all"`` records everything again. ``upstream`` is where recording sends requests:
    a base URL (``https://api.openai.com/v1``), a :class:`~fakeopenai.FakeOpenAI`, or ``None`` for
    the URL each request was sent to. ``speed`` scales the recorded delays on replay (0: none,
    1: as recorded). ``match_on`` and ``ignore`` (body fields, ``a.b`` for nested ones) say when a
    request matches a recording; ``allow_repeats`` lets the last matching recording answer again
    once all were played. ``redaction`` says what never reaches the file (see
    :class:`~fakeopenai._cassette_file.Redaction`); secret headers never do.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        record: Mode = "once",
        upstream: Any = None,
        speed: float = 0.0,
        match_on: Sequence[str] = DEFAULT_MATCH_ON,
        ignore: Sequence[str] = DEFAULT_IGNORE,
        allow_repeats: bool = False,
        redaction: Redaction | None = None,
        autosave: bool = False,
        recordings: Iterable[Recording] = (),
    ) -> None:
        if record not in MODES:
            raise ValueError(f"record must be one of {', '.join(MODES)}, not {record!r}")
        if speed < 0:
            raise ValueError("speed must not be negative")
        unknown = set(match_on) - set(DEFAULT_MATCH_ON)
        if unknown:
            raise ValueError(f"match_on takes {', '.join(DEFAULT_MATCH_ON)}, not {', '.join(sorted(unknown))}")
        self.path = Path(path) if path is not None else None
        exists = self.path is not None and self.path.exists()
        #: The mode in force: ``"once"`` resolves to ``"none"`` or ``"all"`` by the file's presence.
        self.mode: Mode = ("none" if exists or self.path is None else "all") if record == "once" else record
        self.upstream = upstream
        self.speed = speed
        self.match_on = tuple(match_on)
        self.ignore = tuple(ignore)
        self.allow_repeats = allow_repeats
        self.redaction = redaction or Redaction()
        self.autosave = autosave
        loaded = load(self.path) if exists and self.mode != "all" and self.path is not None else []
        #: Every recording, in order: those read from the file, then those recorded since.
        self.recordings: list[Recording] = [*loaded, *recordings]
        #: Recordings made since the cassette was opened.
        self.recorded: list[Recording] = []
        #: One line per request that found no recording while the cassette could not record.
        self.misses: list[str] = []
        self._played: set[int] = set()
        self._lock = threading.Lock()

    @property
    def records(self) -> bool:
        """Whether requests with no recording go to the upstream (modes ``new`` and ``all``)."""
        return self.mode in ("new", "all")

    # -- the core's side: which answer ------------------------------------------------------------

    def answer(self, script: Script, request: Request, routed: bool, generates: bool) -> Response | None:
        """The answer to ``request``, or ``None`` when a scripted answer takes it (left on
        ``request.answer`` for the endpoint). Raises :class:`~fakeopenai.APIError` on a miss."""
        if routed:
            taken = script.take(request, generates, responder=False)
            if taken is not None:
                request.answer = taken
                return None
        if self.mode != "all":
            recording = self.find(request)
            if recording is not None:
                request.answer = recording
                return recording.response(self.speed)
        if self.records:
            return Forward(0, [], cassette=self, request=request)
        message = self.explain(request)
        with self._lock:
            self.misses.append(message)
        raise APIError(500, message, type="server_error", code="cassette_miss", headers={"x-should-retry": "false"})

    def find(self, request: Request) -> Recording | None:
        """The first unplayed recording matching ``request`` (marked played), or ``None``."""
        key = self._key(request.method, request.endpoint or normalize(request.path), request.query, request)
        with self._lock:
            last = None
            for index, recording in enumerate(self.recordings):
                if self._recording_key(recording) == key:
                    if index not in self._played:
                        self._played.add(index)
                        return recording
                    last = recording
            return last if self.allow_repeats else None

    def explain(self, request: Request) -> str:
        """Why ``request`` has no recording: the closest one and how it differs."""
        endpoint = request.endpoint or normalize(request.path)
        where = f"fakeopenai cassette {self.path}" if self.path is not None else "the fakeopenai cassette"
        head = f"{where} has no recording of {request.method} {endpoint} (record mode {self.mode!r})"
        if self.path is not None and not self.path.exists() and not self.recordings:
            return f"{head}: the file does not exist; record it with record='once' (--fakeopenai-record=once)"
        sent = self._key(request.method, endpoint, request.query, request)
        best: tuple[int, int, list[str]] | None = None
        for index, recording in enumerate(self.recordings):
            recorded = self._recording_key(recording)
            if recorded == sent:
                count = sum(1 for other in self.recordings if self._recording_key(other) == sent)
                return f"{head}: its {count} matching recording(s) already replayed (allow_repeats=True replays again)"
            differences = [line.removeprefix("body.") for line in _differences(recorded, sent)]
            score = sum(100 if d.startswith(("method", "endpoint")) else 1 for d in differences)
            if best is None or score < best[0]:
                best = (score, index, differences)
        if best is None:
            return f"{head}: the cassette is empty; record with record='new' (--fakeopenai-record=new)"
        _, index, differences = best
        shown = "; ".join(differences[:3]) + (f"; and {len(differences) - 3} more" if len(differences) > 3 else "")
        return (
            f"{head}. Closest: recording #{index + 1} ({self.recordings[index].method} "
            f"{normalize(self.recordings[index].path)}), which differs in {shown}. "
            "Record it with record='new' (--fakeopenai-record=new)."
        )

    # -- the edge's side: new recordings ------------------------------------------------------------

    def add(self, recording: Recording, secrets: Iterable[str] = ()) -> Recording | None:
        """Keep a recording the edge made (redacted first; ``None`` when the redaction hook drops it)."""
        kept = self.redaction.apply(recording, secrets)
        if kept is None:
            return None
        with self._lock:
            self._played.add(len(self.recordings))
            self.recordings.append(kept)
            self.recorded.append(kept)
        if self.autosave:
            self.save()
        return kept

    def save(self) -> None:
        """Write the file when something was recorded (mode ``all``: only what was recorded now)."""
        if self.path is None or not self.recorded:
            return
        with self._lock:
            recordings = list(self.recorded if self.mode == "all" else self.recordings)
        save(self.path, recordings)

    def rewind(self) -> None:
        """Replay from the start again: every recording unplayed, no misses (``fake.reset()`` does this)."""
        with self._lock:
            self._played.clear()
            self.misses.clear()

    def check(self) -> None:
        """Raise :class:`CassetteMiss` if a request found no recording."""
        if self.misses:
            raise CassetteMiss("\n".join(self.misses))

    # -- matching -----------------------------------------------------------------------------------

    def _key(self, method: str, endpoint: str, query: Any, source: Request | Recording) -> dict[str, Any]:
        key: dict[str, Any] = {}
        if "method" in self.match_on:
            key["method"] = method.upper()
        if "endpoint" in self.match_on:
            key["endpoint"] = endpoint
        if "query" in self.match_on:
            key["query"] = {name: query[name] for name in query}
        if "body" in self.match_on:
            key["body"] = self._body(source)
        return key

    def _recording_key(self, recording: Recording) -> dict[str, Any]:
        cache = recording._keys
        marker = (self.match_on, self.ignore)
        key = cache.get(marker)
        if key is None:
            key = cache[marker] = self._key(recording.method, normalize(recording.path), recording.query, recording)
        return key

    def _body(self, source: Request | Recording) -> Any:
        if isinstance(source, Request):
            data, raw, content_type = source.json, source.body, source.headers.get("content-type", "")
        else:
            data, raw = source.json, source.request_body
            content_type = source.request_headers.get("content-type", "")
        if isinstance(data, (dict, list)):
            return _without(data, self.ignore) if isinstance(data, dict) else data
        found = _BOUNDARY.search(content_type.encode())
        if found is not None:  # a multipart boundary is random: compare the parts, not the boundary
            return raw.replace(found.group(1), b"BOUNDARY")
        return raw


def _without(body: dict[str, Any], ignore: Sequence[str]) -> dict[str, Any]:
    out = dict(body)
    for path in ignore:
        head, _, rest = path.partition(".")
        if head not in out:
            continue
        if rest and isinstance(out[head], dict):
            out[head] = _without(out[head], [rest])
        elif not rest:
            del out[head]
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _differences(recorded: Any, sent: Any, path: str = "") -> list[str]:
    """Where ``sent`` differs from ``recorded``: ``path: recorded X, sent Y`` lines."""
    if isinstance(recorded, dict) and isinstance(sent, dict):
        out: list[str] = []
        for name in [*recorded, *(name for name in sent if name not in recorded)]:
            where = f"{path}.{name}" if path else str(name)
            if name not in sent:
                out.append(f"{where}: recorded {_short(recorded[name])}, not sent")
            elif name not in recorded:
                out.append(f"{where}: sent {_short(sent[name])}, not recorded")
            else:
                out += _differences(recorded[name], sent[name], where)
        return out
    if isinstance(recorded, list) and isinstance(sent, list) and len(recorded) == len(sent):
        pairs = enumerate(zip(recorded, sent, strict=True))
        return [line for i, (a, b) in pairs for line in _differences(a, b, f"{path}[{i}]")]
    if isinstance(recorded, list) and isinstance(sent, list):
        return [f"{path or 'body'}: recorded {len(recorded)} items, sent {len(sent)}"]
    if recorded != sent:
        return [f"{path or 'body'}: recorded {_short(recorded)}, sent {_short(sent)}"]
    return []
