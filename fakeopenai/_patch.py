"""``patch()``: route OpenAI traffic of every httpx/httpx2 client to a fake, and nothing else.

Like respx, it patches the stacks' default transports (``HTTPTransport``/``AsyncHTTPTransport`` of
``httpx`` and ``httpx2``) at class level, so clients made by the user or by a library (before or inside
the block, in any thread) are covered. Requests to other hosts go to the network as before.

A transport made inside the block builds its connection pool (and the SSL context it needs, which
loads the CA bundle: some 25 ms) only when a request the fake does not answer needs it: an
``OpenAI()`` built in a test costs a millisecond, not thirty. A transport that does reach another
host, during the block or after it, builds its pool then, exactly as it would have.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterable
from contextlib import ContextDecorator
from typing import Any

from ._fake import FakeOpenAI

__all__ = ["patch"]

_AZURE_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")
_KEY = "sk-fakeopenai"

_lock = threading.RLock()
_stack: list[_Patch] = []
_originals: dict[tuple[type, str], Any] = {}


class _LazyPool:
    """Stands in for a transport's ``_pool`` until a request needs the real one.

    The real pool is made by the transport's own ``__init__`` (with the arguments it was given), on
    the first use of any pool method but closing: then the transport holds the real pool and this
    object is out of the way.
    """

    __slots__ = ("_args", "_init", "_kwargs", "_transport")

    def __init__(self, transport: Any, init: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self._transport = transport
        self._init = init
        self._args = args
        self._kwargs = kwargs

    def _real(self) -> Any:
        pool = self._transport.__dict__.get("_pool")
        if pool is self:
            self._init(self._transport, *self._args, **self._kwargs)
            pool = self._transport._pool
        return pool

    def _made(self) -> bool:
        return self._transport.__dict__.get("_pool") is not self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)

    def __enter__(self) -> Any:
        return self._real().__enter__() if self._made() else self

    def __exit__(self, *exc_info: Any) -> None:
        if self._made():
            self._transport._pool.__exit__(*exc_info)

    async def __aenter__(self) -> Any:
        return await self._real().__aenter__() if self._made() else self

    async def __aexit__(self, *exc_info: Any) -> None:
        if self._made():
            await self._transport._pool.__aexit__(*exc_info)

    def close(self) -> None:
        if self._made():
            self._transport._pool.close()

    async def aclose(self) -> None:
        if self._made():
            await self._transport._pool.aclose()


def _lazy_init(original: Any) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        self._pool = _LazyPool(self, original, args, kwargs)

    return __init__


def _targets() -> list[tuple[str, type, str, bool]]:
    """(flavour, transport class, method name, is async) for every installed stack."""
    import httpx

    found: list[tuple[str, type, str, bool]] = [
        ("httpx", httpx.HTTPTransport, "handle_request", False),
        ("httpx", httpx.AsyncHTTPTransport, "handle_async_request", True),
    ]
    if importlib.util.find_spec("httpx2") is not None:
        import httpx2

        found += [
            ("httpx2", httpx2.HTTPTransport, "handle_request", False),
            ("httpx2", httpx2.AsyncHTTPTransport, "handle_async_request", True),
        ]
    return found


def _route(url: Any) -> _Patch | None:
    """The innermost active patch that claims ``url``."""
    for active in reversed(_stack):
        if active.claims(url):
            return active
    return None


def _install() -> None:
    for flavour, cls, name, is_async in _targets():
        original = cls.__dict__[name]
        _originals[(cls, name)] = original
        setattr(cls, name, _async_wrapper(original, flavour) if is_async else _sync_wrapper(original, flavour))
        init = cls.__dict__["__init__"]
        _originals[(cls, "__init__")] = init
        cls.__init__ = _lazy_init(init)  # type: ignore[misc]


def _uninstall() -> None:
    for (cls, name), original in _originals.items():
        setattr(cls, name, original)
    _originals.clear()


def _sync_wrapper(original: Any, flavour: str) -> Any:
    def handle_request(self: Any, request: Any) -> Any:
        active = _route(request.url)
        if active is None:
            return original(self, request)
        return active.transport(flavour).handle_request(request)

    return handle_request


def _async_wrapper(original: Any, flavour: str) -> Any:
    async def handle_async_request(self: Any, request: Any) -> Any:
        active = _route(request.url)
        if active is None:
            return await original(self, request)
        return await active.transport(flavour).handle_async_request(request)

    return handle_async_request


def network_transport(flavour: str, is_async: bool) -> Any:
    """A network transport of ``flavour`` that no patch intercepts (how a recording reaches the upstream)."""
    module = __import__(flavour)
    base = module.AsyncHTTPTransport if is_async else module.HTTPTransport
    name = "handle_async_request" if is_async else "handle_request"

    def original(self: Any, request: Any) -> Any:
        return (_originals.get((base, name)) or base.__dict__[name])(self, request)

    return type("NetworkTransport", (base,), {name: original})()


class _Patch(ContextDecorator):
    def __init__(self, fake: FakeOpenAI | None, base_url: str | Iterable[str] | None) -> None:
        self.fake = fake or FakeOpenAI()
        urls = [base_url] if isinstance(base_url, str) else list(base_url or ())
        self._explicit = [url.rstrip("/") for url in urls]
        self._prefixes: tuple[str, ...] = ()
        self._transports: dict[str, Any] = {}
        self._saved_key: str | None = None

    def claims(self, url: Any) -> bool:
        host = url.host
        if host == "api.openai.com" or host.endswith(_AZURE_HOSTS):
            return True
        return bool(self._prefixes) and str(url).startswith(self._prefixes)

    def transport(self, flavour: str) -> Any:
        transport = self._transports.get(flavour)
        if transport is None:
            transport = self._transports[flavour] = self.fake.transport(flavour)  # type: ignore[arg-type]
        return transport

    def __enter__(self) -> FakeOpenAI:
        env = [os.environ.get(name, "") for name in ("OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT")]
        self._prefixes = tuple(url.rstrip("/") for url in [*self._explicit, *env] if url)
        with _lock:
            if not _stack:
                _install()
            _stack.append(self)
            self._saved_key = os.environ.get("OPENAI_API_KEY")
            if self._saved_key is None:
                os.environ["OPENAI_API_KEY"] = _KEY  # so OpenAI() can be built without a key
        return self.fake

    def __exit__(self, *exc_info: object) -> None:
        with _lock:
            if self in _stack:
                _stack.remove(self)
            if self._saved_key is None and os.environ.get("OPENAI_API_KEY") == _KEY:
                del os.environ["OPENAI_API_KEY"]
            if not _stack:
                _uninstall()


def patch(fake: FakeOpenAI | None = None, *, base_url: str | Iterable[str] | None = None) -> _Patch:
    """Route OpenAI traffic of every ``httpx``/``httpx2`` client to ``fake`` inside a ``with`` block.

    Claimed: ``api.openai.com``, Azure OpenAI hosts, ``base_url`` (one or several URL prefixes) and
    the ``OPENAI_BASE_URL``/``AZURE_OPENAI_ENDPOINT`` set when the block starts. Everything is restored
    on exit, also on exception; patches nest (the innermost that claims a URL answers it). Without
    ``OPENAI_API_KEY`` set, a dummy key is set for the block so ``OpenAI()`` can be built.
    """
    return _Patch(fake, base_url)
