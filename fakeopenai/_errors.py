"""OpenAI-shaped errors: the body ``{"error": {message, type, param, code}}`` and its status.

Endpoint code raises :class:`APIError`; the core turns it into a :class:`~fakeopenai._wire.Response`.
``fake.fail(...)`` queues a :class:`Failure`, which renders the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._limits import check_headers, delay

__all__ = ["APIError", "Failure", "bad_request", "default_error", "invalid_json"]

# status -> (message, type, code), modelled on the bodies the real API sends.
_DEFAULTS: dict[int, tuple[str, str, Any]] = {
    400: ("Invalid request.", "invalid_request_error", None),
    401: (
        "Incorrect API key provided: sk-test. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    ),
    403: (
        "Country, region, or territory not supported",
        "request_forbidden",
        "unsupported_country_region_territory",
    ),
    404: ("The requested resource was not found.", "invalid_request_error", None),
    408: ("Request timed out.", "timeout", None),
    409: ("The request conflicts with another request in progress.", "invalid_request_error", "conflict"),
    422: ("Unprocessable entity.", "invalid_request_error", None),
    429: (
        "Rate limit reached for {model} in organization org-fakeopenai on requests per min (RPM): Limit 3, "
        "Used 3, Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits "
        "to learn more.",
        "requests",
        "rate_limit_exceeded",
    ),
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    502: ("Bad gateway.", "cf_bad_gateway", 502),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
    504: ("Gateway timeout.", "cf_gateway_timeout", 504),
}
_QUOTA = (
    "You exceeded your current quota, please check your plan and billing details. For more "
    "information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
    "insufficient_quota",
    "insufficient_quota",
)


def default_error(status: int, code: Any = None, model: str | None = None) -> tuple[str, str, Any]:
    """The real API's (message, type, code) for a status (a rate limit names ``model``)."""
    if status == 429 and code == "insufficient_quota":
        return _QUOTA
    if status == 429:
        message, type_, default_code = _DEFAULTS[429]
        return message.format(model=model or "gpt-4o-mini"), type_, default_code
    if status in _DEFAULTS:
        return _DEFAULTS[status]
    return ("Error.", "server_error" if status >= 500 else "invalid_request_error", None)


class APIError(Exception):
    """An error answer: raise it anywhere in the core to answer with an OpenAI-shaped error."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def bad_request(message: str, param: str | None = None, code: str | None = None) -> APIError:
    """A 400 ``invalid_request_error``."""
    return APIError(400, message, param=param, code=code)


def invalid_json() -> APIError:
    return bad_request(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
        "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. "
        "If you have trouble figuring out how to fix this, please contact us through our help center at "
        "help.openai.com.)"
    )


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass
class Failure:
    """A scripted error answer (what ``fake.fail(...)`` queues).

    Unset ``message``/``type``/``code`` take the real API's values for ``status``.
    ``retry_after`` (seconds) and ``retry_after_ms`` become the headers the SDK's retry logic reads;
    ``should_retry`` sets ``x-should-retry``.
    """

    status: int
    message: str | None = None
    type: str | None = None
    code: Any = None
    param: str | None = None
    retry_after: float | None = None
    retry_after_ms: float | None = None
    should_retry: bool | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.retry_after is not None:
            self.retry_after = delay(self.retry_after, "retry_after")
        if self.retry_after_ms is not None:
            self.retry_after_ms = delay(self.retry_after_ms, "retry_after_ms", "milliseconds", 1000.0)
        check_headers(self.headers)

    def error(self, model: str | None = None) -> APIError:
        """The error to answer with; a default 429 message names ``model`` (the request's), as the API does."""
        message, type_, code = default_error(self.status, self.code, model)
        headers = dict(self.headers)
        if self.retry_after is not None:
            headers["retry-after"] = _seconds(self.retry_after)
        if self.retry_after_ms is not None:
            headers["retry-after-ms"] = _seconds(self.retry_after_ms)
        if self.should_retry is not None:
            headers["x-should-retry"] = "true" if self.should_retry else "false"
        if self.status == 401:
            headers.setdefault("www-authenticate", 'Bearer realm="OpenAI API"')
        return APIError(
            self.status,
            self.message if self.message is not None else message,
            type=self.type if self.type is not None else type_,
            param=self.param,
            code=self.code if self.code is not None else code,
            headers=headers,
        )
