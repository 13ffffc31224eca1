"""``/responses``: the Responses API — create (streamed or not), retrieve, delete, input items, cancel,
input token counts.

The same :class:`~fakeopenai.Reply` that answers a chat completion answers here, rendered as
``output`` items: a ``reasoning`` item (when the reply has reasoning), a ``message`` with one
``output_text`` (or ``refusal``) part, then one ``function_call`` item per tool call.

The stream is the real API's event sequence (``shared/WIRE.md`` §3): ``response.created``,
``response.in_progress``, then per item ``output_item.added``, its content events (parts and deltas,
token by token, each delta padded with ``obfuscation``), ``output_item.done``, and finally
``response.completed`` (``response.incomplete`` when ``max_output_tokens`` cut the answer). Every
event has an ``event:`` line and a ``sequence_number``; there is no ``data: [DONE]``.

Responses are stored (unless ``store`` is false) so that ``retrieve``, ``delete``,
``input_items.list`` and ``previous_response_id`` chains work as on the real API.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from .._errors import APIError, bad_request
from .._reply import Reply
from .._schema import tool_arguments
from .._state import JSON, SSE, State
from .._tokens import split_tokens
from .._usage import count_messages, count_value, tools_tokens, usage_for
from .._validation import (
    MAX_OUTPUT_TOKENS,
    FieldCheck,
    check_enum,
    check_options,
    check_type,
    ranged,
    require,
    typed,
)
from .._wire import Events, Request, Response, dumps, sse
from ._common import (
    OBFUSCATION,
    enc,
    json_object,
    json_response,
    made_up,
    page,
    pieces_for,
    query_int,
    quote,
    stream_response,
    token_logprob,
)

__all__ = ["StoredResponse", "cancel", "count_input_tokens", "create", "delete", "input_items", "retrieve"]

_ROLES = ("user", "assistant", "system", "developer")
_ROLE_SET = frozenset(_ROLES)
_CONTENT_TYPES = (str, list)
_SERVICE_TIERS = ("auto", "default", "flex", "scale", "priority")
# What a response in progress (``response.created``/``in_progress``) has in place of its results.
_PENDING: dict[str, Any] = {
    "status": "in_progress",
    "completed_at": None,
    "incomplete_details": None,
    "output": [],
    "usage": None,
}



def _one_of(key: str, allowed: tuple[str, ...]) -> FieldCheck:
    def check(value: Any) -> None:
        check_type(value, key, "string")
        check_enum(value, key, allowed)

    return check


# Checks of optional fields, by key: only the keys a body has cost anything.
_CHECKS: dict[str, FieldCheck] = {
    "stream": typed("stream", "boolean"),
    "store": typed("store", "boolean"),
    "background": typed("background", "boolean"),
    "parallel_tool_calls": typed("parallel_tool_calls", "boolean"),
    "temperature": ranged("temperature", 0, 2),
    "top_p": ranged("top_p", 0, 1),
    # The real API refuses fewer than 16 output tokens.
    "max_output_tokens": ranged("max_output_tokens", 16, MAX_OUTPUT_TOKENS, "integer"),
    # The spec sets no minimum (0: no built-in tool call at all); a negative count means nothing.
    "max_tool_calls": ranged("max_tool_calls", 0, None, "integer"),
    "top_logprobs": ranged("top_logprobs", 0, 20, "integer"),
    "instructions": typed("instructions", "string", "array"),
    "tools": typed("tools", "array"),
    "tool_choice": typed("tool_choice", "string", "object"),
    "metadata": typed("metadata", "object"),
    "previous_response_id": typed("previous_response_id", "string"),
    "text": typed("text", "object"),
    "reasoning": typed("reasoning", "object"),
    "include": typed("include", "array"),
    "stream_options": typed("stream_options", "object"),
    "truncation": _one_of("truncation", ("auto", "disabled")),
    "service_tier": _one_of("service_tier", _SERVICE_TIERS),
    "user": typed("user", "string"),
    "prompt_cache_key": typed("prompt_cache_key", "string"),
    "safety_identifier": typed("safety_identifier", "string"),
}


def validate(body: dict[str, Any]) -> None:
    """Raise the real API's 400 for a body it would reject.

    ``model`` may be left out when a stored ``prompt`` names it (the spec's ``CreateResponse``
    requires nothing; the SDK types ``model`` as optional since 3.x); without either, nothing says
    which model answers, and the API's ``missing_required_parameter`` is the answer.
    """
    if body.get("prompt") is None:
        require(body, "model", "string")
    else:
        check_type(body.get("model"), "model", "string")
    value = body.get("input")
    check_type(value, "input", "string", "array")
    if type(value) is list:
        for i, item in enumerate(value):
            _check_item(item, i)
    check_options(body, _CHECKS)


def _check_item(item: Any, i: int) -> None:
    if type(item) is dict and item.get("role") in _ROLE_SET and type(item.get("content")) in _CONTENT_TYPES:
        return  # the common case, checked cheaply
    check_type(item, f"input[{i}]", "object", nullable=False)
    kind = item.get("type", "message")
    if kind != "message":
        check_type(kind, f"input[{i}].type", "string", nullable=False)
        return
    if "role" not in item:
        raise bad_request(
            f"Missing required parameter: 'input[{i}].role'.",
            param=f"input[{i}].role",
            code="missing_required_parameter",
        )
    check_enum(item["role"], f"input[{i}].role", _ROLES)
    if "content" not in item:
        raise bad_request(
            f"Missing required parameter: 'input[{i}].content'.",
            param=f"input[{i}].content",
            code="missing_required_parameter",
        )
    check_type(item["content"], f"input[{i}].content", "string", "array", nullable=False)


# -- what is stored ---------------------------------------------------------------------------


@dataclass(eq=False)
class StoredResponse:
    """A stored response: the object ``retrieve`` returns and what its model saw.

    ``input`` is the request's ``input`` as sent; its item resources (with ids) are made when first
    listed. ``previous`` is the response it continues (``previous_response_id``), kept even if that
    one is deleted later. ``context_tokens`` is what the whole conversation costs a following turn.
    """

    body: dict[str, Any]
    input: Any
    previous: StoredResponse | None
    context_tokens: int
    _items: list[dict[str, Any]] | None = None

    def items(self, state: State) -> list[dict[str, Any]]:
        """The whole context in order: earlier turns' input and output items, then this turn's input."""
        if self._items is None:
            own = _input_items(state, self.input)
            if self.previous is not None:
                own = [*self.previous.items(state), *self.previous.body["output"], *own]
            self._items = own
        return self._items


def _not_found(response_id: str) -> APIError:
    return APIError(404, f"Response with id '{response_id}' not found.")


def _made_up(state: State, response_id: str) -> StoredResponse:
    """A finished background response of that id (the ``any_id`` mode)."""
    body = made_up(state, "openai.types.responses:Response", response_id, status="completed", background=True)
    return StoredResponse(body, [], None, 0)


def _stored(state: State, response_id: str) -> StoredResponse:
    return state.lookup(response_id, StoredResponse, _not_found, lambda missing: _made_up(state, missing))


# -- input items ------------------------------------------------------------------------------


def _input_items(state: State, value: Any) -> list[dict[str, Any]]:
    """The request's ``input`` as the item resources ``input_items.list`` returns (with ids)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [_input_message(state, "user", value)]
    items: list[dict[str, Any]] = []
    for item in value:
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role", "user")
            content = item.get("content")
            if role == "assistant":
                items.append(_assistant_message(state, item.get("id"), content))
            else:
                items.append(_input_message(state, role, content, item.get("id")))
        elif kind == "function_call_output":
            items.append(
                {
                    "id": item.get("id") or "fco_" + state.ids.hex(48),
                    "type": "function_call_output",
                    "call_id": item.get("call_id"),
                    "output": item.get("output"),
                    "status": item.get("status") or "completed",
                }
            )
        elif kind == "function_call":
            items.append(
                {
                    "id": item.get("id") or "fc_" + state.ids.hex(48),
                    "type": "function_call",
                    "status": item.get("status") or "completed",
                    "arguments": item.get("arguments", ""),
                    "call_id": item.get("call_id"),
                    "name": item.get("name"),
                }
            )
        elif kind != "item_reference":  # references point at items listed already
            items.append({**item, "id": item.get("id") or "item_" + state.ids.hex(48)})
    return items


