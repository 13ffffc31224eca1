"""``POST /chat/completions``: a ``chat.completion`` object, or ``chat.completion.chunk`` events.

The stream follows the real API chunk for chunk (see ``shared/WIRE.md`` §2): a role chunk, content
deltas token by token, tool-call deltas (id and name first, then the arguments in pieces), a finish
chunk per choice, the usage chunk (``choices: []``) when ``stream_options.include_usage`` is set,
then ``data: [DONE]``. Every chunk carries ``obfuscation`` unless the client turned it off.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .._errors import bad_request
from .._reply import Reply, ToolCall
from .._schema import tool_arguments
from .._state import State
from .._tokens import split_tokens
from .._usage import Usage, count_messages, tools_tokens, usage_for
from .._validation import (
    INT64,
    MAX_OUTPUT_TOKENS,
    FieldCheck,
    check_enum,
    check_logit_bias,
    check_options,
    check_type,
    ranged,
    require,
    typed,
)
from .._wire import Events, Request, Response
from ._common import OBFUSCATION as _OBFUSCATION
from ._common import enc as _enc
from ._common import json_object, json_response, pieces_for, stream_response
from ._common import quote as _quote
from ._common import token_logprob as _token_logprob
from .chat_store import keep

__all__ = ["create"]

_ROLES = ("system", "assistant", "user", "function", "tool", "developer")
_DONE = b"data: [DONE]\n\n"



# Checks of optional fields, by key: only the keys a body has cost anything.
_CHECKS: dict[str, FieldCheck] = {
    "stream": typed("stream", "boolean"),
    "n": ranged("n", 1, 128, "integer"),
    "temperature": ranged("temperature", 0, 2),
    "top_p": ranged("top_p", 0, 1),
    # "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1" (the API's answer).
    "max_tokens": ranged("max_tokens", 1, MAX_OUTPUT_TOKENS, "integer"),
    "max_completion_tokens": ranged("max_completion_tokens", 1, MAX_OUTPUT_TOKENS, "integer"),
    "presence_penalty": ranged("presence_penalty", -2, 2),
    "frequency_penalty": ranged("frequency_penalty", -2, 2),
    "logit_bias": check_logit_bias,
    "top_logprobs": ranged("top_logprobs", 0, 20, "integer"),
    "seed": ranged("seed", *INT64, "integer"),
    "tools": typed("tools", "array"),
    "stream_options": typed("stream_options", "object"),
    "response_format": typed("response_format", "object"),
}
_ROLE_SET = frozenset(_ROLES)
_CONTENT_TYPES = (str, list, type(None))


def validate(body: dict[str, Any]) -> None:
    """Raise the real API's 400 for a body it would reject."""
    require(body, "model", "string")
    messages = require(body, "messages", "array")
    if not messages:
        raise bad_request(
            "Invalid 'messages': empty array. Expected an array with minimum length 1, "
            "but got an empty array instead.",
            param="messages",
            code="empty_array",
        )
    for i, message in enumerate(messages):
        if (
            type(message) is dict
            and message.get("role") in _ROLE_SET
            and type(message.get("content")) in _CONTENT_TYPES
        ):
            continue  # the common case, checked cheaply
        check_type(message, f"messages[{i}]", "object", nullable=False)
        role = require_in(message, "role", f"messages[{i}]")
        check_enum(role, f"messages[{i}].role", _ROLES)
        check_type(message.get("content"), f"messages[{i}].content", "string", "array")
    check_options(body, _CHECKS)


def require_in(message: dict[str, Any], key: str, prefix: str) -> Any:
    if key not in message:
        raise bad_request(
            f"Missing required parameter: '{prefix}.{key}'.",
            param=f"{prefix}.{key}",
            code="missing_required_parameter",
        )
    return message[key]


@dataclass
class _Choice:
    """One choice of the answer, split into what the stream sends."""

    index: int
    pieces: list[str]
    refusal_pieces: list[str]
    calls: list[tuple[str, ToolCall, list[str]]] = field(default_factory=list)
    finish_reason: str = "stop"

    @property
    def tokens(self) -> int:
        """Completion tokens: text, refusal, and each call's name and arguments."""
        return len(self.pieces) + len(self.refusal_pieces) + sum(len(pieces) + 1 for _, _, pieces in self.calls)

    @property
    def text(self) -> str | None:
        return "".join(self.pieces) if self.pieces or not (self.calls or self.refusal_pieces) else None

    @property
    def refusal(self) -> str | None:
        return "".join(self.refusal_pieces) if self.refusal_pieces else None


