"""The inspector: a page at ``GET /_fakeopenai/`` for a browser, and the event feed it reads.

The page (``inspector.html``, package data: one file with its script and style inline, nothing fetched
from anywhere else, so it works offline) uses the control API and nothing else:
``GET /_fakeopenai/events`` and ``POST /_fakeopenai/reset``.

The feed is Server-Sent Events. Each connection first gets the recent requests, then, as they happen:

- ``request``: a request and its answer (``seq`` numbers it for this connection; a stream still being
  sent comes again, with the same ``seq``, once its last byte is out or the client has left);
- ``reset``: the request log was cleared (``POST /_fakeopenai/reset``);
- ``script``: what ``GET /_fakeopenai/script`` answers, whenever it changes (the queue, the rules,
  failure rates, the rate limit).

The feed looks at the fake every :data:`INTERVAL` seconds rather than being told: the core stays free
of listeners and costs nothing when no one watches. With ``--api-key``, a browser (whose
``EventSource`` cannot send headers) passes the key as ``?key=``; the page takes it from its own URL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

from .._wire import Request, Response, dumps, sse
from ._control import request_json, script_json

if TYPE_CHECKING:
    from ._asgi import FakeOpenAIApp, Receive, Scope, Send

__all__ = ["INTERVAL", "ROUTES", "Tracker", "serve"]

#: Control routes served here, for the index: (method, path under ``/_fakeopenai``, what it does).
ROUTES = [
    ("GET", "/events", "Server-Sent Events: each request and its answer, resets, script changes (the inspector's)."),
]
#: Seconds between two looks at the fake.
INTERVAL = 0.1
#: Seconds of silence after which the feed sends a comment, so that proxies keep the connection.
KEEPALIVE = 15.0
#: Requests a new connection is sent from the log (the most recent).
BACKLOG = 200
#: Requests sent per look at most (the rest at the next look), so that a connection to a busy server
#: never holds the event loop, which times every stream, for long: about a millisecond per request.
BATCH = 20
#: Events and characters shown per response; longer ones are cut (``event_count`` tells how many).
MAX_EVENTS = 2000
MAX_TEXT = 64 * 1024

_PAGE: bytes | None = None


def page() -> bytes:
    """The inspector page (read once from the package)."""
    global _PAGE
    if _PAGE is None:
        _PAGE = resources.files(__package__).joinpath("inspector.html").read_bytes()
    return _PAGE


def _text(data: bytes, limit: int = MAX_TEXT) -> str:
    text = data[:limit].decode("utf-8", "replace")
    return text if len(data) <= limit else text + f"… ({len(data)} bytes)"


def response_json(response: Response | None) -> dict[str, Any] | None:
    """A response description as the feed shows it: a stream as its events, each with its time.

    ``at`` is when an event is due, in seconds after the request arrived: the schedule the server
    keeps (``delay`` before the first byte, then each event's own delay).
    """
    if response is None:
        return None
    view: dict[str, Any] = {
        "status": response.status,
        "headers": [list(pair) for pair in response.headers],
        "delay": response.delay,
        "then": response.then,
        "read_to_end": response.read_to_end,
    }
    if response.events is None:
        view["body"] = _text(response.body)
        return view
    at = response.delay
    events = []
    for index, event in enumerate(response.events):
        at += event.delay
        if index < MAX_EVENTS:
            events.append({"at": round(at, 6), "data": _text(event.data, 4096).rstrip("\n")})
    view["events"] = events
    view["event_count"] = len(response.events)
    view["duration"] = round(at, 6)
    return view


def _open(request: Request) -> bool:
    """Whether the request's answer may still change (a stream still being sent)."""
    response = request.response
    return response is None or (response.events is not None and response.read_to_end is False)


class Tracker:
    """What one feed connection has sent, and the events that bring it up to date (:meth:`changes`)."""

    def __init__(self, app: FakeOpenAIApp) -> None:
        self.app = app
        self.seq = 0
        self.last: Request | None = None  # the newest request sent
        self.open: dict[Request, tuple[int, float]] = {}  # streams still going: seq, when first sent
        self.script = b""

    def view(self, seq: int, request: Request) -> bytes:
        item = request_json(seq, request)
        item["seq"] = seq
        item["time"] = time.time() - (time.monotonic() - request.received_at)  # wall clock, for display
        item["response"] = response_json(request.response)
        return sse(item, "request")

    def changes(self) -> bytes:
        """The events since the last call (the recent requests, :data:`BATCH` at a time, on the first)."""
        out: list[bytes] = []
        log = self.app.fake.requests
        count = len(log)
        start = max(0, count - BACKLOG)
        if self.last is not None:
            found = next((i for i in range(count - 1, -1, -1) if log[i] is self.last), None)
            if found is None:  # the log was cleared (or trimmed past what was sent)
                out.append(sse({"object": "fakeopenai.reset"}, "reset"))
                self.open.clear()
            else:
                start = found + 1
        now = time.monotonic()
        end = min(count, start + BATCH)
        for request in log[start:end]:
            self.seq += 1
            out.append(self.view(self.seq, request))
            if _open(request):
                self.open[request] = (self.seq, now)
        self.last = log[end - 1] if end else None
        for request, (seq, since) in list(self.open.items()):
            if not _open(request) or now - since > 600:
                del self.open[request]
                out.append(self.view(seq, request))
        script = dumps(script_json(self.app))
        if script != self.script:
            self.script = script
            out.append(sse(script, "script"))
        return b"".join(out)


def _wants_html(headers: Mapping[str, str]) -> bool:
    accept = headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept.split(",", 1)[0]


def _allowed(app: FakeOpenAIApp, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
    return app.api_key is None or query.get("key") == app.api_key or app._check_key(headers) is None


async def serve(
    app: FakeOpenAIApp,
    scope: Scope,
    path: str,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    receive: Receive,
    send: Send,
) -> bool:
    """Answer a ``GET`` for the page or the feed; ``False`` for any other control request (or a bad key).

    ``path`` is the path under ``/_fakeopenai``. The page needs no key (it holds nothing of the fake's);
    the feed does when the server has one, and a request without it goes on to the control API's 401.
    """
    if path in ("", "/") and _wants_html(headers):
        body = page()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", b"%d" % len(body)),
                    (b"cache-control", b"no-cache"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return True
    if path.rstrip("/") == "/events" and _allowed(app, headers, query):
        await _feed(app, receive, send)
        return True
    return False


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _feed(app: FakeOpenAIApp, receive: Receive, send: Send) -> None:
    headers = [
        (b"content-type", b"text/event-stream; charset=utf-8"),
        (b"cache-control", b"no-cache"),
        (b"x-accel-buffering", b"no"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    tracker = Tracker(app)
    gone = asyncio.get_running_loop().create_task(_disconnected(receive))
    try:
        await send({"type": "http.response.body", "body": b"retry: 1000\n\n" + tracker.changes(), "more_body": True})
        quiet = 0.0
        while True:
            done, _ = await asyncio.wait({gone}, timeout=INTERVAL)
            if done:
                return
            data = tracker.changes()
            quiet = 0.0 if data else quiet + INTERVAL
            if quiet >= KEEPALIVE:
                data, quiet = b": keep-alive\n\n", 0.0
            if data:
                await send({"type": "http.response.body", "body": data, "more_body": True})
    finally:
        gone.cancel()