def _input_message(state: State, role: str, content: Any, item_id: str | None = None) -> dict[str, Any]:
    if isinstance(content, str):
        parts: list[Any] = [{"type": "input_text", "text": content}]
    else:
        parts = [_input_part(part) for part in content or ()]
    return {
        "id": item_id or "msg_" + state.ids.hex(48),
        "type": "message",
        "role": role,
        "content": parts,
        "status": "completed",
    }


def _input_part(part: Any) -> Any:
    if isinstance(part, dict) and part.get("type") == "input_image":
        return {
            "type": "input_image",
            "detail": part.get("detail") or "auto",
            "file_id": part.get("file_id"),
            "image_url": part.get("image_url"),
        }
    return part


def _assistant_message(state: State, item_id: str | None, content: Any) -> dict[str, Any]:
    if isinstance(content, str):
        content = [{"type": "output_text", "text": content}]
    parts = []
    for part in content or ():
        if isinstance(part, dict) and part.get("type") == "output_text":
            part = {"type": "output_text", "annotations": [], "logprobs": [], **part}
        parts.append(part)
    return {
        "id": item_id or "msg_" + state.ids.hex(48),
        "type": "message",
        "status": "completed",
        "content": parts,
        "role": "assistant",
    }


# -- output items -----------------------------------------------------------------------------


