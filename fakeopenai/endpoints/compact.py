"""``POST /responses/compact``: a conversation compacted into one opaque ``compaction`` item.

The context is the request's ``input`` (after the chain ``previous_response_id`` names, if any).
The answer is a ``response.compaction`` object whose ``output`` is one ``compaction`` item with
``encrypted_content`` that a following ``responses.create`` can send back as input, and whose
``usage`` counts the context as input. The real API also lists the user messages before the
compaction item; the SDK's type for ``output`` (``ResponseOutputItem``) only holds assistant
messages, so a strict client would refuse them, and the fake leaves them out. Nothing is stored.
"""

from __future__ import annotations

from .._state import State
from .._usage import Usage, count_value
from .._validation import check_type, require
from .._wire import Request, Response
from ._common import json_object, ok

__all__ = ["compact"]


def compact(state: State, request: Request) -> Response:
    """Compact the context of ``input`` (and ``previous_response_id``'s chain) into one item."""
    from .responses import _input_items, _previous

    body = json_object(request)
    model = require(body, "model", "string")
    state.check_model(model)
    check_type(body.get("input"), "input", "string", "array")
    check_type(body.get("instructions"), "instructions", "string")
    previous = _previous(state, body)
    items = _input_items(state, body.get("input"))
    skipped = ("id", "status", "type")
    prompt = count_value([{k: v for k, v in item.items() if k not in skipped} for item in items], model)
    prompt += count_value(body.get("instructions"), model)
    if previous is not None:
        prompt += previous.context_tokens
    summary = max(1, prompt // 4)
    payload = {
        "id": "resp_" + state.ids.hex(48),
        "object": "response.compaction",
        "created_at": state.now(),
        "output": [
            {
                "id": "cmp_" + state.ids.hex(48),
                "type": "compaction",
                "encrypted_content": "gAAAAA" + state.ids.token(96),
            }
        ],
        "usage": Usage(prompt, summary).responses(),
    }
    return ok(state, payload)
