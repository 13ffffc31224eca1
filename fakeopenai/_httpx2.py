"""Transports for the ``httpx2`` stack, which openai 3.x uses by default (imported only when used)."""

from __future__ import annotations

import httpx2

from ._transport import EventStream, Flavour, TransportBase

__all__ = ["Httpx2Transport"]


class _Httpx2Stream(EventStream, httpx2.SyncByteStream, httpx2.AsyncByteStream):
    pass


HTTPX2 = Flavour(
    "httpx2",
    httpx2.Response,
    httpx2.ByteStream,
    httpx2.ReadTimeout,
    httpx2.RemoteProtocolError,
    _Httpx2Stream,
    httpx2.Headers,
)


class Httpx2Transport(TransportBase, httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """A sync and async ``httpx2`` transport answering from a :class:`~fakeopenai.FakeOpenAI`."""

    flavour = HTTPX2
