"""Rate limits as the real API applies them: requests and tokens per minute, per model.

Sans-I/O: a :class:`RateLimit` reads the clock it was given and decides; it never sleeps. The real
limiter is a bucket that refills continuously (a limit of 3 RPM gives one request back every 20 s),
which is what its headers show: ``x-ratelimit-reset-requests`` is the time until the bucket is full
again (``12ms`` after one request at 5000 RPM), and a 429 says when the request would fit ("Please
try again in 9.816s" for ``Limit 10000, Used 8554, Requested 3082``).

A request counts as one request, and as the tokens the real limiter estimates *before* generating:
the prompt by its character count (4 characters a token), plus ``n`` times the most it may generate
(``max_completion_tokens``, ``max_tokens`` or ``max_output_tokens``) when the request sets one.
"""

from __future__ import annotations

import fnmatch
import math
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from ._errors import APIError
from ._wire import Request

__all__ = ["Admission", "ManualClock", "RateLimit", "go_duration"]

ORGANIZATION = "org-fakeopenai"
_LEARN_MORE = "Visit https://platform.openai.com/account/rate-limits to learn more."
_OUTPUT_LIMITS = ("max_completion_tokens", "max_tokens", "max_output_tokens")


def _milliseconds(seconds: float) -> int:
    """Whole milliseconds, rounded up (after forgiving float noise: 9.816 s is 9816 ms)."""
    return max(0, math.ceil(round(seconds * 1000, 6)))


def go_duration(seconds: float) -> str:
    """A duration as the API writes it (Go's format, to the millisecond): ``20ms``, ``9.816s``, ``6m0s``."""
    ms = _milliseconds(seconds)
    if ms == 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, fraction = divmod(rest, 1000)
    text = f"{whole}.{fraction:03d}".rstrip("0").rstrip(".") + "s"
    if hours or minutes:
        text = f"{minutes}m{text}"
    if hours:
        text = f"{hours}h{text}"
    return text


class ManualClock:
    """A clock that moves only when told: pass it as ``clock=`` and call :meth:`advance`.

    ``clock()`` is the time now, in seconds. :meth:`sleep` and :meth:`async_sleep` advance it instead
    of waiting, so ``FakeOpenAI(clock=clock, sleep=clock.sleep, async_sleep=clock.async_sleep)`` runs
    every delay of the fake (slow streams, stalls) in no real time.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._now

    @property
    def now(self) -> float:
        """The time now, in seconds."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` forward (never back)."""
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        """Advance the clock by ``seconds`` at once (a ``sleep=`` for :class:`~fakeopenai.FakeOpenAI`)."""
        self.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        """The async twin of :meth:`sleep` (an ``async_sleep=`` for :class:`~fakeopenai.FakeOpenAI`)."""
        self.advance(seconds)

    def __repr__(self) -> str:
        return f"ManualClock(now={self._now!r})"


class Admission(NamedTuple):
    """The limiter's verdict on one request: the ``x-ratelimit-*`` headers, and the 429 if it is refused."""

    headers: dict[str, str]
    error: APIError | None


class _Bucket:
    __slots__ = ("at", "requests", "tokens")

    def __init__(self, now: float) -> None:
        self.requests = 0.0
        self.tokens = 0.0
        self.at = now


