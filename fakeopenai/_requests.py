"""``fake.requests``: every request the fake received, in order, with short assertion helpers."""

from __future__ import annotations

import fnmatch
import itertools
from typing import Any

from ._wire import Request

__all__ = ["RequestLog"]


class RequestLog(list[Request]):
    """A list of :class:`~fakeopenai.Request` with helpers that keep assertions to one line.

    ``fake.requests[-1].json["messages"]``, ``fake.requests.last.model``,
    ``len(fake.requests.where(endpoint="/chat/completions"))``.
    """

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
    def retry_counts(self) -> list[int]:
        """The SDK's ``x-stainless-retry-count`` of each request (0 for a first attempt)."""
        return [int(request.headers.get("x-stainless-retry-count", "0")) for request in self]

    def gaps(self) -> list[float]:
        """Seconds between consecutive requests: did the client back off, honour ``retry-after``?"""
        times = [request.received_at for request in self]
        return [later - earlier for earlier, later in itertools.pairwise(times)]

    def assert_count(self, expected: int) -> None:
        """Fail with the list of requests unless there are exactly ``expected``."""
        if len(self) != expected:
            raise AssertionError(f"expected {expected} request(s), got {len(self)}: {self.endpoints}")
