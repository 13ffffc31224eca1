"""fakeopenai: an in-process fake of the OpenAI API for tests.

``OpenAI(api_key="test", http_client=fakeopenai.client())`` talks to a fake; ``fakeopenai.patch()``
routes every client made inside it to one; the ``fake_openai`` pytest fixture does that per test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._errors import APIError, Failure
from ._fake import FakeOpenAI, Flavour, Rule, default_flavour, fake_of
from ._patch import patch
from ._ratelimit import ManualClock, RateLimit
from ._reply import Reply, ToolCall
from ._requests import RequestLog
from ._script import Match
from ._wire import Event, Events, Headers, Request, Response

if TYPE_CHECKING:
    from ._cassette import Cassette, CassetteMiss
    from ._cassette_file import Redaction
    from ._cassette_patch import cassette
    from ._httpx2 import Httpx2Transport
    from ._recording import Recording
    from .transports import HttpxTransport

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "Cassette",
    "CassetteMiss",
    "Event",
    "Events",
    "Failure",
    "FakeOpenAI",
    "Flavour",
    "Headers",
    "Httpx2Transport",
    "HttpxTransport",
    "ManualClock",
    "Match",
    "RateLimit",
    "Recording",
    "Redaction",
    "Reply",
    "Request",
    "RequestLog",
    "Response",
    "Rule",
    "ToolCall",
    "async_client",
    "cassette",
    "client",
    "default_flavour",
    "fake_of",
    "image_for",
    "patch",
    "speech_for",
]


def client(fake: FakeOpenAI | None = None, flavour: Flavour | None = None, **kwargs: Any) -> Any:
    """A sync HTTP client for ``OpenAI(http_client=...)`` answering from ``fake`` (a new one by default).

    The fake is reachable as ``client.fake`` or ``fakeopenai.fake_of(openai_client)``.
    """
    return (fake or FakeOpenAI()).client(flavour, **kwargs)


def async_client(fake: FakeOpenAI | None = None, flavour: Flavour | None = None, **kwargs: Any) -> Any:
    """The async twin of :func:`client`, for ``AsyncOpenAI(http_client=...)``."""
    return (fake or FakeOpenAI()).async_client(flavour, **kwargs)


def image_for(
    prompt: str, *, size: str = "1024x1024", output_format: str = "png", background: str = "opaque", index: int = 0
) -> bytes:
    """The image file the fake answers for ``prompt`` (the ``index``-th of ``n``), as bytes; see docs/images.md."""
    from .endpoints.images import image_for as make

    return make(prompt, size=size, output_format=output_format, background=background, index=index)


def speech_for(text: str, *, response_format: str = "mp3", speed: float = 1.0) -> bytes:
    """The audio file ``audio.speech.create`` answers for ``text``, as bytes; see docs/audio.md."""
    from ._sound import speech

    return speech(text, speed, response_format)


_LAZY = {
    "Cassette": "._cassette",
    "CassetteMiss": "._cassette",
    "Recording": "._recording",
    "Redaction": "._cassette_file",
    "cassette": "._cassette_patch",
}


def __getattr__(name: str) -> Any:
    # Each HTTP stack is imported only when asked for: openai 3.x needs httpx2 only, 1.x httpx only.
    if name == "Httpx2Transport":
        from ._httpx2 import Httpx2Transport

        return Httpx2Transport
    if name == "HttpxTransport":
        from .transports import HttpxTransport

        return HttpxTransport
    if name in _LAZY:  # cassettes load on first use
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'fakeopenai' has no attribute {name!r}")
