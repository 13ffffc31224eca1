"""The state one fake holds, as the endpoints see it: ids, the script, the log, stored objects."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from ._catalogue import ModelEntry, default_models, model_id
from ._defaults import default_reply
from ._errors import APIError, Failure, default_error
from ._ids import Ids
from ._lifecycle import Progress
from ._moderation import Moderator
from ._ratelimit import RateLimit
from ._reply import Reply
from ._requests import DEFAULT_KEEP, RequestLog
from ._script import Answer, Script
from ._store import Store
from ._wire import Request

if TYPE_CHECKING:
    from ._cassette import Cassette

__all__ = ["JSON", "SSE", "State"]

T = TypeVar("T")

JSON = "application/json"
SSE = "text/event-stream; charset=utf-8"

_STATIC_HEADERS = (
    ("openai-version", "2020-10-01"),
    ("openai-organization", "user-fakeopenai"),
    ("openai-project", "proj_fakeopenai"),
    ("x-ratelimit-limit-requests", "10000"),
    ("x-ratelimit-limit-tokens", "30000000"),
    ("x-ratelimit-remaining-requests", "9999"),
    ("x-ratelimit-remaining-tokens", "29999000"),
    ("x-ratelimit-reset-requests", "6ms"),
    ("x-ratelimit-reset-tokens", "2ms"),
    ("access-control-expose-headers", "X-Request-ID"),
    ("x-content-type-options", "nosniff"),
)


class State:
    """Everything a fake remembers; the endpoints read and write it, nothing else does I/O."""

    def __init__(
        self,
        *,
        seed: int | str | None = None,
        validate: bool = True,
        strict: bool = False,
        models: Iterable[ModelEntry] | None = None,
        reject_unknown_models: bool = False,
        keep_requests: int | None = DEFAULT_KEEP,
    ) -> None:
        self.ids = Ids(seed)
        self.script = Script()
        self.requests = RequestLog(keep=keep_requests)
        self.validate = validate
        #: Refuse any body outside the SDK's parameter types, not only what the API is known to refuse.
        self.strict = strict
        #: Objects the API stores (responses, files, batches...), by id: the one store.
        self.store = Store()
        self.default: Callable[[Request], Reply] = default_reply
        #: Unix time (seconds) for the ``created``/``created_at`` stamps: the fake's clock (see :meth:`now`).
        self.created: Callable[[], int] = self.now
        #: Durations (seconds per status) by lifecycle kind (``"batch"``...); absent: a status per read.
        self.lifecycles: dict[str, dict[str, float]] = {}
        #: ``any_id`` mode: an unknown id of a known kind is an object that exists (else the real 404).
        self.any_id = False
        #: Seconds before the first token / between tokens of default replies that set none.
        self.ttft = 0.0
        self.token_delay = 0.0
        #: The catalogue ``GET /models`` lists: model ids or model objects.
        self.models: list[ModelEntry] = default_models() if models is None else list(models)
        #: Answer models missing from ``models`` with the real API's 404 (else any model is accepted).
        self.reject_unknown_models = reject_unknown_models
        #: The rules the moderations endpoint follows (``fake.moderate(...)``).
        self.moderator = Moderator()
        #: Requests/tokens per minute (``fake.rate_limit(...)``); ``None``: unlimited, nothing counted.
        self.limits: RateLimit | None = None
        #: Recorded answers the core replays (``fake.cassette``), or ``None``.
        self.cassette: Cassette | None = None
        self._clock: Callable[[], float] = time.monotonic
        self._epoch = time.time() - time.monotonic()

    @property
    def clock(self) -> Callable[[], float]:
        """The fake's clock (seconds): rate limits and lifecycles read it, and timestamps follow it."""
        return self._clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self._epoch = self.now() - clock()  # timestamps go on from where they are
        self._clock = clock

    def now(self) -> int:
        """The Unix time now, on the fake's clock (a :class:`~fakeopenai.ManualClock` moves it)."""
        return int(self._epoch + self._clock())

    def timestamp(self, at: float) -> int:
        """The Unix time of the clock reading ``at``."""
        return int(self._epoch + at)

    def progress(self, kind: str, statuses: Sequence[str]) -> Progress:
        """A new lifecycle for an object of ``kind``: a status per read, or the durations set for ``kind``."""
        return Progress(statuses, self._clock, self.lifecycles.get(kind))

    def new_id(self, request: Request | None, prefix: str, length: int = 24) -> str:
        """The id of an object ``request`` creates: the one a seed asked for, else a new one."""
        if request is not None and request.preset_id:
            return request.preset_id
        return self.ids.make(prefix, length)

    def lookup(
        self,
        obj_id: str,
        kind: type[T],
        not_found: Callable[[str], APIError],
        make: Callable[[str], T] | None = None,
    ) -> T:
        """The stored ``kind`` called ``obj_id``; else, in ``any_id`` mode, ``make(obj_id)`` (stored);
        else the real API's 404 ``not_found(obj_id)``."""
        found = self.store.get(obj_id)
        if isinstance(found, kind):
            return found
        if self.any_id and make is not None and found is None:
            made = make(obj_id)
            self.store[obj_id] = made
            return made
        raise not_found(obj_id)

    def check_model(self, model: str | None) -> None:
        """Raise the real API's 404 ``model_not_found`` for an unknown model, if unknown models are rejected."""
        if not self.reject_unknown_models or model is None:
            return
        if not any(model_id(entry) == model for entry in self.models):
            raise APIError(
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                code="model_not_found",
            )

    def reply_for(self, request: Request) -> Reply:
        """The reply for a generation request (scripted, else the default); raises a scripted failure."""
        # A cassette in use consults the script before routing and leaves what it took on the request.
        answer: Answer | None = request.answer or self.script.take(request, generates=True)
        if answer is None:
            answer = self.default(request)
            if (self.ttft or self.token_delay) and isinstance(answer, Reply):
                answer = replace(
                    answer, ttft=answer.ttft or self.ttft, token_delay=answer.token_delay or self.token_delay
                )
        request.answer = answer
        if isinstance(answer, Failure):
            raise answer.error(request.model)
        return answer

    def failure_for(self, request: Request) -> Failure | None:
        """A failure scripted for a non-generation request (``fake.fail(..., endpoint=...)``)."""
        answer = request.answer or self.script.take(request, generates=False)
        if answer is None:
            return None
        if isinstance(answer, Failure):
            if answer.message is None:  # the default message may name the request's model
                answer = replace(answer, message=default_error(answer.status, answer.code, request.model)[0])
            return answer
        raise TypeError(f"a Reply cannot answer {request.method} {request.endpoint}")

    def headers(self, content_type: str, processing_ms: float = 0.0) -> list[tuple[str, str]]:
        """The headers the real API sends with every answer."""
        return [
            ("content-type", content_type),
            ("x-request-id", self.ids.request_id()),
            ("openai-processing-ms", str(max(1, round(processing_ms)))),
            *_STATIC_HEADERS,
        ]

