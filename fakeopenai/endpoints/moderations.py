"""``POST /moderations``: deterministic verdicts shaped like the real API's.

One result per input string (or one for an array of multi-modal parts, as the omni models answer).
Nothing is flagged unless a rule says so (``fake.moderate(...)``); scores come from a hash of the
input, so the same text always scores the same. Every category the API reports is present in
``categories``, ``category_scores`` and ``category_applied_input_types``.
"""

from __future__ import annotations

from typing import Any

from .._errors import bad_request
from .._moderation import CATEGORIES, IMAGE_CATEGORIES
from .._state import JSON, State
from .._validation import check_enum, check_type
from .._wire import Request, Response, dumps
from ._common import json_object

__all__ = ["create"]

DEFAULT_MODEL = "omni-moderation-latest"


def _items(value: Any) -> list[tuple[str, bool, bool]]:
    """(text, has text, has image) of each result the request asks for."""
    if isinstance(value, str):
        return [(value, True, False)]
    check_type(value, "input", "string", "array", nullable=False)
    if not value:
        raise bad_request(
            "Invalid 'input': empty array. Expected an array with minimum length 1, "
            "but got an empty array instead.",
            param="input",
            code="empty_array",
        )
    if all(isinstance(item, str) for item in value):
        return [(item, True, False) for item in value]
    texts: list[str] = []
    image = False
    for index, part in enumerate(value):
        check_type(part, f"input[{index}]", "object", nullable=False)
        if part.get("type") == "text":
            check_type(part.get("text"), f"input[{index}].text", "string", nullable=False)
            texts.append(part["text"])
        elif part.get("type") == "image_url":
            image = True
        else:
            check_enum(part.get("type"), f"input[{index}].type", ("text", "image_url"))
    return [("\n".join(texts), bool(texts), image)]


def _result(state: State, text: str, has_text: bool, has_image: bool) -> dict[str, Any]:
    flagged, scores = state.moderator.decide(text)
    applied = {}
    for name in CATEGORIES:
        kinds = (["text"] if has_text else []) + (["image"] if has_image and name in IMAGE_CATEGORIES else [])
        applied[name] = kinds
    return {
        "flagged": bool(flagged),
        "categories": {name: name in flagged for name in CATEGORIES},
        "category_scores": scores,
        "category_applied_input_types": applied,
    }


def create(state: State, request: Request) -> Response:
    """Answer a moderation request."""
    body = json_object(request)
    model = body.get("model") or DEFAULT_MODEL
    check_type(model, "model", "string")
    if body.get("input") is None:
        raise bad_request("Missing required parameter: 'input'.", param="input", code="missing_required_parameter")
    items = _items(body["input"])
    state.check_model(model)
    payload = {
        "id": state.ids.make("modr-", 29),
        "model": model,
        "results": [_result(state, *item) for item in items],
    }
    return Response(200, state.headers(JSON), dumps(payload))
