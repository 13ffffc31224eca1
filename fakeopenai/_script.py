"""Choosing the answer to a request: failure rates, queued answers, rules, a responder, the default.

Separate from rendering: this module decides *which* :class:`Reply` or :class:`Failure` answers a
request; the endpoints decide how it looks on the wire.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from ._errors import Failure
from ._limits import count
from ._reply import Reply
from ._wire import Request

__all__ = ["Answer", "Match", "Pending", "Responder", "Script"]

Answer = Reply | Failure
#: A function that builds the answer from the request; ``None`` passes to the next source.
Responder = Callable[[Request], Reply | Failure | str | None]


@dataclass(frozen=True)
class Match:
    """Which requests an answer applies to.

    ``model``, ``endpoint``: exact or glob (``"gpt-4o*"``); ``contains``: a substring of the text the
    client sent (messages, input, prompt); ``where``: any predicate. With no ``endpoint`` only
    generation requests (chat completions, responses, completions) match.
    """

    model: str | None = None
    contains: str | None = None
    endpoint: str | None = None
    where: Callable[[Request], bool] | None = None

    def __call__(self, request: Request, generates: bool) -> bool:
        if self.endpoint is None:
            if not generates:
                return False
        elif not fnmatch.fnmatchcase(request.endpoint, self.endpoint):
            return False
        if self.model is not None and not fnmatch.fnmatchcase(request.model or "", self.model):
            return False
        if self.contains is not None and self.contains not in request.text:
            return False
        return self.where is None or self.where(request)


ANY = Match()


class _Entry:
    __slots__ = ("answer", "match", "times")

    def __init__(self, answer: Answer | Responder, match: Match, times: int | None) -> None:
        if times is not None:
            count(times, "times", minimum=1)
        self.answer = answer
        self.match = match
        self.times = times


class _Rate:
    """A failure for a seeded random share of the requests a match accepts."""

    __slots__ = ("failure", "match", "random", "rate")

    def __init__(self, rate: float, failure: Failure, match: Match, seed: int | str) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, not {rate!r}")
        self.rate = rate
        self.failure = failure
        self.match = match
        self.random = random.Random(seed)


def resolve(answer: Answer | Responder, request: Request) -> Answer | None:
    """An answer, or what a responder makes of the request (``None`` when it declines)."""
    if isinstance(answer, (Reply, Failure)):
        return answer
    made = answer(request)
    if isinstance(made, str):
        return Reply(made)
    if made is None or isinstance(made, (Reply, Failure)):
        return made
    raise TypeError(f"a responder must return a Reply, a Failure, a str or None, not {type(made).__name__}")


class Pending(Sequence[Answer | Responder]):
    """Queued answers, each once per remaining use, held as (answer, count) runs.

    A sequence (``len``, indexing, iteration, ``==`` with a list) that never expands the counts, so
    ``fake.reply("x", times=10**9)`` costs one entry, not a billion.
    """

    __slots__ = ("_len", "_runs")

    def __init__(self, runs: list[tuple[Answer | Responder, int]]) -> None:
        self._runs = runs
        self._len = sum(times for _, times in runs)

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> Answer | Responder: ...
    @overload
    def __getitem__(self, index: slice) -> list[Answer | Responder]: ...
    def __getitem__(self, index: int | slice) -> Answer | Responder | list[Answer | Responder]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        position = index + self._len if index < 0 else index
        if not 0 <= position < self._len:
            raise IndexError("pending index out of range")
        for answer, times in self._runs:
            if position < times:
                return answer
            position -= times
        raise IndexError("pending index out of range")  # pragma: no cover

    def __iter__(self) -> Iterator[Answer | Responder]:
        for answer, times in self._runs:
            for _ in range(times):
                yield answer

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Pending):
            return self._runs == other._runs
        if not isinstance(other, (list, tuple)) or len(other) != self._len:
            return False
        return all(mine == theirs for mine, theirs in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = (repr(answer) if times == 1 else f"{answer!r} x{times}" for answer, times in self._runs)
        return "[" + ", ".join(shown) + "]"


class Script:
    """The selection chain, safe across threads and asyncio tasks.

    Failure rates come first: each request a rate's match accepts draws the rate's next random number
    and fails when it falls below the rate (so nothing queued is consumed by it). Then queued answers
    are consumed first in, first out (the first one whose match accepts the request); then persistent
    rules, in the order they were added; then the responder function.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rates: list[_Rate] = []
        self._queue: deque[_Entry] = deque()
        self._rules: list[_Entry] = []
        self.responder: Responder | None = None

    def enqueue(self, answer: Answer | Responder, match: Match = ANY, times: int = 1) -> None:
        with self._lock:
            self._queue.append(_Entry(answer, match, times))

    def add_rule(self, answer: Answer | Responder, match: Match, times: int | None = None) -> None:
        with self._lock:
            self._rules.append(_Entry(answer, match, times))

    def add_rate(self, rate: float, failure: Failure, match: Match, seed: int | str) -> None:
        """Fail a ``rate`` share of the matching requests, drawn from ``random.Random(seed)``."""
        entry = _Rate(rate, failure, match, seed)
        with self._lock:
            self._rates.append(entry)

    def clear_rates(self) -> int:
        """Remove every failure rate (queue and rules stay); how many there were."""
        with self._lock:
            count = len(self._rates)
            self._rates.clear()
            return count

    def clear(self) -> None:
        with self._lock:
            self._rates.clear()
            self._queue.clear()
            self._rules.clear()
            self.responder = None

    @property
    def pending(self) -> Pending:
        """Queued answers not yet consumed, in order (repeated ones once per remaining use)."""
        with self._lock:
            return Pending([(entry.answer, entry.times or 1) for entry in self._queue])

    def pending_count(self) -> int:
        """How many uses of queued answers remain (``len(pending)``)."""
        with self._lock:
            return sum(entry.times or 1 for entry in self._queue)

    def entries(self) -> dict[str, list[tuple[Any, Match, Any]]]:
        """A snapshot for display (the server's inspector): ``queue`` and ``rules`` as ``(answer, match,
        times left or None)``, ``rates`` as ``(failure, match, rate)``."""
        with self._lock:
            return {
                "queue": [(entry.answer, entry.match, entry.times) for entry in self._queue],
                "rules": [(entry.answer, entry.match, entry.times) for entry in self._rules],
                "rates": [(rate.failure, rate.match, rate.rate) for rate in self._rates],
            }

    def take(self, request: Request, generates: bool, responder: bool = True) -> Answer | None:
        """The answer for ``request``, consuming it if queued; ``None`` when nothing applies.

        ``responder=False`` leaves the responder out (a cassette answers before it).
        """
        responds = responder and generates and self.responder is not None
        if not self._queue and not self._rules and not self._rates and not responds:
            return None  # the common case, without the lock
        with self._lock:
            for rate in self._rates:
                if rate.match(request, generates) and rate.random.random() < rate.rate:
                    return rate.failure
            chosen = self._pick(self._queue, request, generates, remove_when_done=True)
            if chosen is None:
                chosen = self._pick(self._rules, request, generates, remove_when_done=True)
        if chosen is not None:
            answer = resolve(chosen, request)
            if answer is not None:
                return answer
        if responds and self.responder is not None:
            return resolve(self.responder, request)
        return None

    @staticmethod
    def _pick(
        entries: deque[_Entry] | list[_Entry], request: Request, generates: bool, remove_when_done: bool
    ) -> Answer | Responder | None:
        for entry in entries:
            if entry.match(request, generates):
                if entry.times is not None:
                    entry.times -= 1
                    if entry.times == 0 and remove_when_done:
                        entries.remove(entry)
                return entry.answer
        return None
