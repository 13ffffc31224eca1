"""serve's short way for a request that arrives whole and gets an answer with nothing to wait for.

uvicorn serves each request as an ASGI task: it builds the scope, a request-response cycle, an
event and a task; the app reads the body through ``receive`` and writes the answer in two ``send``
messages, which h11 turns into two writes, checking every header on the way. For a fake whose usual
answer is ready the moment the request is in, that machinery costs more than the fake's own work.
Here, once h11 (the same parser) has the whole request, the protocol asks the app to render it at
once (:meth:`FakeOpenAIApp.prepare` and :meth:`~FakeOpenAIApp.render`, the code the ASGI path runs)
and writes the answer with h11 in one write: the same status line, headers (uvicorn's ``date``
first, as it sends it) and body bytes, the same keep-alive and ``connection: close`` handling. A
request whose body comes in later packets is held until it is whole (under the request deadline);
in a burst, one over the pacer's budget for this loop iteration waits its turn as a callback.

Everything else goes uvicorn's way, untouched: the control API, ``HEAD``, a client waiting for
``100 Continue``, an upgrade, a body over the size limit or too large to hold, the access log, and
any answer with a delay, a stream with timed events, a scripted drop or a cassette forward. A
request the core has already answered is handed to uvicorn's cycle as usual (the events taken from
h11 given back by :class:`_Replay`), with its answer under :data:`RENDERED` in the scope, so the app
only writes it (and an exception the core raised is raised in that task, where uvicorn logs it and
answers 500, as before).
"""
from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from time import perf_counter
from typing import Any
from urllib.parse import unquote

import h11
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT

from .._wire import Response, columns
from ._asgi import RECEIVED, RENDERED, FakeOpenAIApp, _encoded

__all__ = ["Direct"]

_CLOSE = (b"connection", b"close")
_HEAD = b"HEAD"
_LENGTH = b"content-length"
#: Response header pairs checked (as h11 would), so each distinct one is checked once (cleared when it
#: grows large: ``x-request-id`` and ``date`` values change all the time).
_VALID: dict[tuple[bytes, bytes], tuple[bytes, bytes, bytes]] = {}
_VALID_MAX = 4096
_FRAMING = (_LENGTH, b"transfer-encoding")

# A strict subset of what h11 accepts (RFC 9110 tokens; visible ASCII words separated by blanks):
# a pair that does not match is left to h11's own checks.
_NAME = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+")
_VALUE = re.compile(rb"(?:[!-~]+(?:[ \t]+[!-~]+)*)?")

_Checked: Any = None
with contextlib.suppress(ImportError):  # h11's own checked headers (raw name, lower-cased name, value)
    from h11._headers import Headers as _Checked


def _checked(pairs: list[tuple[bytes, bytes]], tail: list[tuple[bytes, bytes, bytes]]) -> Any:
    """``pairs`` (then ``tail``, already checked) as h11 holds headers it has checked, or ``None`` when
    one needs h11's own checks (an unusual character, a framing header in the answer itself)."""
    if _Checked is None:
        return None
    valid = _VALID
    items = []
    for pair in pairs:
        item = valid.get(pair)
        if item is None:
            name = pair[0].lower()
            if name in _FRAMING or _NAME.fullmatch(pair[0]) is None or _VALUE.fullmatch(pair[1]) is None:
                return None
            if len(valid) >= _VALID_MAX:
                valid.clear()
            item = valid[pair] = (pair[0], name, pair[1])
        items.append(item)
    return _Checked(items + tail)


def _plain(response: Response) -> bool:
    """Whether ``response`` is written at once, whole: nothing to wait for, no drop, no forward
    (a cassette's ``Forward`` is a subclass)."""
    if type(response) is not Response or response.delay > 0 or response.then != "close":
        return False
    events = response.events
    return events is None or not any(columns(events)[0])