class RateLimit:
    """Requests per minute (``rpm``) and tokens per minute (``tpm``), each model with its own bucket.

    Made by :meth:`FakeOpenAI.rate_limit <fakeopenai.FakeOpenAI.rate_limit>`. Only requests that name a
    model count (generation, embeddings, moderations); ``model`` (a glob) limits only the matching
    ones. A refused request uses nothing. ``clock`` (seconds, monotonic) tells the time: pass a
    :class:`ManualClock` to move time by hand. Safe across threads.
    """

    def __init__(
        self,
        rpm: int | None = None,
        tpm: int | None = None,
        *,
        model: str | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if rpm is None and tpm is None:
            raise ValueError("give a limit: rpm, tpm or both")
        for name, value in (("rpm", rpm), ("tpm", tpm)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        self.rpm = rpm
        self.tpm = tpm
        self.model = model
        self.clock: Callable[[], float] = clock or time.monotonic
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RateLimit(rpm={self.rpm!r}, tpm={self.tpm!r}, model={self.model!r})"

    # -- counting ---------------------------------------------------------------------------------

    def applies_to(self, request: Request) -> bool:
        """Whether ``request`` counts against this limit (it names a model that matches ``model``)."""
        model = request.model
        return model is not None and (self.model is None or fnmatch.fnmatchcase(model, self.model))

    @staticmethod
    def tokens(request: Request) -> int:
        """The tokens ``request`` counts against ``tpm``: the prompt's estimate plus what it may generate."""
        body = request.json if isinstance(request.json, dict) else {}
        prompt = math.ceil(len(request.text) / 4)
        most = next((body[key] for key in _OUTPUT_LIMITS if isinstance(body.get(key), int)), 0)
        n = body.get("n")
        return prompt + (n if isinstance(n, int) and n > 0 else 1) * most

    def _bucket(self, model: str, now: float) -> _Bucket:
        """``model``'s bucket, refilled up to ``now`` (call with the lock held)."""
        bucket = self._buckets.get(model)
        if bucket is None:
            bucket = self._buckets[model] = _Bucket(now)
            return bucket
        elapsed = now - bucket.at
        if elapsed > 0:
            if self.rpm is not None:
                bucket.requests = max(0.0, bucket.requests - elapsed * self.rpm / 60)
            if self.tpm is not None:
                bucket.tokens = max(0.0, bucket.tokens - elapsed * self.tpm / 60)
            bucket.at = now
        return bucket

    def admit(self, request: Request) -> Admission | None:
        """Count ``request`` if it fits; ``None`` when this limit does not apply to it.

        The headers describe the bucket after this request (unchanged when it is refused); a refused
        request gets the real API's 429 ``rate_limit_exceeded`` with ``retry-after`` (whole seconds,
        at least 1, as the OpenAPI document specifies) and ``retry-after-ms``.
        """
        if not self.applies_to(request):
            return None
        model = request.model or ""
        requested = self.tokens(request) if self.tpm is not None else 0
        with self._lock:
            bucket = self._bucket(model, self.clock())
            error = self._refusal(model, bucket, requested)
            if error is None:
                bucket.requests += 1
                bucket.tokens += requested
            return Admission(self._headers(bucket), error)

    def _refusal(self, model: str, bucket: _Bucket, requested: int) -> APIError | None:
        where = f"for {model} in organization {ORGANIZATION} on"
        if self.rpm is not None and bucket.requests + 1 > self.rpm + 1e-9:
            wait = (bucket.requests + 1 - self.rpm) * 60 / self.rpm
            used = math.ceil(bucket.requests - 1e-9)
            return _limited(
                f"Rate limit reached {where} requests per min (RPM): Limit {self.rpm}, Used {used}, Requested 1. "
                f"Please try again in {go_duration(wait)}. {_LEARN_MORE}",
                "requests",
                wait,
            )
        if self.tpm is not None and requested > self.tpm:
            return _limited(
                f"Request too large {where} tokens per min (TPM): Limit {self.tpm}, Requested {requested}. "
                f"The input or output tokens must be reduced in order to run successfully. {_LEARN_MORE}",
                "tokens",
                None,
            )
        if self.tpm is not None and bucket.tokens + requested > self.tpm + 1e-9:
            wait = (bucket.tokens + requested - self.tpm) * 60 / self.tpm
            used = math.ceil(bucket.tokens - 1e-9)
            return _limited(
                f"Rate limit reached {where} tokens per min (TPM): Limit {self.tpm}, Used {used}, "
                f"Requested {requested}. Please try again in {go_duration(wait)}. {_LEARN_MORE}",
                "tokens",
                wait,
            )
        return None

    def _headers(self, bucket: _Bucket) -> dict[str, str]:
        headers: dict[str, str] = {}
        for kind, limit, used in (("requests", self.rpm, bucket.requests), ("tokens", self.tpm, bucket.tokens)):
            if limit is None:
                continue
            headers[f"x-ratelimit-limit-{kind}"] = str(limit)
            headers[f"x-ratelimit-remaining-{kind}"] = str(max(0, math.floor(limit - used + 1e-9)))
            headers[f"x-ratelimit-reset-{kind}"] = go_duration(used * 60 / limit)
        return headers

    # -- inspection -------------------------------------------------------------------------------

    def remaining(self, model: str) -> tuple[int | None, int | None]:
        """The requests and tokens ``model`` may still use now (``None`` for a dimension without a limit)."""
        with self._lock:
            bucket = self._bucket(model, self.clock())
            return (
                None if self.rpm is None else max(0, math.floor(self.rpm - bucket.requests + 1e-9)),
                None if self.tpm is None else max(0, math.floor(self.tpm - bucket.tokens + 1e-9)),
            )

    def models(self) -> list[str]:
        """The models that used this limit since it was set (or last reset), in the order they came."""
        with self._lock:
            return list(self._buckets)

    def reset(self) -> None:
        """Forget what every model used: all buckets full again."""
        with self._lock:
            self._buckets.clear()


def _limited(message: str, kind: str, wait: float | None) -> APIError:
    headers: dict[str, str] = {}
    if wait is not None:
        ms = max(1, _milliseconds(wait))
        headers = {"retry-after": str(max(1, math.ceil(ms / 1000))), "retry-after-ms": str(ms)}
    return APIError(429, message, type=kind, code="rate_limit_exceeded", headers=headers)