def _choices(state: State, body: dict[str, Any], reply: Reply) -> list[_Choice]:
    limit: int = body.get("max_completion_tokens") or body.get("max_tokens") or 0
    out = []
    for index in range(body.get("n") or 1):
        text = reply.text_for(index)
        pieces, truncated = pieces_for(reply, text, limit)
        refusal = split_tokens(reply.refusal) if reply.refusal else []
        calls = [
            (call.id or state.ids.make("call_"), call, split_tokens(tool_arguments(call, body)))
            for call in reply.calls
        ]
        finish = reply.finish_reason or ("length" if truncated else "tool_calls" if calls else "stop")
        out.append(_Choice(index, pieces, refusal, calls, finish))
    return out


def _logprobs(pieces: list[str], top: int) -> dict[str, Any]:
    return {"content": [_token_logprob(piece, top) for piece in pieces], "refusal": None}


def create(state: State, request: Request) -> Response:
    """Answer a chat completion request, streamed or not."""
    body = json_object(request)
    validate(body)
    state.check_model(body["model"])
    reply = state.reply_for(request)
    model = reply.model or body["model"]
    choices = _choices(state, body, reply)
    prompt = count_messages(body["messages"], model) + tools_tokens(body.get("tools"), model)
    tokens = [choice.tokens for choice in choices]
    usage = usage_for(reply, prompt, sum(tokens))
    identity = (
        state.ids.make("chatcmpl-", 29),
        state.created(),
        model,
        "fp_" + state.ids.hex(10),
    )
    duration = reply.ttft + reply.token_delay * max(0, max(tokens) - 1)
    top = body.get("top_logprobs") or 0 if body.get("logprobs") else None
    stream = body.get("stream") is True
    completion = _completion(choices, identity, usage, top) if not stream or body.get("store") is True else b""
    if body.get("store") is True:  # kept as the full chat.completion, streamed or not
        keep(state, body, json.loads(completion))
    if stream:
        options = body.get("stream_options") or {}
        events = _stream(choices, identity, usage, reply, options, top)
        return stream_response(state, reply, events)
    return json_response(state, reply, completion, duration)


def _completion(
    choices: list[_Choice], identity: tuple[str, int, str, str], usage: Usage, top: int | None
) -> bytes:
    """The ``chat.completion`` body, built as text like the stream's events (a third of the time
    ``json`` takes to encode the same object: it is most of the rendering of a short answer)."""
    completion_id, created, model, fingerprint = identity
    rendered = []
    for choice in choices:
        message = (
            '{"role":"assistant","content":'
            + _text_or_null(choice.text)
            + ',"refusal":'
            + _text_or_null(choice.refusal)
            + ',"annotations":[]'
        )
        if choice.calls:
            message += (
                ',"tool_calls":['
                + ",".join(
                    '{"id":'
                    + _quote(call_id)
                    + ',"type":"function","function":{"name":'
                    + _quote(call.name)
                    + ',"arguments":'
                    + _quote("".join(pieces))
                    + "}}"
                    for call_id, call, pieces in choice.calls
                )
                + "]"
            )
        rendered.append(
            '{"index":'
            + str(choice.index)
            + ',"message":'
            + message
            + '},"logprobs":'
            + (_enc(_logprobs(choice.pieces, top)) if top is not None else "null")
            + ',"finish_reason":'
            + _quote(choice.finish_reason)
            + "}"
        )
    return (
        '{"id":'
        + _quote(completion_id)
        + ',"object":"chat.completion","created":'
        + str(created)
        + ',"model":'
        + _quote(model)
        + ',"choices":['
        + ",".join(rendered)
        + '],"usage":'
        + usage.chat()
        + ',"service_tier":"default","system_fingerprint":'
        + _quote(fingerprint)
        + "}"
    ).encode()


def _text_or_null(text: str | None) -> str:
    return "null" if text is None else _quote(text)


