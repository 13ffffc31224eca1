"""``python -m fakeopenai serve``: the ASGI app under uvicorn, one process or several.

Imported only by :func:`fakeopenai.server.main`, so the in-process library never imports uvicorn.
The socket is bound here (so ``--port 0`` picks a free port and the URL printed is the real one);
with ``--workers N`` each worker process has its own fake, built from the same options.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import inspect
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .._fake import FakeOpenAI
from .._limits import MAX_COUNT, MAX_DELAY, count, delay
from .._scenario import load_file, parse_scenario
from .._wire import Request
from ._asgi import DEFAULT_MAX_BODY, RECEIVED, DroppedFilter, FakeOpenAIApp, Headers
from ._direct import Direct

__all__ = ["build_app", "main", "worker_app"]

_OPTIONS_ENV = "FAKEOPENAI_SERVE_OPTIONS"
_SIZES = {"": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2, "mib": 1024**2, "g": 1024**3}


def _size(text: str) -> int:
    """``33554432``, ``32MiB``, ``512k``: a size in bytes."""
    number = text.strip().lower()
    suffix = number.lstrip("0123456789")
    digits = number[: len(number) - len(suffix)]
    if not digits or suffix.strip() not in _SIZES:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 33554432, 32MiB or 512k)")
    return int(digits) * _SIZES[suffix.strip()]


def _seconds(text: str) -> float:
    try:
        return delay(float(text), "seconds")
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds from 0 to {MAX_DELAY:g}, not {text!r}") from None


def _count(text: str) -> int:
    try:
        return count(int(text), "count")
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {MAX_COUNT}, not {text!r}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m fakeopenai serve",
        description="Serve the fake OpenAI API over HTTP (base URL http://HOST:PORT/v1; control API under "
        "/_fakeopenai/). Every worker process has its own fake: state is per process.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port, 0 for any free one (default: 8080)")
    parser.add_argument("--workers", type=int, default=1, help="processes, each with its own fake (default: 1)")
    parser.add_argument("--scenario", metavar="FILE", help="rules and queued answers (JSON, or YAML with PyYAML)")
    parser.add_argument("--api-key", help="accept only this key; any other gets the real API's 401")
    parser.add_argument("--ttft", type=_seconds, default=0.0, help="default seconds before the first token")
    parser.add_argument("--token-delay", type=_seconds, default=0.0, help="default seconds between tokens")
    parser.add_argument("--seed", help="make ids repeatable")
    parser.add_argument(
        "--rpm", type=_positive, metavar="N", help="requests per minute for each model (per worker process)"
    )
    parser.add_argument(
        "--tpm", type=_positive, metavar="N", help="tokens per minute for each model (per worker process)"
    )
    parser.add_argument(
        "--max-body", type=_size, default=DEFAULT_MAX_BODY, help="larger request bodies get 413 (default: 32MiB)"
    )
    parser.add_argument(
        "--keep-requests", type=_count, default=1000, help="recorded requests kept per process (default: 1000)"
    )
    parser.add_argument("--cassette", metavar="FILE", help="replay (and record) answers from this cassette file")
    parser.add_argument(
        "--upstream", metavar="URL", default="https://api.openai.com/v1", help="where --cassette records from"
    )
    parser.add_argument(
        "--record", choices=["none", "once", "new", "all"], default="once", help="--cassette recording mode"
    )
    parser.add_argument("--no-control", action="store_true", help="do not serve the /_fakeopenai/ control API")
    parser.add_argument("--no-validate", action="store_true", help="do not validate request bodies")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="answer 400 for any body outside the SDK's parameter types (default: only what the API refuses)",
    )
    parser.add_argument(
        "--any-id",
        action="store_true",
        help="every id of a known kind exists: unknown ids get a made-up object instead of the real 404",
    )
    parser.add_argument("--http", choices=["auto", "h11", "httptools"], default="auto", help="uvicorn HTTP parser")
    parser.add_argument("--loop", choices=["auto", "asyncio", "uvloop"], default="auto", help="event loop")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (default: warning)")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument(
        "--request-timeout",
        type=_seconds,
        default=DEFAULT_REQUEST_TIMEOUT,
        help="seconds a client has to send a whole request (head and body) before the connection is closed "
        f"with a 408; 0: no limit (default: {DEFAULT_REQUEST_TIMEOUT:g})",
    )
    parser.add_argument(
        "--keep-alive-timeout",
        type=_seconds,
        default=DEFAULT_KEEP_ALIVE,
        help=f"seconds an idle keep-alive connection stays open (default: {DEFAULT_KEEP_ALIVE:g})",
    )
    parser.add_argument(
        "--graceful-timeout", type=_seconds, default=2.0, help="seconds open streams get to finish on shutdown"
    )
    return parser


def build_app(options: dict[str, Any]) -> FakeOpenAIApp:
    """The app for one process, from the parsed options (as a JSON-able dict)."""
    fake = FakeOpenAI(
        seed=options.get("seed"),
        validate=not options.get("no_validate", False),
        strict=options.get("strict", False),
        ttft=options.get("ttft", 0.0),
        token_delay=options.get("token_delay", 0.0),
        rpm=options.get("rpm"),
        tpm=options.get("tpm"),
        any_id=options.get("any_id", False),
    )
    if options.get("cassette"):
        from .._cassette import Cassette

        mode = options.get("record", "once")
        fake.cassette = Cassette(options["cassette"], record=mode, upstream=options.get("upstream"), autosave=True)
    entries = []
    if options.get("scenario"):
        timing = {"ttft": fake._state.ttft, "token_delay": fake._state.token_delay}
        entries = parse_scenario(load_file(options["scenario"]), **timing)
    return FakeOpenAIApp(
        fake,
        api_key=options.get("api_key"),
        max_body=options.get("max_body", DEFAULT_MAX_BODY),
        keep_requests=options.get("keep_requests"),
        control=not options.get("no_control", False),
        scenario=entries,
    )


def worker_app() -> FakeOpenAIApp:
    """The app factory each ``--workers`` process calls (options come through the environment)."""
    logging.getLogger("uvicorn.error").addFilter(DroppedFilter())
    options = json.loads(os.environ[_OPTIONS_ENV])
    _set_request_timeout(options.get("request_timeout", DEFAULT_REQUEST_TIMEOUT))
    app = build_app(options)
    warm(validate=not options.get("no_validate", False))
    return app


#: One valid request per endpoint whose first use loads code (the SDK's request types, validators).
_WARM_UP: tuple[tuple[str, dict[str, Any]], ...] = (
    ("/v1/chat/completions", {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}),
    ("/v1/responses", {"model": "gpt-4o-mini", "input": "Hi"}),
    ("/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "Hi"}),
    ("/v1/embeddings", {"model": "text-embedding-3-small", "input": "Hi"}),
    ("/v1/moderations", {"input": "Hi"}),
)


def warm(validate: bool = True) -> None:
    """Make this process ready to answer at once, and keep the collector's full passes short.

    The first request of each kind loads the SDK's request types and builds their validators
    (whole, not member by member as in-process): done here, on a throwaway fake, before the server says
    it is serving, so no client's first request waits for it. Then everything alive is frozen
    (``gc.freeze``): a full collection walks every tracked object, and with the SDK's types loaded
    that took 40-60 ms during which no stream was served; now it walks only what requests create.
    Young collections run every 3,000 allocations rather than 700: a 200-token stream allocates
    hundreds of objects (kept with the recorded request), and walking them 700 at a time cost a
    sixth of its rendering; less often still, each pause would grow past a millisecond and show in
    the gaps between tokens.
    """
    if validate:
        from .._sdk_validation import prepare

        prepare()
    scratch = FakeOpenAI(validate=validate)
    headers = Headers([(b"content-type", b"application/json")])
    for path, body in _WARM_UP:
        with contextlib.suppress(Exception):  # an answer is not needed, only what it loads
            scratch.handle(Request("POST", "http://127.0.0.1" + path, path, headers, {}, json.dumps(body).encode()))
    del scratch
    gc.collect()
    gc.freeze()
    gc.set_threshold(3_000, *gc.get_threshold()[1:])


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it each event written after the headers waits for the client's delayed ACK (~40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _announce(base: str, workers: int) -> Callable[[], None]:
    def announce() -> None:
        where = f" ({workers} worker processes, each with its own state)" if workers > 1 else ""
        print(f"fakeopenai serving {base}/v1{where}; control API at {base}/_fakeopenai/ - Ctrl-C to stop", flush=True)

    return announce


#: Seconds a client has to send a whole request (head and body) once it starts one, or once it
#: connects: nginx gives 60 s to each of the head and the body; on loopback 30 s for both is generous.
DEFAULT_REQUEST_TIMEOUT = 30.0
#: Seconds an idle keep-alive connection stays open: longer than the 5 s after which the SDK's pool
#: (httpx) lets go of one, so that the client, not the server, closes it and no request races a close
#: (uvicorn's own default is 5 s).
DEFAULT_KEEP_ALIVE = 15.0
_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
    b"content-length: 31\r\n\r\nRequest not completed in time.\n"
)


class _Iteration:
    """The time requests read in this event-loop iteration count as received at.

    With serve's short way, a request read in an iteration may be answered right there, before the
    next connection is read: the time those answers took (:meth:`answered`) is taken off the arrival
    stamps of the requests read after them in the same iteration, so a burst's later requests are
    stamped as they would be if nothing had been answered meanwhile (as uvicorn's own way, which
    answers in later iterations, stamps them). Reset by a callback that runs before the next reads.
    """

    __slots__ = ("_loop", "_shift")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._shift = 0.0

    def time(self) -> float:
        return self._loop.time() - self._shift

    def answered(self, seconds: float) -> None:
        if not self._shift:
            self._loop.call_soon(self._reset)
        self._shift += seconds

    def _reset(self) -> None:
        self._shift = 0.0


_ITERATION: _Iteration | None = None


def _iteration(loop: asyncio.AbstractEventLoop) -> _Iteration:
    """The loop's :class:`_Iteration`: one for all connections (a server process has one loop)."""
    global _ITERATION
    found = _ITERATION
    if found is None or found._loop is not loop:
        found = _ITERATION = _Iteration(loop)
    return found