@dataclass
class _Out:
    """One output item: its final form and the pieces a stream sends for it."""

    item: dict[str, Any]
    pieces: list[str]
    #: Per-piece logprobs of an ``output_text`` part (``None``: not requested).
    logprobs: list[dict[str, Any]] | None = None


def _summary_requested(body: dict[str, Any]) -> bool:
    reasoning = body.get("reasoning")
    return isinstance(reasoning, dict) and bool(reasoning.get("summary") or reasoning.get("generate_summary"))


def _output(
    state: State, body: dict[str, Any], reply: Reply, include: list[Any]
) -> tuple[list[_Out], int, str | None]:
    """The output items, the reasoning tokens they cost, and why the answer is incomplete (if it is)."""
    outs: list[_Out] = []
    limit: int = body.get("max_output_tokens") or 0
    reasoning_tokens = 0
    if reply.reasoning:
        summary = split_tokens(reply.reasoning)
        reasoning_tokens = len(summary)
        # Like the real API, the summary text is only sent to a client that asked for it.
        shown = _summary_requested(body)
        item: dict[str, Any] = {
            "id": "rs_" + state.ids.hex(48),
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": reply.reasoning}] if shown else [],
        }
        if "reasoning.encrypted_content" in include:
            item["encrypted_content"] = "gAAAAA" + state.ids.token(64)
        outs.append(_Out(item, summary if shown else []))

    budget = max(limit - reasoning_tokens, 0) if limit else 0
    truncated = False
    message_id = "msg_" + state.ids.hex(48)
    if reply.refusal:
        refusal = split_tokens(reply.refusal)
        part: dict[str, Any] = {"type": "refusal", "refusal": reply.refusal}
        outs.append(_Out(_message(message_id, part, "completed"), refusal))
    else:
        text = reply.text_for(0)
        pieces: list[str]
        if limit and budget == 0:
            pieces, truncated = [], bool(text or reply.chunks)
        else:
            pieces, truncated = pieces_for(reply, text, budget)
        if pieces or truncated or not reply.calls:
            logprobs = None
            if "message.output_text.logprobs" in include:
                top = body.get("top_logprobs") or 0
                logprobs = [token_logprob(piece, top) for piece in pieces]
            part = {"type": "output_text", "annotations": [], "logprobs": logprobs or [], "text": "".join(pieces)}
            status = "incomplete" if truncated else "completed"
            outs.append(_Out(_message(message_id, part, status), pieces, logprobs))
    if not truncated:
        for call in reply.calls:
            arguments = tool_arguments(call, body)  # a call scripted by name gets schema-valid arguments
            item = {
                "id": "fc_" + state.ids.hex(48),
                "type": "function_call",
                "status": "completed",
                "arguments": arguments,
                "call_id": call.id or state.ids.make("call_"),
                "name": call.name,
            }
            outs.append(_Out(item, split_tokens(arguments)))
    reason = None
    if truncated or reply.finish_reason == "length":
        reason = "max_output_tokens"
    elif reply.finish_reason == "content_filter":
        reason = "content_filter"
    return outs, reasoning_tokens, reason


