"""Lifecycles of stateful objects (a batch, a fine-tuning job, a file being ingested).

A :class:`Progress` walks an object through its statuses. By default it moves one status each time
the object is read (a polling loop runs and finishes, and no test sleeps); given durations, it moves
on the fake's clock instead (``fake.lifecycle("batch", in_progress=60)`` and a
:class:`~fakeopenai.ManualClock` to advance). It never reads a clock of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

__all__ = ["Progress"]


class Progress:
    """Where an object is among ``statuses`` (the last is terminal) and when it entered each one.

    ``durations`` maps a status to the seconds spent in it; ``None`` means one status per
    :meth:`read`. A status without a duration is left at the next read.
    """

    __slots__ = ("_clock", "_durations", "entered", "index", "statuses", "stopped")

    def __init__(
        self,
        statuses: Sequence[str],
        clock: Callable[[], float],
        durations: Mapping[str, float] | None = None,
    ) -> None:
        self.statuses = tuple(statuses)
        self._clock = clock
        self._durations = durations
        self.index = 0
        self.stopped: str | None = None
        #: Clock time at which each status was entered.
        self.entered: dict[str, float] = {self.statuses[0]: clock()}

    @property
    def status(self) -> str:
        """The current status."""
        return self.stopped or self.statuses[self.index]

    @property
    def finished(self) -> bool:
        """Whether the object reached its last status or was stopped."""
        return self.stopped is not None or self.index == len(self.statuses) - 1

    def read(self) -> str:
        """Advance as a read of the object does, and return the status it is in now."""
        if self.finished:
            return self.status
        durations = self._durations
        if durations is None:
            self._enter(self.index + 1, self._clock())
            return self.status
        now = self._clock()
        while not self.finished:
            current = self.statuses[self.index]
            due = self.entered[current] + durations.get(current, 0.0)
            if due > now:
                break
            self._enter(self.index + 1, due)
        return self.status

    def finish(self) -> None:
        """Jump to the last status now (through every status between, entered at this instant)."""
        now = self._clock()
        while not self.finished:
            self._enter(self.index + 1, now)

    def stop(self, status: str) -> None:
        """End here with ``status`` (``cancelled``, ``failed``...), entered now."""
        self.stopped = status
        self.entered[status] = self._clock()

    def _enter(self, index: int, at: float) -> None:
        self.index = index
        self.entered[self.statuses[index]] = at