class _Deadline:
    """Closes a connection whose request is not complete ``request_timeout`` seconds after it began.

    The clock starts when the connection opens and when the first byte of each later request
    arrives; it stops once the head and the whole body are in (however long the answer then takes).
    uvicorn times out idle keep-alive connections but not a client that sends half a request and
    stops: without this, such clients hold a connection each for as long as they like. The request
    gets a 408 when it had begun, the connection is closed either way. Mixed into uvicorn's h11 and
    httptools protocols, whose request cycles both say ``more_body`` and ``response_complete``.
    """

    request_timeout = DEFAULT_REQUEST_TIMEOUT
    received = 0.0  # loop time at which the last data arrived
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any
    _timer: asyncio.TimerHandle | None = None
    _due: float | None = None  # loop time at which the request times out (the timer is set lazily)
    _iteration: _Iteration | None = None
    _begun = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def data_received(self, data: bytes) -> None:
        iteration = self._iteration
        if iteration is None:
            iteration = self._iteration = _iteration(self.loop)
        self.received = now = iteration.time()
        RECEIVED.set(now)  # the request's task copies this context when it is created
        if self._due is None:  # the first bytes of a request after an answer
            self._begun = False
            if self.request_timeout > 0:
                self._due = now + self.request_timeout  # the timer is set below, if still needed
        self._begun = True
        super().data_received(data)  # type: ignore[misc]
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and not cycle.more_body:
            self._disarm()  # the whole request is in
        elif self._due is not None and self._timer is None:  # not answered at once (as most are)
            self._timer = self.loop.call_at(self._due, self._expired)

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._disarm()  # idle now: uvicorn's keep-alive timeout takes over
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and cycle.more_body:
            self._arm()  # a pipelined request whose body is still coming

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def request_begun(self) -> None:  # serve's short way holds a request whose body is coming
        if self._due is None:
            self._arm()
            self._begun = True

    def request_whole(self) -> None:  # ... and now has it whole
        self._disarm()

    def answered_at_once(self, seconds: float) -> None:  # ... and answered it, in this many seconds
        if self._iteration is not None:
            self._iteration.answered(seconds)

    def _arm(self) -> None:
        self._disarm()
        self._begun = False
        if self.request_timeout > 0:
            self._due = self.loop.time() + self.request_timeout
            self._timer = self.loop.call_at(self._due, self._expired)

    def _disarm(self) -> None:
        self._due = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = self._due = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and not cycle.more_body:
            return  # complete after all: being answered
        answering = cycle is not None and not cycle.response_complete and cycle.response_started
        if self._begun and not answering:
            self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()


