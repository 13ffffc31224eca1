"""The ASGI adapter: an HTTP request in, the core's response description realised on the wire.

No endpoint logic lives here. The app reads the body, builds a :class:`~fakeopenai.Request`, asks
``fake.handle`` and writes what it describes: the status line and headers, then the body or each
timed event, waiting out the delays on the event loop (never blocking other connections) and
flushing every event as it is due. A client that goes away mid-stream is noticed
(``http.disconnect``) and dropped at once, without waiting out the rest of the stream.

Around the core it adds only what a network face needs: the control API under ``/_fakeopenai/``,
an optional API key, a body size limit and the JSON content-type check.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from contextvars import ContextVar
from time import perf_counter
from typing import Any

import anyio

from .. import _core
from .._errors import APIError
from .._fake import FakeOpenAI
from .._scenario import Step, apply
from .._wire import Forward, Headers, Request, Response, coalesce, columns, dumps

__all__ = [
    "CONTROL_PREFIX",
    "DEFAULT_MAX_BODY",
    "RECEIVED",
    "RENDERED",
    "ConnectionDropped",
    "FakeOpenAIApp",
    "Headers",
    "app",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: The loop time at which the server received the request, when the server tells (``serve`` does,
#: from its protocol's ``data_received``): delays are timed from it, so a burst of requests handled
#: one after the other does not push every first token late. Unset, the app's own start counts.
RECEIVED: ContextVar[float | None] = ContextVar("fakeopenai_received", default=None)

#: Scope key under which ``serve`` hands the app a request it has already rendered (the core's
#: :class:`Response`, or the exception the core raised): the app then only writes it.
RENDERED = "fakeopenai.rendered"

#: Paths under this prefix are the control API, never the fake OpenAI API.
CONTROL_PREFIX = "/_fakeopenai"
#: Request bodies larger than this get a 413 (the SDK's largest uploads stay well below).
DEFAULT_MAX_BODY = 32 * 1024 * 1024
#: Seconds of rendering per event-loop iteration before the loop reads the network again (see _Pacer).
RENDER_BUDGET = 0.002

_KEY_HINT = "You can find your API key at https://platform.openai.com/account/api-keys."
_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using "
    "Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if "
    "you're accessing the API from your browser and are prompted for a username and password. You can "
    "obtain an API key from https://platform.openai.com/account/api-keys."
)
_AUTHENTICATE = {"www-authenticate": 'Bearer realm="OpenAI API"'}
# Bodies the API can read: JSON everywhere, multipart for uploads.
_MEDIA_TYPES = ("application/json", "multipart/form-data")


class ConnectionDropped(Exception):
    """Raised by the app to break a response on purpose (a reply scripted to drop the connection).

    The server closes the connection mid-body, so the client sees an incomplete chunked read. Served
    by ``python -m fakeopenai serve``, these are not logged as errors.
    """


def _query(raw: bytes) -> Mapping[str, str]:
    if not raw:
        return _NO_QUERY
    from urllib.parse import parse_qsl

    query: dict[str, str] = {}
    for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        query.setdefault(key, value)  # the first value of a repeated key, as httpx's QueryParams
    return query


_NO_QUERY: Mapping[str, str] = {}


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value  # type: ignore[no-any-return]
    return None


def _redact(key: str) -> str:
    """An API key as the real API echoes it: start and end kept, the middle starred."""
    return key if len(key) <= 12 else key[:8] + "*" * (len(key) - 12) + key[-4:]


_ENCODED: dict[tuple[str, str], tuple[bytes, bytes]] = {}


def _encoded(pair: tuple[str, str]) -> tuple[bytes, bytes]:
    """A response header as bytes; the API's constant headers are encoded once."""
    found = _ENCODED.get(pair)
    if found is None:
        found = (pair[0].encode("latin-1"), pair[1].encode("latin-1"))
        if len(_ENCODED) < 512 and not pair[0].startswith("x-request"):
            _ENCODED[pair] = found
    return found


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class _Watch:
    """Waits out one response's delays, ending early when the client disconnects."""

    __slots__ = ("_loop", "_receive", "_sleep", "_task", "_waiter", "gone")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, receive: Receive, sleep: Callable[[float], Awaitable[None]] | None
    ) -> None:
        self._loop = loop
        self._receive = receive
        self._sleep = sleep
        self._waiter: asyncio.Future[None] | None = None
        self.gone = False
        self._task = loop.create_task(self._watch())

    async def _watch(self) -> None:
        while (await self._receive())["type"] != "http.disconnect":
            pass
        self.gone = True
        if self._waiter is not None:
            _wake(self._waiter)

    async def until(self, deadline: float, delay: float) -> bool:
        """Wait until loop time ``deadline`` (``delay`` after the last event); ``False`` if the client left.

        Waiting for a deadline rather than sleeping ``delay`` keeps a stream on schedule when the
        loop is busy. An injected sleep gets ``delay`` itself (it may not let time pass at all).
        """
        if self._sleep is not None:
            if delay > 0 and not self.gone:
                await self._sleep(delay)
            return not self.gone
        if deadline > self._loop.time() and not self.gone:
            waiter = self._waiter = self._loop.create_future()
            handle = self._loop.call_at(deadline, _wake, waiter)
            try:
                await waiter
            finally:
                handle.cancel()
                self._waiter = None
        return not self.gone

    def close(self) -> None:
        self._task.cancel()


