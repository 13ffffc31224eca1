"""The state one fake holds, as the endpoints see it: ids, the script, the log, stored objects."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ._defaults import default_reply
from ._errors import Failure
from ._ids import Ids
from ._reply import Reply
from ._requests import RequestLog
from ._script import Answer, Script
from ._wire import Request

__all__ = ["JSON", "SSE", "State"]

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

    def __init__(self, *, seed: int | str | None = None, validate: bool = True) -> None:
        self.ids = Ids(seed)
        self.script = Script()
        self.requests = RequestLog()
        self.validate = validate
        #: Objects the API stores (responses, ...), by id.
        self.store: dict[str, Any] = {}
        self.default: Callable[[Request], Reply] = default_reply
        self.created: Callable[[], int] = _now
        #: Seconds before the first token / between tokens of default replies that set none.
        self.ttft = 0.0
        self.token_delay = 0.0

    def reply_for(self, request: Request) -> Reply:
        """The reply for a generation request (scripted, else the default); raises a scripted failure."""
        answer: Answer | None = self.script.take(request, generates=True)
        if answer is None:
            answer = self.default(request)
            if (self.ttft or self.token_delay) and isinstance(answer, Reply):
                answer = replace(
                    answer, ttft=answer.ttft or self.ttft, token_delay=answer.token_delay or self.token_delay
                )
        request.answer = answer
        if isinstance(answer, Failure):
            raise answer.error()
        return answer

    def failure_for(self, request: Request) -> Failure | None:
        """A failure scripted for a non-generation request (``fake.fail(..., endpoint=...)``)."""
        answer = self.script.take(request, generates=False)
        if answer is None or isinstance(answer, Failure):
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


def _now() -> int:
    return int(time.time())