class StampedH11Protocol(_Deadline, Direct, H11Protocol):
    """uvicorn's h11 protocol, telling the app when each request arrived (:data:`RECEIVED`), with a
    deadline for completing each request, answering whole requests with ready answers at once
    (:class:`~fakeopenai.server._direct.Direct`)."""


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is not installed
    StampedHttpToolsProtocol: type[asyncio.Protocol] | None = None
else:

    class _StampedHttpTools(_Deadline, HttpToolsProtocol):
        """uvicorn's httptools protocol, telling the app when each request arrived, with a deadline."""

    StampedHttpToolsProtocol = _StampedHttpTools


def _protocol(name: str) -> type[asyncio.Protocol]:
    """The stamped protocol class for ``--http`` (``auto``: httptools when installed, as uvicorn does)."""
    if name != "h11" and StampedHttpToolsProtocol is not None:
        return StampedHttpToolsProtocol
    if name == "httptools":
        raise SystemExit("fakeopenai serve: --http httptools needs httptools (pip install 'uvicorn[standard]')")
    return StampedH11Protocol


def _set_request_timeout(seconds: float) -> None:
    """``--request-timeout`` for every connection this process serves (worker processes set their own)."""
    _Deadline.request_timeout = seconds


class _Server(uvicorn.Server):
    """uvicorn's server, announcing the base URL once it accepts connections."""

    def __init__(self, config: uvicorn.Config, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            self._announce()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, bind, serve until Ctrl-C or SIGTERM; the exit status."""
    options = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if options.workers < 1:
        print("fakeopenai serve: --workers must be at least 1", file=sys.stderr)
        return 2
    if options.cassette and options.workers > 1:
        print("fakeopenai serve: --cassette needs a single worker (each would write the file)", file=sys.stderr)
        return 2
    settings = {key: value for key, value in vars(options).items() if value is not None}
    try:
        app = build_app(settings)  # fails early, in the parent, on a bad scenario file
    except (OSError, ImportError, ValueError) as exc:  # a bad scenario or cassette file
        print(f"fakeopenai serve: {exc}", file=sys.stderr)
        return 2
    try:
        sock = _bind(options.host, options.port)
    except OSError as exc:
        print(f"fakeopenai serve: cannot listen on {options.host}:{options.port}: {exc}", file=sys.stderr)
        return 1
    common: dict[str, Any] = {
        "http": _protocol(options.http),
        "timeout_keep_alive": options.keep_alive_timeout,
        "loop": options.loop,
        "log_level": options.log_level.lower(),
        "access_log": options.access_log,
        "server_header": False,
        "proxy_headers": False,  # a fake behind no proxy: skip uvicorn's X-Forwarded-* middleware
        "timeout_graceful_shutdown": options.graceful_timeout,
        "lifespan": "on",
    }
    announce = _announce(_base_url(sock), options.workers)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if options.workers == 1:
            _set_request_timeout(options.request_timeout)
            warm(validate=not options.no_validate)
            config = uvicorn.Config(app, **common)
            logging.getLogger("uvicorn.error").addFilter(DroppedFilter())
            server = _Server(config, announce)
            server.run(sockets=[sock])
            if not server.started:
                return 1
        else:
            _serve_workers(settings, sock, options.workers, common, announce)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
    print("fakeopenai stopped", flush=True)
    return 0


def _serve_workers(
    settings: dict[str, Any], sock: socket.socket, workers: int, common: dict[str, Any], announce: Callable[[], None]
) -> None:
    from uvicorn.supervisors import Multiprocess

    os.environ[_OPTIONS_ENV] = json.dumps(settings)
    config = uvicorn.Config("fakeopenai.server._cli:worker_app", factory=True, workers=workers, **common)
    sock.listen(config.backlog)  # connections queue from now on, until a worker takes them
    announce()
    if "target" in inspect.signature(Multiprocess).parameters:  # older uvicorn
        supervisor = Multiprocess(config, target=uvicorn.Server(config).run, sockets=[sock])  # type: ignore[call-arg]
    else:
        supervisor = Multiprocess(config, sockets=[sock])
    supervisor.run()
