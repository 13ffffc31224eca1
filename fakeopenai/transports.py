"""Transports for the ``httpx`` stack (openai 1.x/2.x, and the legacy client openai 3.x accepts).

``httpx.Client(transport=HttpxTransport(fake))`` answers every request from ``fake``; the same object
also serves ``httpx.AsyncClient``. The ``httpx2`` twin is :class:`fakeopenai.Httpx2Transport`.
"""

from __future__ import annotations

import httpx

from ._transport import EventStream, Flavour, TransportBase

__all__ = ["HttpxTransport"]


class _HttpxStream(EventStream, httpx.SyncByteStream, httpx.AsyncByteStream):
    pass


HTTPX = Flavour(
    "httpx", httpx.Response, httpx.ByteStream, httpx.ReadTimeout, httpx.RemoteProtocolError, _HttpxStream, httpx.Headers
)


class HttpxTransport(TransportBase, httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A sync and async ``httpx`` transport answering from a :class:`~fakeopenai.FakeOpenAI`."""

    flavour = HTTPX
