"""``FakeOpenAI``: the object a test talks to — script answers, make clients, read requests."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import anyio

from . import _core
from ._catalogue import ModelEntry
from ._errors import APIError, Failure
from ._limits import delay
from ._ratelimit import RateLimit
from ._reply import Reply, ToolCall
from ._requests import DEFAULT_KEEP, RequestLog
from ._script import Match, Pending, Responder
from ._state import State
from ._wire import Request, Response, dumps
from .endpoints.embeddings import embedding_for

if TYPE_CHECKING:
    from ._cassette import Cassette

__all__ = ["FakeOpenAI", "Flavour", "Rule", "default_flavour", "fake_of"]

Flavour = Literal["httpx", "httpx2"]
_R = TypeVar("_R", bound=Callable[[Request], Any])


def default_flavour() -> Flavour:
    """The HTTP stack the installed ``openai`` SDK sends through by default."""
    import openai._base_client as base

    return "httpx2" if getattr(base, "httpx2", None) is not None else "httpx"


def _reply(
    text: str | Sequence[str] | Reply | None,
    tool_calls: Sequence[ToolCall | str],
    fields: dict[str, Any],
) -> Reply:
    if isinstance(text, Reply):
        if tool_calls or any(value is not None for value in fields.values()):
            raise TypeError("pass either a Reply or reply fields, not both")
        return text
    return Reply(text, tool_calls, **{key: value for key, value in fields.items() if value is not None})


class Rule:
    """Answers for the requests a :class:`Match` accepts; made by :meth:`FakeOpenAI.on`.

    A rule answers every matching request (or ``times`` of them), after the queue.
    """

    def __init__(self, fake: FakeOpenAI, match: Match) -> None:
        self._fake = fake
        self.match = match

    def reply(
        self,
        text: str | Sequence[str] | Reply | None = None,
        *,
        tool_calls: Sequence[ToolCall | str] = (),
        times: int | None = None,
        **fields: Any,
    ) -> Rule:
        """Answer matching requests with this reply (fields as for :class:`Reply`)."""
        self._fake._state.script.add_rule(_reply(text, tool_calls, fields), self.match, times)
        return self

    def fail(self, status: int = 500, message: str | None = None, *, times: int | None = None, **fields: Any) -> Rule:
        """Answer matching requests with an error (fields as for :meth:`FakeOpenAI.fail`)."""
        self._fake._state.script.add_rule(Failure(status, message, **fields), self.match, times)
        return self

    def respond(self, responder: Responder, *, times: int | None = None) -> Rule:
        """Answer matching requests with whatever ``responder(request)`` returns."""
        self._fake._state.script.add_rule(responder, self.match, times)
        return self


class FakeOpenAI:
    """An in-process fake of the OpenAI API.

    >>> fake = FakeOpenAI()
    >>> client = OpenAI(api_key="test", http_client=fake.client())
    >>> fake.reply("Hello there!")       # the next generation request gets this

    ``seed`` makes ids repeatable; ``validate=False`` turns request validation off; ``strict=True``
    answers 400 for any body outside the SDK's parameter types (by default only what the real API is
    known to refuse gets a 400, the rest is accepted with ``request.warnings``); ``sleep`` and
    ``async_sleep`` replace the waits of delayed answers (e.g. to record them instead of waiting).
    ``ttft`` and ``token_delay`` (seconds) time the default reply, and the replies scripted as data
    (the server's control API, scenario files) that set no timing of their own.
    ``models`` replaces the catalogue ``GET /models`` lists (ids or model objects);
    ``reject_unknown_models=True`` answers any other model with the real API's 404 ``model_not_found``.
    ``rpm`` and ``tpm`` rate-limit every model as :meth:`rate_limit` does; ``clock`` (a function
    returning seconds, e.g. a :class:`~fakeopenai.ManualClock`) is the fake's time: rate limits,
    lifecycles (:meth:`lifecycle`) and ``created`` stamps follow it.
    ``any_id=True`` makes every id of a known kind exist: retrieving, updating or deleting an object
    that was never created answers with one made up for that id instead of the real API's 404.
    ``keep_requests`` bounds :attr:`requests` to the newest N (default 10,000; ``None``: no bound;
    change it later with ``fake.requests.keep = N``).
    """

    def __init__(
        self,
        *,
        seed: int | str | None = None,
        validate: bool = True,
        strict: bool = False,
        sleep: Callable[[float], None] | None = None,
        async_sleep: Callable[[float], Awaitable[None]] | None = None,
        ttft: float = 0.0,
        token_delay: float = 0.0,
        models: Iterable[ModelEntry] | None = None,
        reject_unknown_models: bool = False,
        rpm: int | None = None,
        tpm: int | None = None,
        clock: Callable[[], float] | None = None,
        any_id: bool = False,
        keep_requests: int | None = DEFAULT_KEEP,
    ) -> None:
        ttft, token_delay = delay(ttft, "ttft"), delay(token_delay, "token_delay")
        self._state = State(
            seed=seed,
            validate=validate,
            strict=strict,
            models=models,
            reject_unknown_models=reject_unknown_models,
            keep_requests=keep_requests,
        )
        self._state.ttft = ttft
        self._state.token_delay = token_delay
        if clock is not None:
            self._state.clock = clock
        self._state.any_id = any_id
        if rpm is not None or tpm is not None:
            self.rate_limit(rpm, tpm)
        self.sleep: Callable[[float], None] = sleep or time.sleep
        self.async_sleep: Callable[[float], Awaitable[None]] = async_sleep or anyio.sleep

    # -- the sans-I/O entry point ---------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Record ``request`` and describe the answer (status, headers, body or timed events)."""
        limits = self._state.limits
        if limits is None:
            return _core.handle(self._state, request)
        admission = limits.admit(request)
        if admission is None:
            return _core.handle(self._state, request)
        if admission.error is None:
            response = _core.handle(self._state, request)
        else:
            response = self._refuse(request, admission.error)
        values = admission.headers
        response.headers = [(name, values.get(name, value)) for name, value in response.headers]
        return response

    def seed(
        self,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        files: Mapping[str, bytes | tuple[str, bytes]] | None = None,
        id: str | None = None,
    ) -> dict[str, Any]:
        """Create an object the code under test expects to find in the account, and return it.

        ``path`` is the route that creates it (``"/files"``, ``"/vector_stores"``,
        ``"/fine_tuning/jobs"``...), ``body`` its parameters, ``files`` its file parts (field name ->
        bytes, or ``(filename, bytes)``), ``id`` the id it takes (a new one by default). It runs the
        same code as the API call, but is not recorded in :attr:`requests` and no fault applies.
        ``fake.seed("/files", {"purpose": "batch"}, files={"file": ("in.jsonl", data)}, id="file-abc")``
        """
        request = _seed_request(path, body or {}, files)
        request.preset_id = id
        response = _core.seed(self._state, request)
        payload: Any = json.loads(response.body) if response.body else {}
        if response.status >= 400 or not isinstance(payload, dict):
            error = payload.get("error") if isinstance(payload, dict) else None
            message = error.get("message") if isinstance(error, dict) else response.body.decode(errors="replace")
            raise ValueError(f"seed {path} answered {response.status}: {message}")
        return payload

    def add_file(
        self,
        data: bytes | str,
        *,
        filename: str | None = None,
        purpose: str = "user_data",
        id: str | None = None,
    ) -> dict[str, Any]:
        """Put a file in the account (as ``files.create`` would) and return its ``file`` object.

        ``data`` is the bytes (text is UTF-8 encoded); ``filename`` defaults to ``file.jsonl`` for
        ``purpose="batch"`` (which needs ``.jsonl``) and ``file.txt`` otherwise; ``id`` is the id it
        takes. Shorthand for ``seed("/files", {"purpose": purpose}, files={"file": (filename, data)}, id=id)``.
        """
        raw = data.encode() if isinstance(data, str) else data
        name = filename or ("file.jsonl" if purpose == "batch" else "file.txt")
        return self.seed("/files", {"purpose": purpose}, files={"file": (name, raw)}, id=id)

    def lifecycle(self, kind: str, **seconds: float) -> FakeOpenAI:
        """How objects of ``kind`` (``"batch"``, ``"fine_tuning.job"``, ``"vector_store.file"``...) move on.

        By default an object moves one status each time it is read, so a polling loop runs and
        finishes without sleeping. Given durations (``fake.lifecycle("batch", validating=1,
        in_progress=60, finalizing=1)``), objects created afterwards spend that many seconds of the
        fake's clock in each status instead (a status not named is left at once); with no durations,
        the default comes back.
        """
        if any(value < 0 for value in seconds.values()):
            raise ValueError("durations must not be negative")
        if seconds:
            self._state.lifecycles[kind] = dict(seconds)
        else:
            self._state.lifecycles.pop(kind, None)
        return self

    @property
    def any_id(self) -> bool:
        """Whether unknown ids of known kinds exist (see ``FakeOpenAI(any_id=...)``)."""
        return self._state.any_id

    @any_id.setter
    def any_id(self, value: bool) -> None:
        self._state.any_id = value

    def _refuse(self, request: Request, error: APIError) -> Response:
        """Record ``request`` answered with ``error`` without running it (a rate limit refused it)."""
        request.endpoint = _core.normalize(request.path)
        self._state.requests.append(request)
        response = _core.error_response(self._state, error)
        request.status = response.status
        request.response = response
        return response

    # -- scripting ------------------------------------------------------------------------------

    def reply(
        self,
        text: str | Sequence[str] | Reply | Responder | None = None,
        *,
        tool_calls: Sequence[ToolCall | str] = (),
        refusal: str | None = None,
        finish_reason: str | None = None,
        usage: Mapping[str, int] | None = None,
        ttft: float | None = None,
        token_delay: float | None = None,
        chunks: Sequence[str] | None = None,
        model: str | None = None,
        reasoning: str | None = None,
        queries: Sequence[str] | None = None,
        citations: Sequence[str] | None = None,
        error_after: int | None = None,
        error_message: str | None = None,
        drop_after: int | None = None,
        stall_after: int | None = None,
        stall: float | None = None,
        times: int = 1,
    ) -> FakeOpenAI:
        """Queue what the next generation request gets (``times`` requests in a row).

        ``text`` may also be a :class:`Reply`, or a function of the request (a one-off responder).
        Fields are those of :class:`Reply`, faults included (``error_after``, ``drop_after``,
        ``stall_after`` with ``stall``).
        """
        if callable(text) and not isinstance(text, Reply):
            self._state.script.enqueue(text, times=times)
            return self
        fields = {
            "refusal": refusal,
            "finish_reason": finish_reason,
            "usage": usage,
            "ttft": ttft,
            "token_delay": token_delay,
            "chunks": chunks,
            "model": model,
            "reasoning": reasoning,
            "queries": queries,
            "citations": citations,
            "error_after": error_after,
            "error_message": error_message,
            "drop_after": drop_after,
            "stall_after": stall_after,
            "stall": stall,
        }
        self._state.script.enqueue(_reply(text, tool_calls, fields), times=times)
        return self

    def fail(
        self,
        status: int = 500,
        message: str | None = None,
        *,
        type: str | None = None,
        code: Any = None,
        param: str | None = None,
        retry_after: float | None = None,
        retry_after_ms: float | None = None,
        should_retry: bool | None = None,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
        endpoint: str | None = None,
    ) -> FakeOpenAI:
        """Queue an OpenAI-shaped error for the next request (``times`` requests in a row).

        By default it answers the next generation request; ``endpoint="*"`` (or a path glob such
        as ``"/embeddings"``) makes it answer the next request to any matching endpoint.
        """
        failure = Failure(
            status, message, type, code, param, retry_after, retry_after_ms, should_retry, dict(headers or {})
        )
        self._state.script.enqueue(failure, Match(endpoint=endpoint), times=times)
        return self

    def fail_rate(
        self,
        rate: float,
        status: int = 500,
        message: str | None = None,
        *,
        seed: int | str = 0,
        model: str | None = None,
        contains: str | None = None,
        endpoint: str | None = None,
        where: Callable[[Request], bool] | None = None,
        **fields: Any,
    ) -> FakeOpenAI:
        """Fail a share ``rate`` (0 to 1) of the matching requests, chosen by a seeded random draw.

        ``fake.fail_rate(0.1, status=500, seed=7)`` fails about one generation request in ten. Each
        matching request draws the next number of ``random.Random(seed)`` and fails when it is below
        ``rate``, so the same seed fails the same requests (by their order among the matching ones)
        in every run. A failure rate is consulted before the queue: a request it fails consumes no
        queued answer. ``model``, ``contains``, ``endpoint`` and ``where`` select requests as
        :meth:`on` does (no ``endpoint``: generation requests only; ``"*"``: any). Other fields are
        those of :meth:`fail` (``type``, ``code``, ``retry_after_ms``...). :meth:`reset` removes it.
        """
        if fields.get("headers") is None:
            fields.pop("headers", None)
        failure = Failure(status, message, **fields)
        self._state.script.add_rate(rate, failure, Match(model, contains, endpoint, where), seed)
        return self

    def rate_limit(
        self,
        rpm: int | None = None,
        tpm: int | None = None,
        *,
        model: str | None = None,
        clock: Callable[[], float] | None = None,
    ) -> RateLimit:
        """Limit requests (``rpm``) and tokens (``tpm``) per minute for each model, as the real API does.

        Every answer to a counted request carries ``x-ratelimit-limit-*``, ``-remaining-*`` and
        ``-reset-*`` headers for requests and tokens; a request over a limit gets the real API's 429
        ``rate_limit_exceeded`` ("Rate limit reached for gpt-4o in organization org-... on requests per
        min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. ...") with ``retry-after``
        and ``retry-after-ms``, and consumes nothing. Buckets refill continuously (3 RPM: one request
        back every 20 s). Tokens are the prompt's estimate (4 characters a token) plus ``n`` times the
        request's ``max_completion_tokens``/``max_tokens``/``max_output_tokens``.

        ``model`` (a glob) limits only matching models; ``clock`` defaults to the fake's (see
        ``FakeOpenAI(clock=...)``, else ``time.monotonic``). Replaces any earlier limit; returns the
        :class:`~fakeopenai.RateLimit` (``fake.limits``), e.g. to read ``remaining(model)``.
        """
        limits = RateLimit(rpm, tpm, model=model, clock=clock or self._state.clock)
        self._state.limits = limits
        return limits

    @property
    def limits(self) -> RateLimit | None:
        """The rate limit in force (:meth:`rate_limit`), or ``None``; assign ``None`` to lift it."""
        return self._state.limits

    @limits.setter
    def limits(self, limits: RateLimit | None) -> None:
        self._state.limits = limits

    def on(
        self,
        *,
        model: str | None = None,
        contains: str | None = None,
        endpoint: str | None = None,
        where: Callable[[Request], bool] | None = None,
    ) -> Rule:
        """A rule for the requests that match: ``fake.on(model="gpt-4o*").reply("Hi")``."""
        return Rule(self, Match(model, contains, endpoint, where))

    def respond(self, responder: _R) -> _R:
        """Answer generation requests nothing else answered with ``responder(request)``.

        Usable as a decorator. The function returns a :class:`Reply`, a text, a :class:`Failure`,
        or ``None`` to fall through to the default reply.
        """
        self._state.script.responder = responder
        return responder

    @property
    def default(self) -> Callable[[Request], Reply]:
        """The function that answers when nothing was scripted (deterministic by default)."""
        return self._state.default

    @default.setter
    def default(self, function: Callable[[Request], Reply]) -> None:
        self._state.default = function

    def reset(self) -> None:
        """Forget queued answers, rules, failure rates, the responder and recorded requests.

        A rate limit stays in force, with every bucket full again; a cassette replays from its start.
        """
        self._state.script.clear()
        self._state.requests.clear()
        self._state.store.clear()
        self._state.moderator.clear()
        if self._state.limits is not None:
            self._state.limits.reset()
        if self._state.cassette is not None:
            self._state.cassette.rewind()

    def moderate(
        self,
        flagged: str | Iterable[str] = (),
        *,
        contains: str | None = None,
        where: Callable[[str], bool] | None = None,
        scores: Mapping[str, float] | None = None,
        times: int | None = None,
    ) -> FakeOpenAI:
        """Make the moderations endpoint flag ``flagged`` categories for the inputs that match.

        ``fake.moderate("violence")`` flags every input from now on;
        ``fake.moderate(["harassment", "hate"], contains="idiot")`` only inputs containing "idiot";
        ``where`` takes any predicate of an input's text. Categories are named as the API names
        them (``"self-harm/intent"``) or as the SDK does (``"self_harm_intent"``). ``scores``
        overrides category scores (flagged ones score above 0.9, the rest below 0.001). ``times``
        limits how many inputs the rule decides. The newest matching rule decides each input;
        ``fake.moderate(contains=...)`` with no categories marks matching inputs clean. Inputs no
        rule matches are not flagged. ``reset()`` forgets the rules.
        """
        categories = [flagged] if isinstance(flagged, str) else list(flagged)
        self._state.moderator.add(categories, scores, contains, where, times)
        return self

    @property
    def models(self) -> list[ModelEntry]:
        """The model catalogue (a list to edit in place: ids or ``{"id", "created", "owned_by"}``)."""
        return self._state.models

    @models.setter
    def models(self, entries: Iterable[ModelEntry]) -> None:
        self._state.models = list(entries)

    @property
    def reject_unknown_models(self) -> bool:
        """Whether models missing from :attr:`models` get the real API's 404 (default: accepted)."""
        return self._state.reject_unknown_models

    @reject_unknown_models.setter
    def reject_unknown_models(self, value: bool) -> None:
        self._state.reject_unknown_models = value

    def embedding(
        self, item: str | list[int], model: str = "text-embedding-3-small", dimensions: int | None = None
    ) -> list[float]:
        """The vector the embeddings endpoint answers for ``item`` (a text or token ids)."""
        return embedding_for(item, model, dimensions)

    @property
    def cassette(self) -> Cassette | None:
        """The :class:`~fakeopenai.Cassette` this fake replays (and records) answers from, or ``None``.

        :func:`fakeopenai.cassette` sets it for a block; assign one to use it with any client.
        """
        return self._state.cassette

    @cassette.setter
    def cassette(self, cassette: Cassette | None) -> None:
        self._state.cassette = cassette

    # -- inspection -----------------------------------------------------------------------------

    @property
    def requests(self) -> RequestLog:
        """Every request received, in order: the newest ``requests.keep`` of them (10,000 by default)."""
        return self._state.requests

    @property
    def pending(self) -> Pending:
        """Queued answers no request has consumed yet: a sequence, each answer once per remaining use.

        ``fake.pending == []``, ``len(fake.pending)``, ``fake.pending[0]``; a reply queued
        ``times=1000`` is held once with its count, never copied a thousand times.
        """
        return self._state.script.pending

    def assert_all_consumed(self) -> None:
        """Fail if a queued answer was never used (a test that scripted more than happened)."""
        pending = self.pending
        if pending:
            raise AssertionError(f"{len(pending)} queued answer(s) never used: {pending!r}")

    # -- clients --------------------------------------------------------------------------------

    def transport(self, flavour: Flavour | None = None) -> Any:
        """A sync+async transport for ``flavour`` (default: the installed SDK's stack)."""
        if (flavour or default_flavour()) == "httpx2":
            from ._httpx2 import Httpx2Transport

            return Httpx2Transport(self)
        from .transports import HttpxTransport

        return HttpxTransport(self)

    def client(self, flavour: Flavour | None = None, **kwargs: Any) -> Any:
        """An ``httpx2.Client`` or ``httpx.Client`` (the SDK's default stack) answering from this fake.

        Pass it as ``OpenAI(http_client=...)``. Keyword arguments go to the client constructor.
        """
        return self._client(flavour, "Client", kwargs)

    def async_client(self, flavour: Flavour | None = None, **kwargs: Any) -> Any:
        """The async twin of :meth:`client`, for ``AsyncOpenAI(http_client=...)``."""
        return self._client(flavour, "AsyncClient", kwargs)

    def _client(self, flavour: Flavour | None, kind: str, kwargs: dict[str, Any]) -> Any:
        flavour = flavour or default_flavour()
        module = sys.modules.get(flavour) or __import__(flavour)
        kwargs.setdefault("timeout", module.Timeout(600.0, connect=5.0))  # the SDK's defaults
        kwargs.setdefault("follow_redirects", True)
        client = getattr(module, kind)(transport=self.transport(flavour), **kwargs)
        client.fake = self
        return client

    def __call__(self, request: Any) -> Any:
        """Answer an ``httpx.Request`` (so a fake can be a respx side effect)."""
        from .transports import HttpxTransport

        return HttpxTransport(self).handle_request(request)

    def __repr__(self) -> str:
        return f"<FakeOpenAI requests={len(self.requests)} pending={self._state.script.pending_count()}>"


def _seed_request(path: str, body: Mapping[str, Any], files: Mapping[str, bytes | tuple[str, bytes]] | None) -> Request:
    """The request ``fake.seed`` answers: JSON, or a multipart form (built directly, never encoded)."""
    path = "/" + path.lstrip("/")
    if not files:
        headers = {"content-type": "application/json"}
        return Request("POST", "https://api.openai.com/v1" + path, "/v1" + path, headers, {}, dumps(dict(body)))
    from ._multipart import Form, Upload

    form = Form()
    for name, value in _form_fields(body):
        form.fields.setdefault(name, []).append(value)
    for name, part in files.items():
        filename, data = part if isinstance(part, tuple) else (name, part)
        form.files.setdefault(name, []).append(Upload(filename, None, data))
    headers = {"content-type": "multipart/form-data; boundary=fakeopenai-seed"}
    request = Request("POST", "https://api.openai.com/v1" + path, "/v1" + path, headers, {}, b"")
    request._form = form
    return request


def _form_fields(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """A JSON value as the SDK's form fields (``a[b]``, ``a[]``), every leaf a string."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _form_fields(item, f"{prefix}[{key}]" if prefix else str(key))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _form_fields(item, prefix + "[]")
    elif value is not None:
        yield prefix, value if isinstance(value, str) else dumps(value).decode()


def fake_of(obj: Any) -> FakeOpenAI:
    """The fake behind a client made by fakeopenai (an ``OpenAI`` client, an httpx client, a transport)."""
    for candidate in (obj, getattr(obj, "_client", None), getattr(obj, "_transport", None)):
        fake = getattr(candidate, "fake", None)
        if isinstance(fake, FakeOpenAI):
            return fake
        transport = getattr(candidate, "_transport", None)
        if isinstance(getattr(transport, "fake", None), FakeOpenAI):
            return transport.fake  # type: ignore[union-attr, no-any-return]
    raise LookupError(f"{obj!r} does not answer from a FakeOpenAI")
