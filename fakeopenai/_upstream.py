"""The recording edge: send a request on to the real API (or any upstream) and record what comes back.

When a cassette records, the core answers :class:`~fakeopenai._wire.Forward`. The transports call
:func:`send` / :func:`send_async` here: the request goes out through a real client of the same HTTP
stack, the application gets the upstream's answer as it arrives (a stream chunk by chunk), and the
cassette gets a :class:`~fakeopenai.Recording` of it with its timing once it is complete.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from time import perf_counter
from typing import Any
from urllib.parse import urlsplit

from ._cassette_file import keep_request_header, keep_response_header
from ._recording import Recording, split_events
from ._wire import Forward, Request

__all__ = ["asgi_forward", "send", "send_async"]

_NOT_SENT = ("host", "content-length", "transfer-encoding", "connection")
_PASSED = ("content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive")


def _target(forward: Forward, core: Request) -> str:
    upstream = forward.cassette.upstream
    if not isinstance(upstream, str):
        return core.url
    query = urlsplit(core.url).query
    return upstream.rstrip("/") + core.endpoint + ("?" + query if query else "")


def _client(forward: Forward, flavour: str, is_async: bool) -> Any:
    upstream = forward.cassette.upstream
    if upstream is not None and not isinstance(upstream, str):  # a FakeOpenAI: in-process, for tests
        return upstream.async_client(flavour) if is_async else upstream.client(flavour)
    from ._patch import network_transport

    module = sys.modules.get(flavour) or __import__(flavour)
    kind = module.AsyncClient if is_async else module.Client
    return kind(transport=network_transport(flavour, is_async))


def _secrets(core: Request) -> list[str]:
    found = []
    for name in ("authorization", "api-key"):
        value = core.headers.get(name)
        if value:
            found.append(value.split(" ", 1)[1].strip() if value.lower().startswith("bearer ") else value.strip())
    return found


class _Capture:
    """What the upstream sent, as it arrives; made into a recording once."""

    def __init__(self, forward: Forward, core: Request, started: float, status: int, headers: list[tuple[str, str]]):
        self.forward = forward
        self.core = core
        self.started = started
        self.answered = perf_counter()
        self.status = status
        self.headers = headers
        self.chunks: list[tuple[float, bytes]] = []
        self.done = False

    def chunk(self, data: bytes) -> None:
        self.chunks.append((perf_counter() - self.answered, data))

    def finish(self, stream: bool, dropped: bool = False) -> None:
        if self.done:
            return
        self.done = True
        core = self.core
        body = b"".join(data for _, data in self.chunks)
        recording = Recording(
            core.method,
            core.url,
            {name.lower(): value for name, value in core.headers.items() if keep_request_header(name)},
            core.body,
            self.status,
            [(name, value) for name, value in self.headers if keep_response_header(name)],
            b"" if stream else body,
            split_events(self.chunks) if stream else None,
            (self.answered if stream else perf_counter()) - self.started,
            "drop" if dropped else "close",
        )
        core.status = self.status
        core.response = recording.response()
        core.answer = self.forward.cassette.add(recording, _secrets(core)) or recording


def _prepare(forward: Forward, request: Any) -> tuple[Request, Any, str]:
    core = forward.request
    assert core is not None
    headers = [(name, value) for name, value in request.headers.multi_items() if name.lower() not in _NOT_SENT]
    return core, headers, _target(forward, core)


def _timeout(request: Any) -> dict[str, Any]:
    """The client's timeouts, for the request sent on (the upstream times out as the client would)."""
    timeout = request.extensions.get("timeout")
    return {"timeout": timeout} if timeout else {}


def _passed(headers: list[tuple[str, str]], length: int | None) -> list[tuple[str, str]]:
    kept = [(name, value) for name, value in headers if name.lower() not in _PASSED]
    return kept if length is None else [*kept, ("content-length", str(length))]


def _is_stream(headers: list[tuple[str, str]]) -> bool:
    return any(name.lower() == "content-type" and value.startswith("text/event-stream") for name, value in headers)


def _whole(flavour: Any, capture: _Capture, request: Any) -> Any:
    body = capture.chunks[0][1]
    headers = _passed(capture.headers, len(body))
    return flavour.response(capture.status, headers=headers, stream=flavour.byte_stream(body), request=request)