def _message(message_id: str, part: dict[str, Any], status: str) -> dict[str, Any]:
    return {"id": message_id, "type": "message", "status": status, "content": [part], "role": "assistant"}


def _outs_of(output: list[dict[str, Any]]) -> list[_Out]:
    """Output items of a stored response, split again into stream pieces (for a replayed stream)."""
    outs = []
    for item in output:
        kind = item.get("type")
        pieces: list[str] = []
        if kind == "message" and item["content"]:
            part = item["content"][0]
            pieces = split_tokens(part.get("text") if part["type"] == "output_text" else part.get("refusal", ""))
        elif kind == "function_call":
            pieces = split_tokens(item["arguments"])
        elif kind == "reasoning" and item["summary"]:
            pieces = split_tokens(item["summary"][0]["text"])
        outs.append(_Out(item, pieces))
    return outs


# -- the response object ----------------------------------------------------------------------


def _tool(tool: Any) -> Any:
    """A tool as the real API echoes it (function tools get every field, strict by default)."""
    if isinstance(tool, dict) and tool.get("type") == "file_search":
        from .file_search import echo

        return echo(tool)
    if not isinstance(tool, dict) or tool.get("type") != "function":
        return tool
    strict = tool.get("strict")
    return {
        "type": "function",
        "name": tool.get("name"),
        "description": tool.get("description"),
        "parameters": tool.get("parameters"),
        "strict": True if strict is None else strict,
    }


def _envelope(
    body: dict[str, Any], response_id: str, created: int, model: str, outs: list[_Out], reason: str | None
) -> dict[str, Any]:
    """The final response object, request parameters echoed as the real API does."""
    reasoning = body.get("reasoning") or {}
    text = body.get("text") or {}
    tier = body.get("service_tier")
    metadata = body.get("metadata")
    tools = body.get("tools")
    envelope: dict[str, Any] = {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": "incomplete" if reason else "completed",
        "background": body.get("background") is True,
        "completed_at": None if reason else created,
        "error": None,
        "incomplete_details": {"reason": reason} if reason else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "model": model,
        "output": [out.item for out in outs],
        "parallel_tool_calls": body.get("parallel_tool_calls") is not False,
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": {
            "effort": reasoning.get("effort"),
            "summary": reasoning.get("summary") or reasoning.get("generate_summary"),
        },
        "safety_identifier": body.get("safety_identifier"),
        "service_tier": tier if tier and tier != "auto" else "default",
        "store": body.get("store") is not False,
        "temperature": _float(body.get("temperature"), 1.0),
        "text": {"format": text.get("format") or {"type": "text"}, "verbosity": text.get("verbosity") or "medium"},
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": [_tool(tool) for tool in tools] if tools else [],
        "top_logprobs": body.get("top_logprobs") or 0,
        "top_p": _float(body.get("top_p"), 1.0),
        "truncation": body.get("truncation") or "disabled",
        "usage": None,
        "user": body.get("user"),
        "metadata": metadata if metadata is not None else {},
    }
    conversation = body.get("conversation")
    if conversation:
        envelope["conversation"] = {"id": conversation if isinstance(conversation, str) else conversation.get("id")}
    return envelope


def _float(value: Any, default: float) -> float:
    return default if value is None else float(value)


# -- POST /responses --------------------------------------------------------------------------