def _stream(
    choices: list[_Choice],
    identity: tuple[str, int, str, str],
    usage: Usage,
    reply: Reply,
    options: dict[str, Any],
    top: int | None,
) -> Events:
    completion_id, created, model, fingerprint = identity
    head = (
        'data: {"id":'
        + _quote(completion_id)
        + ',"object":"chat.completion.chunk","created":'
        + str(created)
        + ',"model":'
        + _quote(model)
        + ',"service_tier":"default","system_fingerprint":'
        + _quote(fingerprint)
        + ',"choices":['
    )
    include_usage = options.get("include_usage") is True
    obfuscate = options.get("include_obfuscation") is not False
    tail = "]" + (',"usage":null' if include_usage else "")
    # What closes a chunk, by the chunk's place in the stream (the obfuscation cycles).
    ends = [tail + (obfuscation if obfuscate else "") + "}\n\n" for obfuscation in _OBFUSCATION]
    closing = [',"finish_reason":null}' + end for end in ends]

    # Each choice becomes a list of '{"index":..,"delta":..,"logprobs":..' texts, one per chunk.
    per_choice: list[list[str]] = []
    for choice in choices:
        opening = '{"index":' + str(choice.index) + ',"delta":'
        steps: list[str] = []
        first_call = choice.calls[0] if choice.calls and not choice.pieces else None
        if choice.refusal_pieces:
            steps.append(opening + '{"role":"assistant","content":null,"refusal":""},"logprobs":null')
            steps.extend(
                [opening + '{"refusal":' + _quote(piece) + '},"logprobs":null' for piece in choice.refusal_pieces]
            )
        elif first_call is not None:
            steps.append(
                opening
                + '{"role":"assistant","content":null,"tool_calls":['
                + _call_head(0, first_call)
                + '],"refusal":null},"logprobs":null'
            )
        else:
            steps.append(opening + '{"role":"assistant","content":"","refusal":null},"logprobs":null')
            if top is None:
                content = opening + '{"content":'
                steps.extend([content + _quote(piece) + '},"logprobs":null' for piece in choice.pieces])
            else:
                steps.extend(
                    [
                        opening
                        + '{"content":'
                        + _quote(piece)
                        + '},"logprobs":{"content":['
                        + _enc(_token_logprob(piece, top))
                        + '],"refusal":null}'
                        for piece in choice.pieces
                    ]
                )
        for position, call in enumerate(choice.calls):
            if call is not first_call:
                steps.append(opening + '{"tool_calls":[' + _call_head(position, call) + ']},"logprobs":null')
            arguments = opening + '{"tool_calls":[{"index":' + str(position) + ',"function":{"arguments":'
            steps.extend([arguments + _quote(piece) + '}}]},"logprobs":null' for piece in call[2]])
        per_choice.append(steps)

    texts: list[str] = []
    firsts: Sequence[int] = []  # where the first choice's chunks are: they carry the reply's waits
    if len(per_choice) == 1:  # one choice: its chunks in order
        texts = per_choice[0]
        firsts = range(len(texts))
    else:  # several: round-robin, a chunk of each choice per step
        positions: list[int] = []
        for step in range(max(len(steps) for steps in per_choice)):
            for index, steps in enumerate(per_choice):
                if step < len(steps):
                    if index == 0:
                        positions.append(len(texts))
                    texts.append(steps[step])
        firsts = positions
    delays = [0.0] * len(texts)
    if reply.ttft or reply.token_delay:  # the role chunk waits ttft, the first token none, each later one token_delay
        for step, position in enumerate(firsts):
            delays[position] = reply.ttft if step == 0 else reply.token_delay if step > 1 else 0.0
    # An f-string builds each chunk in one allocation (a chain of + makes three): a third faster.
    chunks = [f"{head}{text}{closing[(number + 1) % 16]}".encode() for number, text in enumerate(texts)]
    for choice in choices:
        chunks.append(
            (
                head
                + '{"index":'
                + str(choice.index)
                + ',"delta":{},"logprobs":null,"finish_reason":'
                + _quote(choice.finish_reason)
                + "}"
                + ends[(len(chunks) + 1) % 16]
            ).encode()
        )
        delays.append(0.0)
    if include_usage:
        obfuscation = _OBFUSCATION[(len(chunks) + 1) % 16] if obfuscate else ""
        chunks.append((head + '],"usage":' + usage.chat() + obfuscation + "}\n\n").encode())
        delays.append(0.0)
    chunks.append(_DONE)
    delays.append(0.0)
    return Events(delays, chunks)


def _call_head(position: int, call: tuple[str, ToolCall, list[str]]) -> str:
    call_id, tool_call, _ = call
    return (
        '{"index":'
        + str(position)
        + ',"id":'
        + _quote(call_id)
        + ',"type":"function","function":{"name":'
        + _quote(tool_call.name)
        + ',"arguments":""}}'
    )