def send(transport: Any, request: Any, forward: Forward) -> Any:
    """Answer a sync client's ``request`` from the upstream, recording the answer."""
    flavour = transport.flavour
    module = sys.modules[flavour.name]
    core, headers, url = _prepare(forward, request)
    client = _client(forward, flavour.name, is_async=False)
    started = perf_counter()
    outgoing = module.Request(core.method, url, headers=headers, content=core.body, extensions=_timeout(request))
    try:
        upstream = client.send(outgoing, stream=True)
    except BaseException:
        client.close()
        raise
    capture = _Capture(forward, core, started, upstream.status_code, upstream.headers.multi_items())
    if not _is_stream(capture.headers):
        try:
            capture.chunk(upstream.read())
        finally:
            upstream.close()
            client.close()
        capture.finish(stream=False)
        return _whole(flavour, capture, request)
    base = module.SyncByteStream

    class Tee(base):  # type: ignore[misc, valid-type]
        def __iter__(self) -> Iterator[bytes]:
            try:
                for data in upstream.iter_bytes():
                    capture.chunk(data)
                    yield data
            except Exception:
                capture.finish(stream=True, dropped=True)
                raise
            capture.finish(stream=True)

        def close(self) -> None:
            capture.finish(stream=True)
            upstream.close()
            client.close()

    return flavour.response(capture.status, headers=_passed(capture.headers, None), stream=Tee(), request=request)


async def send_async(transport: Any, request: Any, forward: Forward) -> Any:
    """Answer an async client's ``request`` from the upstream, recording the answer."""
    flavour = transport.flavour
    module = sys.modules[flavour.name]
    core, headers, url = _prepare(forward, request)
    client = _client(forward, flavour.name, is_async=True)
    started = perf_counter()
    outgoing = module.Request(core.method, url, headers=headers, content=core.body, extensions=_timeout(request))
    try:
        upstream = await client.send(outgoing, stream=True)
    except BaseException:
        await client.aclose()
        raise
    capture = _Capture(forward, core, started, upstream.status_code, upstream.headers.multi_items())
    if not _is_stream(capture.headers):
        try:
            capture.chunk(await upstream.aread())
        finally:
            await upstream.aclose()
            await client.aclose()
        capture.finish(stream=False)
        return _whole(flavour, capture, request)
    base = module.AsyncByteStream

    class Tee(base):  # type: ignore[misc, valid-type]
        async def __aiter__(self) -> AsyncIterator[bytes]:
            try:
                async for data in upstream.aiter_bytes():
                    capture.chunk(data)
                    yield data
            except Exception:
                capture.finish(stream=True, dropped=True)
                raise
            capture.finish(stream=True)

        async def aclose(self) -> None:
            capture.finish(stream=True)
            await upstream.aclose()
            await client.aclose()

    return flavour.response(capture.status, headers=_passed(capture.headers, None), stream=Tee(), request=request)


async def asgi_forward(forward: Forward, send_message: Any) -> None:
    """Answer an ASGI request from the upstream (``serve --upstream``), recording the answer."""
    core = forward.request
    assert core is not None
    try:
        import httpx as module
    except ImportError:  # pragma: no cover - openai 3.x without httpx
        import httpx2 as module  # type: ignore[no-redef]
    headers = [(name, value) for name, value in core.headers.items() if name.lower() not in _NOT_SENT]
    client = _client(forward, module.__name__, is_async=True)
    started = perf_counter()
    try:
        outgoing = module.Request(core.method, _target(forward, core), headers=headers, content=core.body)
        upstream = await client.send(outgoing, stream=True)
        capture = _Capture(forward, core, started, upstream.status_code, upstream.headers.multi_items())
        stream = _is_stream(capture.headers)
        passed = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in _passed(capture.headers, None)]
        await send_message({"type": "http.response.start", "status": capture.status, "headers": passed})
        try:
            async for data in upstream.aiter_bytes():
                capture.chunk(data)
                await send_message({"type": "http.response.body", "body": data, "more_body": True})
        except Exception:
            capture.finish(stream, dropped=True)
            raise
        finally:
            await upstream.aclose()
        capture.finish(stream)
        await send_message({"type": "http.response.body", "body": b""})
    finally:
        await client.aclose()