def create(state: State, request: Request) -> Response:
    """Answer a Responses API request, streamed or not, and store it unless ``store`` is false."""
    body = json_object(request)
    if state.validate:
        validate(body)
    conversation = None
    if body.get("conversation") is not None:  # items before this turn are context; both grow by it
        from .conversations import for_response

        conversation = for_response(state, body)
    previous = _previous(state, body)
    reply = state.reply_for(request)
    model = reply.model or str(body.get("model") or "gpt-4.1")  # a prompt's model, when only it names one
    include = body.get("include") or []
    outs, reasoning_tokens, reason = _output(state, body, reply, include)
    _file_search(state, body, reply, include, outs)

    value = body.get("input")
    turn_tokens = count_value(value, model)
    prompt = _prompt_tokens(body, model, previous) + (conversation.tokens(model) if conversation else 0)
    steps = sum(len(out.pieces) for out in outs)
    completion = reasoning_tokens + sum(
        len(out.pieces) + (out.item["type"] == "function_call") for out in outs if out.item["type"] != "reasoning"
    )
    usage = usage_for(reply, prompt, completion, reasoning=reasoning_tokens)
    duration = reply.ttft + reply.token_delay * max(0, steps - 1)

    response_id = "resp_" + state.ids.hex(48)
    final = _envelope(body, response_id, state.created(), model, outs, reason)
    if final["completed_at"] is not None:
        final["completed_at"] += int(duration)
    final["usage"] = usage.responses()
    if final["store"]:
        context = (previous.context_tokens if previous is not None else 0) + turn_tokens + usage.completion
        state.store[response_id] = StoredResponse(final, value, previous, context)
    if conversation is not None:
        added = conversation.append(state, value, final["output"])
        if final["store"]:  # input_items.list shows the same items (same ids) as the conversation
            state.store[response_id]._items = added

    if body.get("stream") is True:
        options = body.get("stream_options") or {}
        events = _stream(final, outs, reply.ttft, reply.token_delay, options.get("include_obfuscation") is not False)
        return stream_response(state, reply, events, _error_event)
    return json_response(state, reply, final, duration)


def _file_search(state: State, body: dict[str, Any], reply: Reply, include: list[Any], outs: list[_Out]) -> None:
    """The ``file_search`` tool (``endpoints/file_search.py``): its call item goes before the message,
    whose text cites the files found."""
    if not body.get("tools"):
        return
    from . import file_search

    if not file_search.wanted(body):
        return
    call = file_search.run(state, body, reply, include)
    at = next((i for i, out in enumerate(outs) if out.item["type"] != "reasoning"), len(outs))
    outs.insert(at, _Out(call.item, []))
    for out in outs:
        if out.item["type"] == "message" and out.item["content"][0]["type"] == "output_text":
            part = out.item["content"][0]
            part["annotations"] = call.annotations(part["text"])


def _previous(state: State, body: dict[str, Any]) -> StoredResponse | None:
    """The stored response ``previous_response_id`` names, or the real API's 400 when it is unknown."""
    previous_id = body.get("previous_response_id")
    if not previous_id:
        return None
    previous = state.store.get(previous_id)
    if previous is None and state.any_id and isinstance(previous_id, str):
        previous = state.store[previous_id] = _made_up(state, previous_id)
    if not isinstance(previous, StoredResponse):
        raise bad_request(
            f"Previous response with id '{previous_id}' not found.",
            param="previous_response_id",
            code="previous_response_not_found",
        )
    return previous


def _prompt_tokens(body: dict[str, Any], model: str, previous: StoredResponse | None) -> int:
    """Input tokens of a request: instructions, this turn's input, tools, and the earlier turns."""
    value = body.get("input")
    turn = [{"role": "user", "content": value}] if isinstance(value, str) else list(value or ())
    instructions = body.get("instructions")
    prompt = count_messages(
        [{"role": "developer", "content": instructions}, *turn] if instructions else turn, model
    ) + tools_tokens(body.get("tools"), model)
    if previous is not None:
        prompt += previous.context_tokens
    return prompt


def _error_event(message: str, position: int) -> bytes:
    """The ``error`` event the real API sends when a Responses stream fails (the SDK yields it)."""
    payload = {"type": "error", "sequence_number": position, "code": "server_error", "message": message, "param": None}
    return sse(payload, event="error")


# -- the event stream -------------------------------------------------------------------------


_NO_PADDING = ("",) * 16


@cache
def _head(kind: str) -> str:
    """The bytes of an event up to its ``sequence_number`` value."""
    return "event: " + kind + '\ndata: {"type":"' + kind + '","sequence_number":'


