"""Stored chat completions: ``GET/POST/DELETE /chat/completions/{id}``, the list and its messages.

A chat completion created with ``store: true`` (streamed or not) is kept as the full
``chat.completion`` object, plus the request's ``metadata``, together with the request's messages.
``GET /chat/completions`` lists them (oldest first by default, filtered by ``model`` and
``metadata[key]=value``), ``POST /chat/completions/{id}`` replaces the metadata, ``DELETE`` forgets
one (``chat.completion.deleted``), and ``GET /chat/completions/{id}/messages`` lists the messages the
request sent, with ids ``<completion id>-<index>`` as in the spec's example.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._errors import APIError
from .._state import JSON, State
from .._validation import check_type, require
from .._wire import Request, Response, dumps
from ._common import json_object, made_up, page

__all__ = ["StoredChatCompletion", "delete", "keep", "list_completions", "messages", "retrieve", "update"]

_METADATA = "metadata["


@dataclass(eq=False)
class StoredChatCompletion:
    """A stored chat completion: the object ``retrieve`` returns and the messages it was asked with."""

    body: dict[str, Any]
    messages: list[Any]

    def message_items(self) -> list[dict[str, Any]]:
        """The request's messages as ``messages.list`` returns them (oldest first)."""
        return [_message_item(f"{self.body['id']}-{i}", message) for i, message in enumerate(self.messages)]


def keep(state: State, body: dict[str, Any], completion: dict[str, Any]) -> None:
    """Store ``completion`` (the full ``chat.completion``) when the request asked for ``store: true``."""
    if body.get("store") is not True:
        return
    metadata = body.get("metadata")
    stored = {**completion, "metadata": dict(metadata) if isinstance(metadata, dict) else {}}
    state.store[completion["id"]] = StoredChatCompletion(stored, list(body["messages"]))


def _message_item(message_id: str, message: Any) -> dict[str, Any]:
    """One stored request message.

    The spec's example gives ``id, role, content, name, content_parts``; ``refusal`` is required by
    its ``ChatCompletionResponseMessage``. For content sent as parts, ``content_parts`` holds them and
    ``content`` their text joined (not captured from the real API: our best reading of the spec).
    """
    content = message.get("content")
    parts = None
    if isinstance(content, list):
        parts = content
        texts = [part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"]
        content = "".join(texts) if texts else None
    item: dict[str, Any] = {
        "id": message_id,
        "role": message.get("role"),
        "content": content,
        "refusal": None,
        "name": message.get("name"),
        "content_parts": parts,
    }
    if message.get("tool_calls"):
        item["tool_calls"] = message["tool_calls"]
    return item


def _not_found(completion_id: str) -> APIError:
    # The wording is ours (the real API's 404 body for an unknown stored completion was not captured);
    # the shape (404, invalid_request_error, param/code null) is the one every not-found answer has.
    return APIError(404, f"Chat completion with id '{completion_id}' not found.")


def _made_up(state: State, completion_id: str) -> StoredChatCompletion:
    """A stored completion of that id, with no messages (the ``any_id`` mode)."""
    body = made_up(state, "openai.types.chat:ChatCompletion", completion_id, metadata={})
    return StoredChatCompletion(body, [])


def _stored(state: State, request: Request) -> StoredChatCompletion:
    completion_id = request.params["completion_id"]
    return state.lookup(completion_id, StoredChatCompletion, _not_found, lambda missing: _made_up(state, missing))


def _ok(state: State, payload: Any) -> Response:
    return Response(200, state.headers(JSON), dumps(payload))


def list_completions(state: State, request: Request) -> Response:
    """``GET /chat/completions``: stored completions, filtered by ``model`` and ``metadata[key]``."""
    model = request.query.get("model")
    wanted = {key[len(_METADATA) : -1]: request.query[key] for key in request.query if key.startswith(_METADATA)}
    items = []
    for stored in list(state.store.values()):
        if not isinstance(stored, StoredChatCompletion):
            continue
        body = stored.body
        if model and body["model"] != model:
            continue
        if any(body["metadata"].get(key) != value for key, value in wanted.items()):
            continue
        items.append(body)
    return _ok(state, page(items, request, order="asc"))


def retrieve(state: State, request: Request) -> Response:
    """``GET /chat/completions/{completion_id}``: the stored ``chat.completion``."""
    return _ok(state, _stored(state, request).body)


def update(state: State, request: Request) -> Response:
    """``POST /chat/completions/{completion_id}``: replace the metadata (the only field that can change)."""
    stored = _stored(state, request)
    body = json_object(request)
    if "metadata" not in body:
        require(body, "metadata", "object")  # the real API's missing_required_parameter 400
    metadata = body["metadata"]
    check_type(metadata, "metadata", "object")
    stored.body["metadata"] = dict(metadata or {})
    return _ok(state, stored.body)


def delete(state: State, request: Request) -> Response:
    """``DELETE /chat/completions/{completion_id}``: forget it."""
    stored = _stored(state, request)
    completion_id = stored.body["id"]
    del state.store[completion_id]
    return _ok(state, {"object": "chat.completion.deleted", "id": completion_id, "deleted": True})


def messages(state: State, request: Request) -> Response:
    """``GET /chat/completions/{completion_id}/messages``: the request's messages as a cursor page."""
    return _ok(state, page(_stored(state, request).message_items(), request, order="asc"))