class _Replay:
    """h11's connection, giving back first the events the short way took from it before it gave up."""

    def __init__(self, conn: h11.Connection, events: list[Any]) -> None:
        self._conn = conn
        self._events = events

    def next_event(self) -> Any:
        if self._events:
            return self._events.pop(0)
        return self._conn.next_event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class Direct:
    """Mixed into uvicorn's ``H11Protocol``: serves whole requests with ready answers without a task."""

    # uvicorn's H11Protocol attributes this uses
    conn: h11.Connection
    app: Any
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    flow: Any
    server_state: Any
    server: Any
    scheme: Any
    root_path: str
    limit_concurrency: int | None
    access_log: bool
    cycle: Any
    scope: Any
    on_response_complete: Callable[[], None]
    logger: Any
    send_400_response: Callable[[str], None]
    _unset_keepalive_if_required: Callable[[], None]

    _busy = False  # inside handle_events: a nested call (from on_response_complete) returns at once
    _taking: list[Any] | None = None  # the events of a request whose body is still coming
    _size = 0  # bytes of body taken so far
    _parked: list[Any] | None = None  # a whole request waiting for the pacer to give it its turn
    _parked_at = 0.0  # when its data came
    received = 0.0  # loop time at which the last data arrived (set by the protocol)

    def request_begun(self) -> None:
        """A request has begun and its body is still coming (the protocol may time it)."""

    def request_whole(self) -> None:
        """The request taken here is whole (the protocol may stop timing it)."""

    def answered_at_once(self, seconds: float) -> None:
        """A request read in this loop iteration took ``seconds`` to answer, before the next read."""

    def handle_events(self) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            while self._direct():
                pass
        finally:
            self._busy = False

    def _direct(self) -> bool:
        """Take the next request from h11 and serve it the short way if it can be; ``True`` to look
        for another. A request whose body is still coming is kept until it is whole."""
        if self._parked is not None:
            return False
        conn = self.conn
        taken = self._taking
        if taken is None:
            app = self.app
            if (
                conn.their_state is not h11.IDLE
                or conn.our_state is not h11.IDLE
                or type(app) is not FakeOpenAIApp
                or self.access_log
                or self.limit_concurrency is not None
                or self.flow.write_paused
                or self.root_path
            ):
                super().handle_events()  # type: ignore[misc]
                return False
            try:
                event = conn.next_event()
            except h11.RemoteProtocolError:
                return self._uvicorn([])  # it raises again there, and answers its 400
            if event is h11.NEED_DATA:
                return False
            taken = [event]
            if not self._short(event):
                return self._uvicorn(taken)
            self._unset_keepalive_if_required()  # as uvicorn does for each request: it is not idle
            self._size = 0
        while True:
            try:
                part = conn.next_event()
            except h11.RemoteProtocolError:
                self._taking = None
                return self._uvicorn(taken)
            if part is h11.NEED_DATA:
                if self._size > HIGH_WATER_LIMIT:  # a large upload: uvicorn's flow control reads it
                    self._taking = None
                    return self._uvicorn(taken)
                self._taking = taken
                self.request_begun()
                return False
            taken.append(part)
            if type(part) is h11.Data:
                self._size += len(part.data)
            elif type(part) is h11.EndOfMessage:
                break
            else:
                self._taking = None
                return self._uvicorn(taken)
        self._taking = None
        self.request_whole()
        if not self.app.pacer(self.loop).free():
            return self._park(taken)  # a burst: the request waits for its turn, first come first served
        begun = perf_counter()
        more = self._serve(taken)
        self.answered_at_once(perf_counter() - begun)
        return more

    def _short(self, event: Any) -> bool:
        """Whether the request beginning with ``event`` may go the short way, as far as its head tells."""
        if type(event) is not h11.Request or event.method == _HEAD or self.conn.they_are_waiting_for_100_continue:
            return False
        for name, value in event.headers:
            if name == _LENGTH:
                if not value.isdigit() or int(value) > self.app.max_body:
                    return False
            elif name == b"upgrade" or (name == b"connection" and b"upgrade" in value.lower()):
                return False
        return not self.app.is_control(unquote(event.target.partition(b"?")[0].decode("ascii")))

    def _serve(self, taken: list[Any]) -> bool:
        """Answer a whole request (its events taken from h11): at once if the answer is ready."""
        app = self.app
        event = taken[0]
        # h11 gives bytearrays
        body = bytes(taken[1].data) if len(taken) == 3 else b"".join([part.data for part in taken[1:-1]])
        if len(body) > app.max_body:
            return self._uvicorn(taken)
        raw_path, _, query = event.target.partition(b"?")
        path = unquote(raw_path.decode("ascii"))
        headers = list(event.headers)
        scope = {
            "type": "http",
            "method": event.method.decode("ascii"),
            "scheme": self.scheme,
            "server": self.server,
            "path": path,
            "raw_path": raw_path,
            "query_string": query,
            "headers": headers,
        }
        try:
            request, response = app.prepare(scope, path, body)
            if response is None:
                response = app.render(request)
        except Exception as exc:  # raised again in uvicorn's task, which logs it and answers 500
            return self._uvicorn(taken, exc)
        if not _plain(response):
            return self._uvicorn(taken, response)
        return self._write(response, _CLOSE in headers, taken)

    def _write(self, response: Response, close: bool, taken: list[Any]) -> bool:
        """Write a ready answer as uvicorn would (its headers first, the length, ``connection: close``
        when the client sent it), in one write; ``True`` when the connection stays open."""
        pairs = self.server_state.default_headers + [_encoded(pair) for pair in response.headers]
        events = response.events
        tail = []
        if events is None:
            body = response.body
            tail.append((_LENGTH, _LENGTH, b"%d" % len(body)))
        else:
            body = b"".join(columns(events)[1])
        if close and _CLOSE not in pairs:
            tail.append((_CLOSE[0], _CLOSE[0], _CLOSE[1]))
        headers = _checked(pairs, tail)
        status, reason = response.status, _reason(response.status)
        try:
            if headers is not None:
                head = h11.Response(status_code=status, headers=headers, reason=reason, _parsed=True)
            else:  # h11 checks them, as it does for uvicorn
                pairs += [(name, value) for name, _, value in tail]
                head = h11.Response(status_code=status, headers=pairs, reason=reason)
        except h11.LocalProtocolError:  # uvicorn's way reports it
            return self._uvicorn(taken, response)
        conn = self.conn
        data = conn.send(head)
        assert data is not None
        if body:
            data += conn.send(h11.Data(data=body)) or b""
        data += conn.send(h11.EndOfMessage()) or b""
        if events is not None:
            response.read_to_end = True
        transport = self.transport
        transport.write(data)
        if conn.our_state is h11.MUST_CLOSE:
            conn.send(h11.ConnectionClosed())
            transport.close()
        self.on_response_complete()
        return not transport.is_closing()

    def _park(self, taken: list[Any]) -> bool:
        """Wait for the pacer's turn with the whole request taken."""
        self._parked = taken
        self._parked_at = self.received  # more data may come meanwhile: h11 keeps it for later
        self.app.pacer(self.loop).defer(self._unpark)
        return False

    def _unpark(self) -> None:
        taken = self._parked
        self._parked = None
        if taken is None or self.transport.is_closing():
            return
        RECEIVED.set(self._parked_at)  # in this callback's own context: when the request's data came
        self._busy = True
        try:
            if self._serve(taken):
                while self._direct():
                    pass
        finally:
            self._busy = False

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown; a request held here is handed to uvicorn first, to be answered."""
        taken = self._taking if self._taking is not None else self._parked
        if taken is not None:
            self._taking = self._parked = None
            self._uvicorn(taken)
        super().shutdown()  # type: ignore[misc]

    def _uvicorn(self, taken: list[Any], rendered: Any = None) -> bool:
        """Let uvicorn's own ``handle_events`` serve this request, from the events already taken."""
        conn = self.conn
        previous = self.cycle
        self.conn = _Replay(conn, taken)  # type: ignore[assignment]
        try:
            super().handle_events()  # type: ignore[misc]
        finally:
            self.conn = conn
        cycle = self.cycle
        if cycle is not None and cycle is not previous:
            if cycle.conn is not conn:
                cycle.conn = conn
            if rendered is not None:
                cycle.scope[RENDERED] = rendered
        return False


_REASONS: dict[int, bytes] = {}


def _reason(status: int) -> bytes:
    found = _REASONS.get(status)
    if found is None:
        from uvicorn.protocols.http.h11_impl import STATUS_PHRASES

        found = _REASONS[status] = STATUS_PHRASES.get(status, b"")
    return found

