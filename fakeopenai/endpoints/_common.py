"""Helpers every endpoint uses: the JSON body, token limits, tool-call ids."""

from __future__ import annotations

from typing import Any

from .._errors import invalid_json
from .._wire import Request

__all__ = ["json_object"]


def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or the real API's 400 for an unparsable body."""
    body = request.json
    if not isinstance(body, dict):
        raise invalid_json()
    return body
