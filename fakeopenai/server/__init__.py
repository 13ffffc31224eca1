"""fakeopenai over HTTP: an ASGI app on the same core, and ``python -m fakeopenai serve``.

``fakeopenai.server.app(fake)`` is an ASGI application (mount it anywhere, or test it with
``httpx.ASGITransport``); ``main`` runs it under uvicorn, the ``[server]`` extra, imported only there.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._asgi import CONTROL_PREFIX, DEFAULT_MAX_BODY, ConnectionDropped, FakeOpenAIApp, Headers, app

__all__ = ["CONTROL_PREFIX", "DEFAULT_MAX_BODY", "ConnectionDropped", "FakeOpenAIApp", "Headers", "app", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m fakeopenai serve [options]``: serve the fake over HTTP until Ctrl-C or SIGTERM."""
    from ._cli import main as serve

    return serve(argv)
