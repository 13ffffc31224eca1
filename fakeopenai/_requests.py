"""``fake.requests``: every request the fake received, in order, with short assertion helpers."""

from __future__ import annotations

import fnmatch
import itertools
import threading
from collections.abc import Iterable
from typing import Any

from ._wire import Request

__all__ = ["DEFAULT_KEEP", "RequestLog"]

#: How many requests a fake keeps by default: more than any ordinary test makes, few enough that a
#: long-running fake stays bounded (4-13 KiB per request through the SDK: 45-130 MiB at most;
#: ``benchmarks/request_log_memory.py``).
DEFAULT_KEEP = 10_000


class RequestLog(list[Request]):
    """A list of :class:`~fakeopenai.Request` with helpers that keep assertions to one line.

    ``fake.requests[-1].json["messages"]``, ``fake.requests.last.model``,
    ``len(fake.requests.where(endpoint="/chat/completions"))``.

    ``keep`` bounds the log a fake records into: past ``keep`` requests (and an eighth more, so that
    trimming is rare and cheap) the oldest are forgotten, counted in ``dropped``. ``None``: no bound.
    """

    def __init__(self, requests: Iterable[Request] = (), *, keep: int | None = None) -> None:
        super().__init__(requests)
        #: How many of the oldest requests were forgotten to stay within ``keep`` (0 after ``clear()``).
        self.dropped = 0
        self._lock = threading.Lock()
        self.keep = keep

    @property
    def keep(self) -> int | None:
        """The most requests kept (the newest); ``None`` keeps every one."""
        return self._keep

    @keep.setter
    def keep(self, keep: int | None) -> None:
        if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 0):
            raise ValueError(f"keep must be None or a whole number from 0, not {keep!r}")
        self._keep = keep
        self._high = None if keep is None else keep + keep // 8
        self._trim(keep)

    def append(self, request: Request) -> None:
        super().append(request)
        high = self._high
        if high is not None and len(self) > high:
            self._trim(self._keep)

    def _trim(self, keep: int | None) -> None:
        with self._lock:  # appends from other threads may land meanwhile; none is trimmed twice
            if keep is not None and len(self) > keep:
                excess = len(self) - keep
                del self[:excess]
                self.dropped += excess

    def clear(self) -> None:
        super().clear()
        self.dropped = 0

    @property
    def last(self) -> Request:
        """The most recent request (``AssertionError`` when there is none)."""
        if not self:
            raise AssertionError("the fake received no request")
        return self[-1]

    def where(
        self,
        *,
        method: str | None = None,
        endpoint: str | None = None,
        model: str | None = None,
        status: int | None = None,
        stream: bool | None = None,
    ) -> RequestLog:
        """The requests that match every given criterion (``endpoint`` may be a glob)."""
        out = RequestLog()
        for request in self:
            if method is not None and request.method != method.upper():
                continue
            if endpoint is not None and not fnmatch.fnmatchcase(request.endpoint, endpoint):
                continue
            if model is not None and request.model != model:
                continue
            if status is not None and request.status != status:
                continue
            if stream is not None and request.stream != stream:
                continue
            out.append(request)
        return out

    @property
    def json(self) -> list[Any]:
        """The parsed bodies, in order."""
        return [request.json for request in self]

    @property
    def endpoints(self) -> list[str]:
        """``"METHOD /endpoint"`` of each request, in order."""
        return [f"{request.method} {request.endpoint}" for request in self]

    @property
    def statuses(self) -> list[int]:
        """The status the fake answered each request with, in order."""
        return [request.status for request in self]

    @property
    def warnings(self) -> list[str]:
        """Every warning of every request, in order: what the fake accepted although the SDK's types
        do not allow it (``assert not fake.requests.warnings``: nothing suspicious was sent)."""
        return [warning for request in self for warning in request.warnings]

    @property
    def retry_counts(self) -> list[int]:
        """The SDK's ``x-stainless-retry-count`` of each request (0 for a first attempt)."""
        return [_retry_count(request) for request in self]

    @property
    def calls(self) -> list[RequestLog]:
        """The requests grouped into SDK calls: each call is its first attempt and the retries after it.

        A request with retry count 0 starts a new call, so calls made one after another (not
        concurrently) come apart: ``[len(call) for call in fake.requests.calls] == [3, 1]``.
        """
        calls: list[RequestLog] = []
        for request in self:
            if not calls or _retry_count(request) == 0:
                calls.append(RequestLog())
            calls[-1].append(request)
        return calls

    def gaps(self) -> list[float]:
        """Seconds between consecutive requests: did the client back off, honour ``retry-after``?"""
        times = [request.received_at for request in self]
        return [later - earlier for earlier, later in itertools.pairwise(times)]

    def assert_retried(self, times: int) -> None:
        """Fail unless the last SDK call was retried exactly ``times`` times (``times + 1`` attempts)."""
        if not self:
            raise AssertionError("the fake received no request")
        call = self.calls[-1]
        counts = call.retry_counts
        if counts != list(range(times + 1)) or len({(r.method, r.endpoint) for r in call}) != 1:
            raise AssertionError(
                f"expected the last call to be retried {times} time(s); its attempts had retry counts {counts} "
                f"and statuses {call.statuses} (all requests: {self.retry_counts}, statuses {self.statuses})"
            )

    def assert_honoured_retry_after(self, tolerance: float = 0.001) -> None:
        """Fail unless every retry came at least the ``retry-after``(``-ms``) of the answer before it later.

        Checks the recorded arrival times (``tolerance`` seconds of clock slack); fails when no retry
        followed an answer that asked for a wait, as then there was nothing to honour.
        """
        checked = 0
        for earlier, later in itertools.pairwise(self):
            wait = _retry_after(earlier)
            if wait is None or _retry_count(later) != _retry_count(earlier) + 1:
                continue
            checked += 1
            gap = later.received_at - earlier.received_at
            if gap < wait - tolerance:
                raise AssertionError(
                    f"retry {_retry_count(later)} came {gap:.3f}s after a {earlier.status} that asked to wait "
                    f"{wait:.3f}s ({earlier.method} {earlier.endpoint})"
                )
        if not checked:
            raise AssertionError(f"no retry followed an answer with retry-after (statuses {self.statuses})")

    def assert_count(self, expected: int) -> None:
        """Fail with the list of requests unless there are exactly ``expected``."""
        if len(self) != expected:
            raise AssertionError(f"expected {expected} request(s), got {len(self)}: {self.endpoints}")


def _retry_count(request: Request) -> int:
    return int(request.headers.get("x-stainless-retry-count", "0"))


def _retry_after(request: Request) -> float | None:
    """The wait (seconds) the fake's answer to ``request`` asked for, as the SDK reads it: ms first."""
    if request.response is None:
        return None
    headers = {name.lower(): value for name, value in request.response.headers}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers[name]) * scale
        except (KeyError, ValueError):
            continue
    return None