def _stream(
    final: dict[str, Any], outs: list[_Out], ttft: float, token_delay: float, obfuscate: bool
) -> Events:
    """Every event of a streamed response, in order, as ready bytes."""
    delays: list[float] = []
    datas: list[bytes] = []
    seq = 0
    deltas = 0

    def emit(kind: str, fields: str, delay: float = 0.0) -> None:
        nonlocal seq
        delays.append(delay)
        datas.append((_head(kind) + str(seq) + fields + "}\n\n").encode())
        seq += 1

    def deltas_of(kind: str, head: str, pieces: list[str], tails: str | list[str] = "") -> None:
        # The hot path, one event per token: each built by one f-string.
        nonlocal seq, deltas
        prefix, middle = _head(kind), head + ',"delta":'
        paddings = OBFUSCATION if obfuscate else _NO_PADDING
        numbered = enumerate(pieces, seq)
        if isinstance(tails, str):  # one tail for all (no logprobs): the comprehension stays flat, 5% faster
            datas.extend(
                [
                    f"{prefix}{number}{middle}{quote(piece)}{tails}{paddings[number % 16]}}}\n\n".encode()
                    for number, piece in numbered
                ]
            )
        else:
            datas.extend(
                [
                    f"{prefix}{number}{middle}{quote(piece)}{tail}{paddings[number % 16]}}}\n\n".encode()
                    for (number, piece), tail in zip(numbered, tails, strict=True)
                ]
            )
        if pieces:
            delays.append(ttft if deltas == 0 else token_delay)
            delays.extend([token_delay] * (len(pieces) - 1))
        seq += len(pieces)
        deltas += len(pieces)

    in_progress = enc({**final, **_PENDING})
    emit("response.created", ',"response":' + in_progress)
    emit("response.in_progress", ',"response":' + in_progress)
    for index, out in enumerate(outs):
        item = out.item
        kind = item["type"]
        position = ',"output_index":' + str(index)
        head = ',"item_id":"' + item["id"] + '"' + position
        if kind == "message":
            added = enc({**item, "status": "in_progress", "content": []})
            emit("response.output_item.added", position + ',"item":' + added)
            part = item["content"][0]
            head += ',"content_index":0'
            if part["type"] == "refusal":
                emit("response.content_part.added", head + ',"part":{"type":"refusal","refusal":""}')
                deltas_of("response.refusal.delta", head, out.pieces)
                emit("response.refusal.done", head + ',"refusal":' + enc(part["refusal"]))
            else:
                emit(
                    "response.content_part.added",
                    head + ',"part":{"type":"output_text","annotations":[],"logprobs":[],"text":""}',
                )
                logprobs = [_event_logprob(entry) for entry in out.logprobs or ()]
                tails = [',"logprobs":[' + enc(entry) + "]" for entry in logprobs] if logprobs else ',"logprobs":[]'
                deltas_of("response.output_text.delta", head, out.pieces, tails)
                for i, annotation in enumerate(part["annotations"]):
                    emit(
                        "response.output_text.annotation.added",
                        head + ',"annotation_index":' + str(i) + ',"annotation":' + enc(annotation),
                    )
                emit(
                    "response.output_text.done",
                    head + ',"text":' + enc(part["text"]) + ',"logprobs":' + enc(logprobs),
                )
            emit("response.content_part.done", head + ',"part":' + enc(part))
        elif kind == "function_call":
            emit(
                "response.output_item.added",
                position + ',"item":' + enc({**item, "status": "in_progress", "arguments": ""}),
            )
            deltas_of("response.function_call_arguments.delta", head, out.pieces)
            emit(
                "response.function_call_arguments.done",
                head + ',"name":' + enc(item["name"]) + ',"arguments":' + enc(item["arguments"]),
            )
        elif kind == "file_search_call":
            searching = {**item, "status": "in_progress", "queries": [], "results": None}
            emit("response.output_item.added", position + ',"item":' + enc(searching))
            for status in ("in_progress", "searching", "completed"):
                emit("response.file_search_call." + status, head)
        else:
            emit("response.output_item.added", position + ',"item":' + enc({**item, "summary": []}))
            if kind == "reasoning" and item["summary"]:
                summary = item["summary"][0]
                head += ',"summary_index":0'
                emit("response.reasoning_summary_part.added", head + ',"part":{"type":"summary_text","text":""}')
                deltas_of("response.reasoning_summary_text.delta", head, out.pieces)
                emit("response.reasoning_summary_text.done", head + ',"text":' + enc(summary["text"]))
                emit("response.reasoning_summary_part.done", head + ',"part":' + enc(summary))
        emit("response.output_item.done", position + ',"item":' + enc(item))
    terminal = "response.incomplete" if final["status"] == "incomplete" else "response.completed"
    emit(terminal, ',"response":' + enc(final), ttft if deltas == 0 else 0.0)
    return Events(delays, datas)


