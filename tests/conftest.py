"""Shared fixtures: one test body runs sync and async, over every HTTP stack the installed SDK takes.

``api`` is an :class:`Api`: ``await api("chat.completions.create", ...)`` calls the real SDK method on
a sync or an async client (with strict response validation on), and ``await api.collect(stream)``
reads a stream of either kind. ``api.fake`` is the fake behind it.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pytest

import fakeopenai

OPENAI_MAJOR = int(openai.__version__.split(".")[0])
#: The stacks this SDK can send through: openai 3.x takes httpx2 (default) and legacy httpx.
FLAVOURS = ["httpx2", "httpx"] if OPENAI_MAJOR >= 3 and importlib.util.find_spec("httpx2") else ["httpx"]


def mid_stream_errors(kind: str) -> tuple[type[Exception], ...]:
    """What a broken (``"drop"``) or stalled (``"timeout"``) stream raises while it is read.

    openai 3.x wraps the HTTP stack's error into ``APIConnectionError``/``APITimeoutError``; openai
    1.x lets the stack's own ``RemoteProtocolError``/``ReadTimeout`` through, as with a real socket.
    """
    import httpx

    if kind == "drop":
        return (openai.APIConnectionError,) if OPENAI_MAJOR >= 3 else (httpx.RemoteProtocolError,)
    return (openai.APITimeoutError,) if OPENAI_MAJOR >= 3 else (httpx.ReadTimeout,)


async def read_into(stream: Any, received: list[str]) -> None:
    """Read a sync or async chat stream, keeping each delta's content until it raises."""
    if hasattr(stream, "__aiter__"):
        async for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    else:
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")


class Api:
    """The real SDK, sync or async, over one HTTP stack, answering from ``fake``."""

    def __init__(self, fake: fakeopenai.FakeOpenAI, is_async: bool, flavour: str, **options: Any) -> None:
        self.fake = fake
        self.is_async = is_async
        self.flavour = flavour
        options.setdefault("_strict_response_validation", True)
        options.setdefault("max_retries", 0)
        if is_async:
            self.client: Any = openai.AsyncOpenAI(
                api_key="sk-test", http_client=fake.async_client(flavour), **options  # type: ignore[arg-type]
            )
        else:
            self.client = openai.OpenAI(api_key="sk-test", http_client=fake.client(flavour), **options)  # type: ignore[arg-type]

    def method(self, path: str) -> Any:
        target: Any = self.client
        for name in path.split("."):
            target = getattr(target, name)
        return target

    async def __call__(self, path: str, /, **kwargs: Any) -> Any:
        result = self.method(path)(**kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def collect(self, stream: Any) -> list[Any]:
        """Every item of a sync or async stream."""
        if hasattr(stream, "__aiter__"):
            return [item async for item in stream]
        return list(stream)

    def with_options(self, **options: Any) -> Api:
        """The same fake and stack with other client options (``max_retries=2``...)."""
        return Api(self.fake, self.is_async, self.flavour, **options)

    def __repr__(self) -> str:
        return f"Api({'async' if self.is_async else 'sync'}, {self.flavour})"


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=[False, True], ids=["sync", "async"])
def api(request: pytest.FixtureRequest, flavour: str) -> Iterator[Api]:
    fake = fakeopenai.FakeOpenAI(seed=1)
    yield Api(fake, bool(request.param), flavour)
    # A bug of ours answers 500 "fakeopenai internal error": no test may cause one unnoticed.
    errors = [r.answer for r in fake.requests if isinstance(r.answer, Exception)]
    assert not errors, f"internal errors in the fake: {errors!r}"


@pytest.fixture
def fake() -> fakeopenai.FakeOpenAI:
    return fakeopenai.FakeOpenAI(seed=1)


async def aiter_list(stream: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in stream]


@pytest.fixture(scope="module")
def served() -> Iterator[Any]:
    """A real ``serve`` (uvicorn on loopback, in a thread) over a fresh fake, for one test module
    (tests/test_server.py and others that need other options define their own)."""
    pytest.importorskip("uvicorn")
    from fakeopenai.server import app

    from .test_server import Served

    with Served(app(fakeopenai.FakeOpenAI(seed=1))) as running:
        yield running
