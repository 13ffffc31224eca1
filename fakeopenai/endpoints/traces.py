"""Trace ingestion (``POST /traces/ingest``), where the OpenAI Agents SDK exports its traces.

The SDK's exporter runs in a background thread and logs an error for anything but a 2xx, so the
fake accepts the traces like the real API: ``204 No Content``. They are recorded like any request.
"""

from __future__ import annotations

from .._state import State
from .._wire import Request, Response

__all__ = ["ingest"]


def ingest(state: State, request: Request) -> Response:
    """Accept a batch of traces and spans."""
    headers = [(name, value) for name, value in state.headers("application/json") if name != "content-type"]
    return Response(204, headers)
