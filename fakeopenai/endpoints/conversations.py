"""``/conversations``: conversations and their items, and ``responses.create(conversation=...)``.

A conversation (``conv_…``) holds items in order: the ``items`` it was created with, items added
with ``items.create``, and, for each response created with ``conversation=``, that request's input
items followed by the response's output items (as the real API appends them). A response in a
conversation sees every earlier item as context (its ``input_tokens`` count them). ``conversation``
and ``previous_response_id`` together are the real API's 400 ``mutually_exclusive_parameters``.
Items are the same item resources ``responses.input_items.list`` returns (one place builds them,
``responses._input_items``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._errors import APIError, bad_request
from .._state import State
from .._usage import count_value
from .._validation import check_type, require
from .._wire import Request, Response
from ._common import json_object, ok, page

__all__ = [
    "StoredConversation",
    "create",
    "create_items",
    "delete",
    "delete_item",
    "for_response",
    "list_items",
    "retrieve",
    "retrieve_item",
    "update",
]

_MAX_ITEMS = 20


@dataclass(eq=False)
class StoredConversation:
    """A conversation: its ``conversation`` object and its items, oldest first."""

    body: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)
    #: Tokens of the first ``n`` items, by model: (n, tokens); items only grow, except by ``remove``.
    _counted: dict[str, tuple[int, int]] = field(default_factory=dict)

    def tokens(self, model: str) -> int:
        """What the items cost a response as context (their content; ids and statuses are free)."""
        skipped = ("id", "status", "type")
        done, total = self._counted.get(model, (0, 0))
        fresh = self.items[done:]
        total += count_value([{k: v for k, v in item.items() if k not in skipped} for item in fresh], model)
        self._counted[model] = (len(self.items), total)
        return total

    def remove(self, item: dict[str, Any]) -> None:
        """Delete one item."""
        self.items.remove(item)
        self._counted.clear()

    def append(self, state: State, value: Any, output: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add a response's input (``str`` or items, as sent) and its output items; return the input items."""
        from .responses import _input_items

        added = _input_items(state, value)
        self.items.extend(added)
        self.items.extend(output)
        return added


def not_found(conversation_id: str) -> APIError:
    """The 404 for an unknown conversation (wording ours, in the style of the other 404s; not captured)."""
    return APIError(404, f"Conversation with id '{conversation_id}' not found.")


def _made_up(state: State, conversation_id: str) -> StoredConversation:
    body = {"id": conversation_id, "object": "conversation", "created_at": state.now(), "metadata": {}}
    return StoredConversation(body)


def _find(state: State, conversation_id: str) -> StoredConversation:
    return state.lookup(conversation_id, StoredConversation, not_found, lambda missing: _made_up(state, missing))


def _conversation(state: State, request: Request) -> StoredConversation:
    return _find(state, request.params["conversation_id"])


def for_response(state: State, body: dict[str, Any]) -> StoredConversation | None:
    """The conversation a ``POST /responses`` body names (``conversation``: an id or ``{"id": ...}``).

    ``None`` when it names none; the real API's 400 when ``previous_response_id`` is also given; a
    404 for an unknown conversation.
    """
    value = body.get("conversation")
    if value is None:
        return None
    if body.get("previous_response_id") is not None:
        raise bad_request(
            "Mutually exclusive parameters. Ensure you are only providing one of: "
            "'previous_response_id' or 'conversation'.",
            code="mutually_exclusive_parameters",
        )
    conversation_id = value.get("id") if isinstance(value, dict) else value
    check_type(conversation_id, "conversation", "string", nullable=False)
    return _find(state, str(conversation_id))


def _new_items(state: State, items: Any, param: str) -> list[dict[str, Any]]:
    from .responses import _input_items

    check_type(items, param, "array")
    if items is None:
        return []
    if len(items) > _MAX_ITEMS:
        raise bad_request(
            f"Invalid '{param}': array too long. Expected an array with maximum length {_MAX_ITEMS}, "
            f"but got an array with length {len(items)} instead.",
            param=param,
            code="array_above_max_length",
        )
    for i, item in enumerate(items):
        check_type(item, f"{param}[{i}]", "object", nullable=False)
    return _input_items(state, items)


def _metadata(body: dict[str, Any]) -> dict[str, Any]:
    metadata = body.get("metadata")
    check_type(metadata, "metadata", "object")
    return dict(metadata or {})


# -- /conversations -----------------------------------------------------------------------------


def create(state: State, request: Request) -> Response:
    """``POST /conversations``: a conversation with ``metadata`` and up to 20 initial ``items``."""
    body = json_object(request)
    metadata = _metadata(body)
    items = _new_items(state, body.get("items"), "items")
    conversation_id = state.new_id(request, "conv_", 48)
    conversation = StoredConversation(
        {"id": conversation_id, "object": "conversation", "created_at": state.now(), "metadata": metadata}, items
    )
    state.store[conversation_id] = conversation
    return ok(state, conversation.body)


def retrieve(state: State, request: Request) -> Response:
    """``GET /conversations/{conversation_id}``."""
    return ok(state, _conversation(state, request).body)


def update(state: State, request: Request) -> Response:
    """``POST /conversations/{conversation_id}``: replace the metadata."""
    conversation = _conversation(state, request)
    body = json_object(request)
    require(body, "metadata", "object")
    conversation.body["metadata"] = _metadata(body)
    return ok(state, conversation.body)


def delete(state: State, request: Request) -> Response:
    """``DELETE /conversations/{conversation_id}``: forget it and its items."""
    conversation = _conversation(state, request)
    del state.store[conversation.body["id"]]
    return ok(state, {"id": conversation.body["id"], "object": "conversation.deleted", "deleted": True})


# -- /conversations/{conversation_id}/items ------------------------------------------------------


def create_items(state: State, request: Request) -> Response:
    """``POST /conversations/{conversation_id}/items``: append up to 20 items; the added ones are listed."""
    conversation = _conversation(state, request)
    body = json_object(request)
    require(body, "items", "array")
    added = _new_items(state, body["items"], "items")
    conversation.items.extend(added)
    return ok(state, page(added, request, order=None, max_limit=_MAX_ITEMS))


def list_items(state: State, request: Request) -> Response:
    """``GET /conversations/{conversation_id}/items``: newest first by default (``order``, ``after``, ``limit``)."""
    conversation = _conversation(state, request)
    return ok(state, page(conversation.items, request))


def _item(conversation: StoredConversation, item_id: str) -> dict[str, Any]:
    for item in conversation.items:
        if item.get("id") == item_id:
            return item
    # Wording ours (not captured).
    raise APIError(404, f"Item with id '{item_id}' not found.")


def retrieve_item(state: State, request: Request) -> Response:
    """``GET /conversations/{conversation_id}/items/{item_id}``."""
    conversation = _conversation(state, request)
    item_id = request.params["item_id"]
    if state.any_id and not any(item.get("id") == item_id for item in conversation.items):
        return ok(state, _made_up_item(item_id))
    return ok(state, _item(conversation, item_id))


def _made_up_item(item_id: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "message",
        "role": "user",
        "status": "completed",
        "content": [{"type": "input_text", "text": ""}],
    }


def delete_item(state: State, request: Request) -> Response:
    """``DELETE /conversations/{conversation_id}/items/{item_id}``: the conversation is returned."""
    conversation = _conversation(state, request)
    item_id = request.params["item_id"]
    if not (state.any_id and not any(item.get("id") == item_id for item in conversation.items)):
        conversation.remove(_item(conversation, item_id))
    return ok(state, conversation.body)