def _event_logprob(entry: dict[str, Any]) -> dict[str, Any]:
    """A part's logprob entry as stream events carry it: no ``bytes`` (spec ``ResponseLogProb``).

    The final ``output_text`` part has the full ``LogProb`` (with ``bytes``); the ``output_text``
    delta and done events have the lighter form, at both levels.
    """
    return {
        "token": entry["token"],
        "logprob": entry["logprob"],
        "top_logprobs": [{"token": top["token"], "logprob": top["logprob"]} for top in entry["top_logprobs"]],
    }


# -- GET /responses/{id}, DELETE /responses/{id}, GET /responses/{id}/input_items ----------------


def retrieve(state: State, request: Request) -> Response:
    """The stored response; with ``stream=true`` its events again (after ``starting_after``)."""
    stored = _stored(state, request.params["response_id"])
    if request.query.get("stream") != "true":
        return Response(200, state.headers(JSON), dumps(stored.body))
    obfuscate = request.query.get("include_obfuscation") != "false"
    events = _stream(stored.body, _outs_of(stored.body["output"]), 0.0, 0.0, obfuscate)
    after = query_int(request, "starting_after")
    if after is not None:
        events = events[max(after + 1, 0) :]
    return Response(200, state.headers(SSE), events=events)


def delete(state: State, request: Request) -> Response:
    """Forget a stored response."""
    response_id = request.params["response_id"]
    _stored(state, response_id)
    del state.store[response_id]
    return Response(
        200, state.headers(JSON), dumps({"id": response_id, "object": "response", "deleted": True})
    )


def cancel(state: State, request: Request) -> Response:
    """``POST /responses/{id}/cancel``: only a background response can be cancelled.

    The fake finishes a background response at once, so there is never one still running: the
    response is returned as it is (the real API also answers an already finished background response
    with the response unchanged, as far as we know; not captured). A response created without
    ``background`` gets a 400; its wording, "Cannot cancel a synchronous response.", is from memory
    of the real API, not captured.
    """
    stored = _stored(state, request.params["response_id"])
    if not stored.body.get("background"):
        raise bad_request("Cannot cancel a synchronous response.")
    return Response(200, state.headers(JSON), dumps(stored.body))


def count_input_tokens(state: State, request: Request) -> Response:
    """``POST /responses/input_tokens``: what the same ``POST /responses`` body would cost as input."""
    body = json_object(request)
    check_type(body.get("model"), "model", "string")
    check_type(body.get("input"), "input", "string", "array")
    check_type(body.get("instructions"), "instructions", "string")
    check_type(body.get("tools"), "tools", "array")
    if isinstance(body.get("input"), list):
        for i, item in enumerate(body["input"]):
            _check_item(item, i)
    tokens = _prompt_tokens(body, str(body.get("model") or ""), _previous(state, body))
    if body.get("conversation") is not None:  # the conversation's items are context too
        from .conversations import for_response

        conversation = for_response(state, body)
        tokens += conversation.tokens(str(body.get("model") or "")) if conversation else 0
    return Response(200, state.headers(JSON), dumps({"object": "response.input_tokens", "input_tokens": tokens}))


def input_items(state: State, request: Request) -> Response:
    """The items the response's model saw, as a cursor page (``after``, ``limit``, ``order``)."""
    stored = _stored(state, request.params["response_id"])
    return Response(200, state.headers(JSON), dumps(page(stored.items(state), request)))

