"""The event stream of an assistants run (``runs.create``/``threads.create_and_run``/
``submit_tool_outputs`` with ``stream=True``), as the real API sends it.

``thread.created`` (for ``create_and_run``), ``thread.run.created``, ``queued``, ``in_progress``, then a
message (``thread.message.created``, ``in_progress``, one ``thread.message.delta`` per token,
``completed``), ``thread.run.completed``; the caller ends it with ``event: done`` /
``data: [DONE]``. The message's text is what a queued reply says (the reply machinery answers runs
as it answers chat completions), else the default reply.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typing_extensions as te

from .._sdk_bodies import Context, instance
from .._state import State
from .._wire import Request

__all__ = ["events", "is_assistant_stream", "members"]


def members(event_type: Any) -> list[Any]:
    """The model classes of a union of events, in order."""
    out: list[Any] = []
    stack = [event_type]
    while stack:
        annotation = stack.pop(0)
        if getattr(annotation, "model_fields", None) is not None:
            out.append(annotation)
        else:
            stack[:0] = te.get_args(annotation)
    return out


def is_assistant_stream(event_type: Any) -> bool:
    """Whether the events are ``{event, data}`` pairs (the assistants API's streams)."""
    found = members(event_type)
    return bool(found) and all({"event", "data"} <= set(member.model_fields) for member in found)


def _data_types(event_type: Any) -> dict[str, Any]:
    """``event name -> data type`` of a union of ``{event, data}`` models."""
    out: dict[str, Any] = {}
    for member in members(event_type):
        fields = member.model_fields
        for name in te.get_args(fields["event"].annotation):
            out[name] = fields["data"].annotation
    return out


def events(state: State, request: Request, event_type: Any, run: Any) -> Iterator[tuple[str, Any]]:
    """``(event name, data)`` pairs of a run that answers with one message."""
    types = _data_types(event_type)
    run = dict(run) if isinstance(run, dict) else {}
    thread_id = run.get("thread_id") or request.params.get("thread_id") or state.ids.make("thread_", 24)
    run["thread_id"] = thread_id
    context = Context(state.now(), state.ids, {"thread_id": thread_id})
    if request.endpoint == "/threads/runs" and "thread.created" in types:
        thread = instance(types["thread.created"], Context(context.now, context.ids, object_id=thread_id))
        yield "thread.created", thread
    reply = state.reply_for(request)
    text = reply.text_for(0) or ""
    yield "thread.run.created", {**run, "status": "queued"}
    yield "thread.run.queued", {**run, "status": "queued"}
    yield "thread.run.in_progress", {**run, "status": "in_progress"}
    message = instance(types.get("thread.message.created"), context)
    message.update(thread_id=thread_id, run_id=run.get("id"), assistant_id=run.get("assistant_id"), role="assistant")
    message.update(status="in_progress", content=[], completed_at=None)
    yield "thread.message.created", message
    yield "thread.message.in_progress", message
    for index, piece in enumerate(reply.pieces(text)):
        delta = {"type": "text", "index": 0, "text": {"value": piece, "annotations": []}}
        yield "thread.message.delta", {
            "id": message["id"],
            "object": "thread.message.delta",
            "delta": {"content": [delta], **({"role": "assistant"} if index == 0 else {})},
        }
    completed = {**message, "status": "completed", "completed_at": state.now()}
    completed["content"] = [{"type": "text", "text": {"value": text, "annotations": []}}]
    yield "thread.message.completed", completed
    yield "thread.run.completed", {**run, "status": "completed", "completed_at": state.now()}