class _Pacer:
    """Spreads the rendering of a burst of requests over loop iterations, reading the network between.

    The core renders a response in one synchronous call (half a millisecond for a 50-token stream).
    A loop that renders a burst of 200 such requests back to back reads no socket for 100 ms, so every
    request that arrives meanwhile is stamped (:data:`RECEIVED`) that much late, and its first token,
    timed from the stamp, goes out late. Here each loop iteration renders for about ``budget``
    seconds; the requests left wait, first come first served, for the next iterations, after the
    loop has read (and stamped) whatever arrived. Without a burst nothing waits.
    """

    __slots__ = ("_budget", "_cost", "_loop", "_scheduled", "_slice", "_waiting")

    def __init__(self, loop: asyncio.AbstractEventLoop, budget: float) -> None:
        self._loop = loop
        self._budget = budget
        self._cost = budget / 8  # running mean of one render, in seconds
        self._slice: float | None = None  # when rendering began in this loop iteration
        self._scheduled = False
        # Requests waiting their turn: a task's future, or (serve's short way) a callback to call.
        self._waiting: deque[asyncio.Future[None] | Callable[[], object]] = deque()

    def free(self) -> bool:
        """Whether the caller may render now (else it awaits :meth:`turn` or calls :meth:`defer`)."""
        if self._waiting:
            return False
        if self._slice is None:
            self._slice = perf_counter()
            self._schedule()
            return True
        return perf_counter() - self._slice < self._budget

    def defer(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` (soon, in a later loop iteration) when it is its turn to render."""
        self._waiting.append(callback)
        if self._slice is None:
            self._slice = perf_counter()
        self._schedule()

    async def turn(self) -> None:
        waiter = self._loop.create_future()
        self._waiting.append(waiter)
        await waiter

    def rendered(self, seconds: float) -> None:
        self._cost += (seconds - self._cost) / 8

    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._next)  # runs in the next iteration, after the loop polled

    def _next(self) -> None:
        self._scheduled = False
        self._slice = None
        if not self._waiting:
            return
        self._slice = perf_counter()
        # Wake as many as fit the budget: they render in the next iteration, then this runs again.
        room = max(1, int(self._budget / max(self._cost, 1e-6)))
        while room and self._waiting:
            waiter = self._waiting.popleft()
            if not isinstance(waiter, asyncio.Future):
                self._loop.call_soon(waiter)
                room -= 1
            elif not waiter.done():  # a cancelled request gave up its turn
                waiter.set_result(None)
                room -= 1
        self._schedule()


class FakeOpenAIApp:
    """An ASGI application serving the OpenAI API from a :class:`~fakeopenai.FakeOpenAI` (``.fake``).

    Made by :func:`app`; see there for the options.
    """

    def __init__(
        self,
        fake: FakeOpenAI,
        *,
        api_key: str | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        keep_requests: int | None = None,
        control: bool = True,
        scenario: Sequence[Step] = (),
    ) -> None:
        if max_body < 0:
            raise ValueError("max_body must not be negative")
        #: The fake answering every request.
        self.fake = fake
        self.api_key = api_key
        self.max_body = max_body
        if keep_requests is not None:
            fake.requests.keep = keep_requests  # ValueError when negative
        self.control = control
        #: Steps applied at start and again after each ``POST /_fakeopenai/reset``.
        self.scenario = list(scenario)
        #: The rate limit the fake had before the scenario (``--rpm``/``--tpm``), restored by :meth:`reset`.
        self.start_limits = fake.limits
        #: The validation policy before the scenario (``--strict``), restored by :meth:`reset`.
        self.start_strict = fake._state.strict
        self._pacer: _Pacer | None = None
        apply(fake, self.scenario)

    @property
    def keep_requests(self) -> int | None:
        """How many recorded requests the fake keeps (``fake.requests.keep``)."""
        return self.fake.requests.keep

    def reset(self) -> None:
        """Return to the start-up state: forget what the fake was told and saw, apply the scenario again.

        Failure rates go (the scenario's come back); a rate limit set at run time is lifted and the
        start-up one (``--rpm``/``--tpm``, the fake's own when the app was made, or the scenario's)
        is in force again with every bucket full; so is the start-up validation policy (``--strict``
        or the scenario's ``strict``).
        """
        self.fake.reset()
        if self.start_limits is not None:
            self.start_limits.reset()
        self.fake.limits = self.start_limits
        self.fake._state.strict = self.start_strict
        apply(self.fake, self.scenario)

    # -- ASGI -----------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":  # the Realtime API is out of scope: refuse the handshake
            await receive()
            await send({"type": "websocket.close", "code": 1000})

    @staticmethod
    async def _lifespan(receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        received = RECEIVED.get()
        if received is not None and 0 <= started - received < 1.0:  # a stale stamp (pipelining) is ignored
            started = received
        path = self.path(scope)
        body = await self._read(scope, receive)
        if body is None:  # the client left before sending its body
            return
        rendered = scope.get(RENDERED)
        if rendered is not None:  # serve rendered it already, and left the writing to this task
            if isinstance(rendered, BaseException):
                raise rendered
            response = rendered
        elif self.is_control(path):
            await self._control(scope, path, scope.get("query_string", b""), body, receive, send)
            return
        else:
            request, response = self.prepare(scope, path, body)
            if response is None:
                pacer = self.pacer(loop)
                if not pacer.free():
                    await pacer.turn()
                response = self.render(request)
        if type(response) is Forward:  # a cassette records: the upstream answers
            from .._upstream import asgi_forward

            await asgi_forward(response, send)
            return
        await self._realise(response, started, loop, receive, send)

    def path(self, scope: Scope) -> str:
        """The request's path, without the app's ``root_path``."""
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        return path

    def is_control(self, path: str) -> bool:
        """Whether ``path`` is the control API's (when served), not the OpenAI API's."""
        return self.control and (path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"))

    def prepare(self, scope: Scope, path: str, body: bytes | APIError) -> tuple[Request, Response | None]:
        """The core's :class:`Request` for an API request whose body is in, and the refusal (401, 400,
        413) it gets before the core sees it, if any (recorded as the core records its answers)."""
        raw_query: bytes = scope.get("query_string", b"")
        request = Request(
            scope["method"],
            _url(scope, raw_query),
            path,
            Headers(scope["headers"]),
            _query(raw_query),
            body if isinstance(body, bytes) else b"",
        )
        refusal = body if isinstance(body, APIError) else self._refuse(scope, request)
        return request, None if refusal is None else self._record(request, refusal)

    def pacer(self, loop: asyncio.AbstractEventLoop) -> _Pacer:
        """The pacer of ``loop``: ask it whether this request may render now."""
        pacer = self._pacer
        if pacer is None or pacer._loop is not loop:
            pacer = self._pacer = _Pacer(loop, RENDER_BUDGET)
        return pacer

    def render(self, request: Request) -> Response:
        """The core's answer (its turn given by :meth:`pacer`), timed for the pacer."""
        begun = perf_counter()
        response = self.fake.handle(request)
        pacer = self._pacer
        if pacer is not None:
            pacer.rendered(perf_counter() - begun)
        return response

    async def _read(self, scope: Scope, receive: Receive) -> bytes | APIError | None:
        """The whole body; a 413 when it is over the limit; ``None`` when the client disconnected."""
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            return _too_large(int(declared), self.max_body)
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body: bytes = message.get("body", b"")
        if not message.get("more_body"):
            return body if len(body) <= self.max_body else _too_large(len(body), self.max_body)
        parts = [body]
        size = len(body)
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            part = message.get("body", b"")
            size += len(part)
            if size > self.max_body:
                return _too_large(size, self.max_body)
            parts.append(part)
            if not message.get("more_body"):
                return b"".join(parts)

    def _refuse(self, scope: Scope, request: Request) -> APIError | None:
        """The real API's 401 or 400 for a request it would not read, else ``None``."""
        if self.api_key is not None:
            refusal = self._check_key(request.headers)
            if refusal is not None:
                return refusal
        if request.body:
            content_type = (_header(scope, b"content-type") or b"").decode("latin-1")
            if content_type == "application/json":
                return None
            media = content_type.partition(";")[0].strip().lower()
            if media not in _MEDIA_TYPES and not media.endswith("+json"):
                return APIError(
                    400,
                    f"Invalid Content-Type header ({content_type}), expected application/json. "
                    "(HINT: If you're using curl, you can pass -H 'Content-Type: application/json')",
                )
        return None

    def _check_key(self, headers: Mapping[str, str]) -> APIError | None:
        authorization = headers.get("authorization")
        if authorization is not None:
            scheme, _, key = authorization.partition(" ")
            key = key.strip() if scheme.lower() == "bearer" else authorization.strip()
        else:
            key = headers.get("api-key", "").strip()  # Azure's header
        if key == self.api_key:
            return None
        if not key:
            return APIError(401, _NO_KEY, headers=_AUTHENTICATE)
        return APIError(
            401,
            f"Incorrect API key provided: {_redact(key)}. {_KEY_HINT}",
            code="invalid_api_key",
            headers=_AUTHENTICATE,
        )

    def _record(self, request: Request, error: APIError) -> Response:
        """Answer ``error`` and log the request, as the core logs the requests it answers."""
        response = _core.error_response(self.fake._state, error)
        request.endpoint = _core.normalize(request.path)
        request.status = response.status
        request.response = response
        self.fake.requests.append(request)
        return response

    async def _control(
        self, scope: Scope, path: str, raw_query: bytes, body: bytes | APIError, receive: Receive, send: Send
    ) -> None:
        from ._control import handle

        status: int
        payload: Any
        if scope["method"] == "GET":  # the inspector's page and event feed, which are not JSON
            from . import _inspector

            sub = path[len(CONTROL_PREFIX) :]
            if await _inspector.serve(self, scope, sub, Headers(scope["headers"]), _query(raw_query), receive, send):
                return
        if isinstance(body, APIError):
            status, payload = body.status, body.body()
        else:
            refusal = self._check_key(Headers(scope["headers"])) if self.api_key is not None else None
            if refusal is not None:
                status, payload = refusal.status, refusal.body()
            else:
                status, payload = handle(self, scope["method"], path[len(CONTROL_PREFIX) :], _query(raw_query), body)
        data = dumps(payload)
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(data))]
        if status == 401:
            headers.append((b"www-authenticate", _AUTHENTICATE["www-authenticate"].encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    async def _realise(
        self, response: Response, started: float, loop: asyncio.AbstractEventLoop, receive: Receive, send: Send
    ) -> None:
        """Write ``response`` as it describes itself: delays, events, and how the connection ends."""
        headers = [_encoded(pair) for pair in response.headers]
        drop = response.then == "drop"
        events = response.events
        if events is None:
            headers.append((b"content-length", b"%d" % len(response.body)))
            if response.delay > 0:
                watch = self._watch(loop, receive)
                try:
                    if not await watch.until(started + response.delay, response.delay):
                        return
                finally:
                    watch.close()
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            if drop:
                raise ConnectionDropped("connection dropped before the body, as scripted")
            await send({"type": "http.response.body", "body": response.body})
            return
        # read_to_end: False from the start, True as the last byte goes out (set before the write, so
        # whoever reads the request once the client has the byte sees it); a client gone, a drop or a
        # stall the client gives up on leave it False.
        response.read_to_end = False
        delays, datas = columns(events)
        if response.delay <= 0 and not any(delays):
            # Nothing to wait for: the whole stream in one write, as a network would deliver it.
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            data = b"".join(datas)
            response.read_to_end = not drop
            await send({"type": "http.response.body", "body": data, "more_body": drop})
            if drop:
                raise ConnectionDropped("stream dropped, as scripted")
            return
        plan = coalesce(events)
        due = started + response.delay
        watch = self._watch(loop, receive)
        try:
            if response.delay > 0 and not await watch.until(due, response.delay):
                return
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            last = len(plan) - 1
            for index, (delay, data) in enumerate(plan):
                if delay > 0:
                    due += delay
                    if not await watch.until(due, delay):
                        return
                elif watch.gone:
                    return
                if index == last:
                    response.read_to_end = not drop
                await send({"type": "http.response.body", "body": data, "more_body": drop or index < last})
            if not plan:
                response.read_to_end = not drop
                await send({"type": "http.response.body", "body": b"", "more_body": drop})
        finally:
            watch.close()
        if drop:
            raise ConnectionDropped("stream dropped, as scripted")

    def _watch(self, loop: asyncio.AbstractEventLoop, receive: Receive) -> _Watch:
        sleep = self.fake.async_sleep
        return _Watch(loop, receive, None if sleep is anyio.sleep else sleep)


def _url(scope: Scope, raw_query: bytes) -> str:
    host = _header(scope, b"host")
    if host is None:
        server = scope.get("server") or ("localhost", None)
        host = (f"{server[0]}:{server[1]}" if server[1] else str(server[0])).encode()
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    scheme: str = scope.get("scheme", "http")
    url = scheme + "://" + host.decode("latin-1") + raw_path.decode("latin-1")
    return url + "?" + raw_query.decode("latin-1") if raw_query else url


def _too_large(size: int, limit: int) -> APIError:
    return APIError(
        413,
        f"Request body too large: {size} bytes, the limit is {limit} bytes.",
        code="request_too_large",
    )


def app(
    fake: FakeOpenAI | None = None,
    *,
    api_key: str | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    keep_requests: int | None = None,
    control: bool = True,
    scenario: Any = None,
) -> FakeOpenAIApp:
    """An ASGI application serving the OpenAI API from ``fake`` (a new :class:`FakeOpenAI` by default).

    Mount it in any ASGI server, or test it in-process with ``httpx.ASGITransport(app=...)``.

    - ``api_key``: answer requests carrying any other key with the real API's 401 (default: any key).
    - ``max_body``: bodies over this many bytes get a 413.
    - ``keep_requests``: keep only the last N requests in ``fake.requests`` (default: the fake's own
      bound, ``FakeOpenAI(keep_requests=...)``, 10,000 unless set).
    - ``control``: serve the control API under ``/_fakeopenai/`` (replies, failures, rules, rate
      limits, failure rates, requests, reset); see ``docs/server.md``.
    - ``scenario``: a scenario document (a dict or list, as in a scenario file) applied at start and
      after every reset.
    """
    from .._scenario import parse_scenario

    fake = fake if fake is not None else FakeOpenAI()
    entries = (
        parse_scenario(scenario, ttft=fake._state.ttft, token_delay=fake._state.token_delay)
        if scenario is not None
        else []
    )
    return FakeOpenAIApp(
        fake, api_key=api_key, max_body=max_body, keep_requests=keep_requests, control=control, scenario=entries
    )


class DroppedFilter(logging.Filter):
    """Hides the server's error log of a :class:`ConnectionDropped` (a scripted fault, not a bug)."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = record.exc_info
        return not (info and isinstance(info[1], ConnectionDropped))
