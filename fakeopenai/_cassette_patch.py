"""``fakeopenai.cassette(path)``: :func:`~fakeopenai.patch` with a fake that replays (and records) a file."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import ContextDecorator
from typing import Any

from ._cassette import DEFAULT_IGNORE, DEFAULT_MATCH_ON, Cassette, Mode
from ._cassette_file import Redaction
from ._fake import FakeOpenAI
from ._patch import _Patch
from ._recording import Recording

__all__ = ["cassette", "force_mode"]

#: The mode the pytest option (``--fakeopenai-record``) imposes on every cassette, when given.
_forced: list[Mode] = []


def force_mode(mode: Mode | None) -> None:
    """Make every cassette opened from now on use ``mode`` (``None``: their own again)."""
    _forced[:] = [mode] if mode is not None else []


class _Cassette(ContextDecorator):
    def __init__(self, path: str | os.PathLike[str], fake: FakeOpenAI | None, base_url: Any, options: dict[str, Any]):
        self._path = path
        self._fake = fake
        self._base_url = base_url
        self._options = options
        self._patch: _Patch | None = None
        self._previous: Cassette | None = None
        #: The cassette in use inside the block.
        self.cassette: Cassette | None = None

    def __enter__(self) -> FakeOpenAI:
        options = dict(self._options)
        if _forced:
            options["record"] = _forced[0]
        elif options.get("record") is None:
            options["record"] = "once"
        self.cassette = Cassette(self._path, **options)
        fake = self._fake if self._fake is not None else FakeOpenAI()
        self._previous, fake.cassette = fake.cassette, self.cassette
        self._patch = _Patch(fake, self._base_url)
        return self._patch.__enter__()

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self.close(check=exc_type is None)

    def close(self, check: bool = True) -> None:
        """Unpatch, write what was recorded, and (``check``) raise :class:`CassetteMiss` for misses."""
        assert self._patch is not None
        assert self.cassette is not None
        self._patch.__exit__(None, None, None)
        self._patch.fake.cassette = self._previous
        self.cassette.save()
        if check:
            self.cassette.check()


def cassette(
    path: str | os.PathLike[str],
    *,
    record: Mode | None = None,
    upstream: Any = None,
    speed: float = 0.0,
    match_on: Sequence[str] = DEFAULT_MATCH_ON,
    ignore: Sequence[str] = DEFAULT_IGNORE,
    allow_repeats: bool = False,
    redact_headers: Iterable[str] = (),
    redact_fields: Iterable[str] = (),
    redact_text: Iterable[str | re.Pattern[str]] = (),
    before_record: Callable[[Recording], Recording | None] | None = None,
    fake: FakeOpenAI | None = None,
    base_url: str | Iterable[str] | None = None,
) -> _Cassette:
    """Replay (and record) the OpenAI traffic of a ``with`` block from the cassette file ``path``.

    Like :func:`~fakeopenai.patch`, it yields the fake (``fake.cassette`` is the
    :class:`~fakeopenai.Cassette`); scripted answers, faults and rate limits still apply first.
    ``record``: ``"once"`` (default: record when the file does not exist, else replay only),
    ``"none"``, ``"new"`` or ``"all"``; the pytest option ``--fakeopenai-record`` overrides it.
    ``upstream``: where recording sends requests (default: where they were sent, e.g.
    ``https://api.openai.com/v1``; or a base URL; or a :class:`FakeOpenAI`). ``speed``: replay
    delays scaled (0, the default: none; 1: as recorded). ``match_on``, ``ignore``,
    ``allow_repeats``: when a request replays a recording. ``redact_headers``, ``redact_fields``,
    ``redact_text``, ``before_record``: what else never reaches the file (secret headers and the
    API key never do). On exit the file is written when something was recorded, and
    :class:`~fakeopenai.CassetteMiss` is raised when a request found no recording.
    """
    redaction = Redaction(tuple(redact_headers), tuple(redact_fields), tuple(redact_text), before_record)
    options = {
        "record": record,
        "upstream": upstream,
        "speed": speed,
        "match_on": match_on,
        "ignore": ignore,
        "allow_repeats": allow_repeats,
        "redaction": redaction,
    }
    return _Cassette(path, fake, base_url, options)
