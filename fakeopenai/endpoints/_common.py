"""Helpers every endpoint uses: the JSON body, token pieces, logprobs, stream padding."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from .._errors import bad_request, invalid_json
from .._faults import apply as apply_faults
from .._faults import has_faults
from .._faults import non_streamed as non_streamed_faults
from .._multipart import Form
from .._reply import Reply
from .._state import JSON, SSE, State
from .._validation import check_enum, check_range
from .._wire import Event, Request, Response, dumps, sse

__all__ = [
    "OBFUSCATION",
    "enc",
    "form_of",
    "json_object",
    "made_up",
    "ok",
    "page",
    "pieces_for",
    "query_int",
    "token_logprob",
]

# Padding the real API adds to each stream chunk/delta so its length does not give the token away.
OBFUSCATION = tuple(
    ',"obfuscation":"' + "".join("aZ3kQx9LmP2sT7vWb"[(i * 7 + j) % 17] for j in range(i % 11 + 1)) + '"'
    for i in range(16)
)


def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or the real API's 400 for an unparsable body."""
    body = request.json
    if not isinstance(body, dict):
        raise invalid_json()
    return body


def form_of(request: Request) -> Form:
    """The request body as a multipart form, or the real API's 400 for a body that is not one."""
    form = request.form
    if form is None:
        raise bad_request(
            "Invalid request: the body must be multipart/form-data (with a file part) for this endpoint.",
            code="invalid_request",
        )
    return form


def made_up(state: State, sdk_type: str, obj_id: str, **fields: Any) -> dict[str, Any]:
    """A body of the SDK type ``sdk_type`` (``"openai.types.responses:Response"``) for ``obj_id``,
    for the ``any_id`` mode: an object that was never created but must exist. ``fields`` override."""
    import importlib

    from .._sdk_bodies import Context, instance

    module, _, name = sdk_type.partition(":")
    cls = getattr(importlib.import_module(module), name)
    body = instance(cls, Context(state.now(), state.ids, fields, obj_id))
    return {**body, **fields}


def ok(state: State, payload: Any) -> Response:
    """A 200 JSON answer (for the object endpoints: files, batches, vector stores...)."""
    return Response(200, state.headers(JSON), dumps(payload))


def enc(value: Any) -> str:
    """Compact JSON of ``value`` as a ``str`` (for building stream events by concatenation)."""
    return dumps(value).decode()


#: A ``str`` as JSON text, exactly as :func:`enc` gives it (``ensure_ascii=False``), in one C call.
quote = json.encoder.encode_basestring


def pieces_for(reply: Reply, text: str | None, limit: int) -> tuple[list[str], bool]:
    """The tokens a reply's text streams as (``reply.chunks`` when set), cut to ``limit`` (0: none).

    Returns the pieces and whether the limit cut them.
    """
    pieces = reply.pieces(text)
    if limit and len(pieces) > limit:
        return pieces[:limit], True
    return pieces, False


def token_logprob(piece: str, top: int) -> dict[str, Any]:
    """A deterministic ``{token, logprob, bytes, top_logprobs}`` entry for one token."""
    logprob = -(zlib.crc32(piece.encode()) % 1000) / 10000
    entry: dict[str, Any] = {"token": piece, "logprob": logprob, "bytes": list(piece.encode())}
    alternatives = [piece, piece.upper(), piece.lower(), piece.strip(), "_" + piece][:top]
    entry["top_logprobs"] = [
        {"token": alt, "logprob": logprob - 0.5 * rank, "bytes": list(alt.encode())}
        for rank, alt in enumerate(alternatives)
    ]
    return entry


def chat_error_event(message: str, position: int) -> bytes:
    """The error line the real API sends inside a chat/completions stream (the SDK raises ``APIError``)."""
    return sse({"error": {"message": message, "type": "server_error", "param": None, "code": None}})


def stream_response(
    state: State,
    reply: Reply,
    events: Sequence[Event],
    error_event: Callable[[str, int], bytes] = chat_error_event,
) -> Response:
    """A 200 event stream for ``reply``, with the reply's faults applied."""
    then: Literal["close", "drop"] = "close"
    if has_faults(reply):
        events, then = apply_faults(events, reply, error_event)
    return Response(200, state.headers(SSE, reply.ttft * 1000), events=events, then=then)


def json_response(state: State, reply: Reply, payload: Any, duration: float) -> Response:
    """A 200 JSON answer for ``reply`` after ``duration`` seconds, with the reply's faults applied."""
    then: Literal["close", "drop"] = "close"
    if has_faults(reply):
        stall, then = non_streamed_faults(reply)
        duration += stall
    body = payload if type(payload) is bytes else dumps(payload)  # bytes: rendered already
    return Response(200, state.headers(JSON, duration * 1000), body, delay=duration, then=then)


def query_int(request: Request, key: str) -> int | None:
    """An integer query parameter (``None`` when absent), or the real API's ``invalid_type`` 400."""
    value = request.query.get(key)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise bad_request(
            f"Invalid type for '{key}': expected an integer, but got a string instead.",
            param=key,
            code="invalid_type",
        ) from None


def page(
    items: Sequence[Mapping[str, Any]],
    request: Request,
    *,
    order: str | None = "desc",
    default_limit: int = 20,
    max_limit: int = 100,
    ids: bool = True,
    lenient: bool = False,
) -> dict[str, Any]:
    """One page of a list endpoint, as the real API frames it (``shared/WIRE.md`` §7).

    ``items`` come oldest first. The request's ``after``/``before`` (an item id), ``limit`` and
    ``order`` (``asc``/``desc``; ``order=None`` for lists that have no order parameter, which keep
    ``items`` as given) are honoured. The page always carries ``object: "list"``, ``data`` and
    ``has_more`` (an SDK cursor page keeps asking while ``has_more`` is missing); ``ids=True`` adds
    ``first_id``/``last_id``. An unknown cursor gives an empty last page rather than a loop.
    ``lenient=True`` (routes whose limits the API does not document) takes any ``limit``, below 1 as
    the default.
    """
    limit = query_int(request, "limit")
    if lenient and (limit is None or limit < 1):  # routes whose limits are not known: never refuse one
        limit = default_limit
    limit = default_limit if limit is None else limit
    if not lenient:
        check_range(limit, "limit", 1, max_limit)
    ordered: Sequence[Mapping[str, Any]] = items
    if order is not None:
        chosen = request.query.get("order") or order
        check_enum(chosen, "order", ("asc", "desc"))
        ordered = items if chosen == "asc" else items[::-1]
    after = request.query.get("after")
    before = request.query.get("before")
    if after:
        position = next((i for i, item in enumerate(ordered) if item.get("id") == after), None)
        ordered = ordered[position + 1 :] if position is not None else []
    if before:
        position = next((i for i, item in enumerate(ordered) if item.get("id") == before), None)
        ordered = ordered[:position] if position is not None else []
        ordered = ordered[-limit:] if len(ordered) > limit else ordered
    data = list(ordered[:limit])
    out: dict[str, Any] = {"object": "list", "data": data}
    if ids:
        out["first_id"] = data[0].get("id") if data else None
        out["last_id"] = data[-1].get("id") if data else None
    out["has_more"] = len(ordered) > limit
    return out
