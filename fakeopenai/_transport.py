"""The I/O edge for httpx-style stacks: realise a response description on a client's request.

Everything that differs between ``httpx`` and ``httpx2`` is a :class:`Flavour` (its ``Response``
class and its exception types); the logic is written once, here. The sync side waits with
``time.sleep``, the async side with ``anyio.sleep`` (asyncio or trio), so a slow stream never blocks
other tasks. Waits longer than the request's read timeout raise the stack's own ``ReadTimeout``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ._wire import Event, Forward, Headers, Request, Response, coalesce

if TYPE_CHECKING:
    from ._fake import FakeOpenAI

__all__ = ["EventStream", "Flavour", "TransportBase"]

_DROPPED = "peer closed connection without sending complete message body (incomplete chunked read)"


@dataclass(frozen=True)
class Flavour:
    """One HTTP stack: ``httpx`` or ``httpx2``."""

    name: str
    response: Any
    byte_stream: Callable[[bytes], Any]
    read_timeout: Callable[..., Exception]
    remote_protocol_error: Callable[..., Exception]
    stream: type[EventStream]
    headers_class: Any
    #: The stack's ``Headers`` for a list of pairs (made from ``headers_class``).
    headers: Callable[[Iterable[tuple[str, str]]], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", _HeaderCache(self.headers_class))


def _wait(delay: float, timeout: float | None) -> float:
    """How long to wait: ``delay``, or the read timeout when that comes first."""
    return timeout if timeout is not None and delay > timeout else delay


def _timed_out(flavour: Flavour, request: Any) -> Exception:
    return flavour.read_timeout("The read operation timed out", request=request)


def _read_timeout(request: Any) -> float | None:
    timeout = request.extensions.get("timeout")
    return timeout.get("read") if timeout else None


_NO_QUERY: Mapping[str, str] = MappingProxyType({})


def to_request(request: Any, body: bytes) -> Request:
    """The core's view of an httpx/httpx2 request (its headers copied flat, the query the stack's own mapping).

    ``url.params`` parses the query on every access: a URL without one skips it.
    """
    url = request.url
    query = url.params if url.query else _NO_QUERY
    return Request(request.method, str(url), url.path, Headers.of(request.headers), query, body)


class _HeaderCache:
    """Response headers as a stack's ``Headers``, built from pairs normalised once.

    ``Headers(pairs)`` encodes and lower-cases every name and value on every response; the API's
    headers are nearly all constant, so their normalised triples are kept (``x-request-id``, new
    on every answer, is not). A stack whose ``Headers`` does not hold a ``_list`` of
    ``(name, lowered name, value)`` byte triples gets the pairs, as before.
    """

    __slots__ = ("_cls", "_fast", "_known")

    def __init__(self, cls: Any) -> None:
        self._cls = cls
        self._known: dict[tuple[str, str], tuple[bytes, bytes, bytes]] = {}
        try:
            probe = cls([("X-A", "b")])
            self._fast = probe._list == [(b"X-A", b"x-a", b"b")] and cls(probe)._list == probe._list
        except Exception:  # pragma: no cover - a stack that changed its internals
            self._fast = False

    def __call__(self, pairs: Iterable[tuple[str, str]]) -> Any:
        if not self._fast:
            return self._cls(list(pairs))
        known = self._known
        triples = []
        for pair in pairs:
            triple = known.get(pair)
            if triple is None:
                name = pair[0].encode("ascii")
                triple = (name, name.lower(), pair[1].encode("ascii"))
                if len(known) < 512 and not pair[0].startswith("x-request"):
                    known[pair] = triple
            triples.append(triple)
        headers = self._cls()
        headers._list = triples
        return headers


class EventStream:
    """A response body that is both a sync and an async byte stream, waiting before each event."""

    def __init__(self, response: Response, request: Any, flavour: Flavour, fake: FakeOpenAI) -> None:
        self._events: list[Event] = coalesce(response.events or ())
        self._position = 0
        self._then = response.then
        self._request = request
        self._flavour = flavour
        self._fake = fake
        self._timeout = _read_timeout(request)
        self._response = response
        response.read_to_end = False  # until the client takes the last byte

    def _dropped(self) -> Exception:
        return self._flavour.remote_protocol_error(_DROPPED, request=self._request)

    def _pending(self) -> Iterator[tuple[float, float, bytes]]:
        """(wait, delay, data) of the events not yet sent: a body is read once, as from a socket."""
        while self._position < len(self._events):
            delay, data = self._events[self._position]
            self._position += 1
            yield _wait(delay, self._timeout), delay, data
        if self._then == "drop":
            self._then = "close"
            raise self._dropped()

    def __iter__(self) -> Iterator[bytes]:
        sleep = self._fake.sleep
        for wait, delay, data in self._pending():
            if wait > 0:
                sleep(wait)
                if wait < delay:
                    raise _timed_out(self._flavour, self._request)
            if self._position == len(self._events) and self._then == "close":
                self._response.read_to_end = True
            yield data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        sleep = self._fake.async_sleep
        for wait, delay, data in self._pending():
            if wait > 0:
                await sleep(wait)
                if wait < delay:
                    raise _timed_out(self._flavour, self._request)
            if self._position == len(self._events) and self._then == "close":
                self._response.read_to_end = True
            yield data

    def close(self) -> None:
        self._position = len(self._events)

    async def aclose(self) -> None:
        self._position = len(self._events)


class TransportBase:
    """Sync and async ``handle_request`` for one flavour, answering from a :class:`FakeOpenAI`."""

    flavour: Flavour

    def __init__(self, fake: FakeOpenAI | None = None) -> None:
        if fake is None:
            from ._fake import FakeOpenAI

            fake = FakeOpenAI()
        #: The fake this transport answers from.
        self.fake = fake

    def _begin(self, request: Any, body: bytes) -> tuple[Response, float | None]:
        response = self.fake.handle(to_request(request, body))
        return response, _read_timeout(request)

    def _finish(self, request: Any, response: Response) -> Any:
        flavour = self.flavour
        if response.then == "drop" and response.events is None:
            raise flavour.remote_protocol_error("Server disconnected without sending a response.", request=request)
        if response.events is None:
            # A ready ByteStream plus our own content-length costs a quarter of ``content=``.
            headers = flavour.headers([*response.headers, ("content-length", str(len(response.body)))])
            stream = flavour.byte_stream(response.body)
            return flavour.response(response.status, headers=headers, stream=stream, request=request)
        return flavour.response(
            response.status,
            headers=flavour.headers(response.headers),
            stream=flavour.stream(response, request, flavour, self.fake),
            request=request,
        )

    def handle_request(self, request: Any) -> Any:
        response, timeout = self._begin(request, request.read())
        if type(response) is Forward:  # a cassette records: the upstream answers (I/O, so at this edge)
            from ._upstream import send

            return send(self, request, response)
        if response.delay > 0:
            wait = _wait(response.delay, timeout)
            self.fake.sleep(wait)
            if wait < response.delay:
                raise _timed_out(self.flavour, request)
        return self._finish(request, response)

    async def handle_async_request(self, request: Any) -> Any:
        response, timeout = self._begin(request, await request.aread())
        if type(response) is Forward:
            from ._upstream import send_async

            return await send_async(self, request, response)
        if response.delay > 0:
            wait = _wait(response.delay, timeout)
            await self.fake.async_sleep(wait)
            if wait < response.delay:
                raise _timed_out(self.flavour, request)
        return self._finish(request, response)

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass
