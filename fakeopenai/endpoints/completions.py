"""``POST /completions``: the legacy ``text_completion`` object, or its chunks.

As on the real API (``gpt-3.5-turbo-instruct``, ``davinci-002``, ``babbage-002``): ``max_tokens``
defaults to 16, each prompt of a list gets ``n`` choices (``index = prompt * n + choice``), ``echo``
puts the prompt before the completion, ``logprobs: k`` adds per-token ``tokens``/``token_logprobs``/
``top_logprobs``/``text_offset``. The stream sends one chunk per token with ``finish_reason: null``
(the real wire does, although the SDK's ``CompletionChoice`` type says otherwise), a last chunk per
choice with ``text: ""`` and the finish reason, the usage chunk (``choices: []``) when
``stream_options.include_usage`` is set, then ``data: [DONE]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._errors import bad_request
from .._reply import Reply
from .._state import State
from .._usage import Usage, count_value, usage_for
from .._validation import (
    INT64,
    MAX_OUTPUT_TOKENS,
    FieldCheck,
    check_logit_bias,
    check_options,
    check_type,
    ranged,
    require,
    typed,
)
from .._wire import Event, Request, Response
from ._common import enc, json_object, json_response, pieces_for, quote, stream_response, token_logprob

__all__ = ["create"]

_DONE = b"data: [DONE]\n\n"
_DEFAULT_MAX_TOKENS = 16
_FINISH_REASONS = frozenset(("stop", "length", "content_filter"))



# Checks of optional fields, by key: only the keys a body has cost anything.
_CHECKS: dict[str, FieldCheck] = {
    "stream": typed("stream", "boolean"),
    "echo": typed("echo", "boolean"),
    "n": ranged("n", 1, 128, "integer"),
    "best_of": ranged("best_of", 0, 20, "integer"),
    "max_tokens": ranged("max_tokens", 0, MAX_OUTPUT_TOKENS, "integer"),
    "logprobs": ranged("logprobs", 0, 5, "integer"),
    "temperature": ranged("temperature", 0, 2),
    "top_p": ranged("top_p", 0, 1),
    "presence_penalty": ranged("presence_penalty", -2, 2),
    "frequency_penalty": ranged("frequency_penalty", -2, 2),
    "seed": ranged("seed", *INT64, "integer"),
    "suffix": typed("suffix", "string"),
    "stop": typed("stop", "string", "array"),
    "logit_bias": check_logit_bias,
    "user": typed("user", "string"),
    "stream_options": typed("stream_options", "object"),
}


def validate(body: dict[str, Any]) -> None:
    """Raise the real API's 400 for a body it would reject."""
    require(body, "model", "string")
    if "prompt" not in body:
        raise bad_request("Missing required parameter: 'prompt'.", param="prompt", code="missing_required_parameter")
    check_type(body["prompt"], "prompt", "string", "array")
    check_options(body, _CHECKS)


def _prompts(prompt: Any) -> list[tuple[str, int | None]]:
    """Each prompt as (text, token count when given as token ids)."""
    if isinstance(prompt, str):
        return [(prompt, None)]
    if not prompt:  # null: the API's default prompt, one <|endoftext|> token
        return [("", 1)]
    if all(isinstance(item, int) for item in prompt):
        return [("", len(prompt))]
    return [(item, None) if isinstance(item, str) else ("", len(item)) for item in prompt]


@dataclass
class _Choice:
    index: int
    prefix: str
    pieces: list[str]
    finish_reason: str

    @property
    def text(self) -> str:
        return self.prefix + "".join(self.pieces)


def _choices(body: dict[str, Any], reply: Reply, prompts: list[tuple[str, int | None]]) -> list[_Choice]:
    limit = body.get("max_tokens")
    limit = _DEFAULT_MAX_TOKENS if limit is None else limit
    n = body.get("n") or 1
    echo = body.get("echo") is True
    out = []
    for number, (prompt, _) in enumerate(prompts):
        for offset in range(n):
            index = number * n + offset
            text = reply.text_for(index)
            pieces: list[str]
            if limit == 0:
                pieces, truncated = [], bool(text)
            else:
                pieces, truncated = pieces_for(reply, text, limit)
            finish = reply.finish_reason if reply.finish_reason in _FINISH_REASONS else None
            out.append(_Choice(index, prompt if echo else "", pieces, finish or ("length" if truncated else "stop")))
    return out


def _logprobs(choice: _Choice, top: int) -> dict[str, Any]:
    tokens, token_logprobs, top_logprobs, offsets = [], [], [], []
    offset = len(choice.prefix)
    for piece in choice.pieces:
        entry = token_logprob(piece, top)
        tokens.append(piece)
        token_logprobs.append(entry["logprob"])
        top_logprobs.append({alt["token"]: alt["logprob"] for alt in entry["top_logprobs"]})
        offsets.append(offset)
        offset += len(piece)
    return {"tokens": tokens, "token_logprobs": token_logprobs, "top_logprobs": top_logprobs, "text_offset": offsets}


def _usage(usage: Usage) -> dict[str, int]:
    return {"prompt_tokens": usage.prompt, "completion_tokens": usage.completion, "total_tokens": usage.total}


def create(state: State, request: Request) -> Response:
    """Answer a legacy completion request, streamed or not."""
    body = json_object(request)
    if state.validate:
        validate(body)
    reply = state.reply_for(request)
    model = reply.model or str(body.get("model") or "")
    prompts = _prompts(body.get("prompt"))
    choices = _choices(body, reply, prompts)
    prompt_tokens = sum(count_value(text, model) if ids is None else ids for text, ids in prompts)
    usage = usage_for(reply, prompt_tokens, sum(len(choice.pieces) for choice in choices))
    steps = max(len(choice.pieces) for choice in choices)
    duration = reply.ttft + reply.token_delay * max(0, steps - 1)
    top = body.get("logprobs")
    completion_id = state.ids.make("cmpl-", 29)
    created = state.created()
    if body.get("stream") is True:
        options = body.get("stream_options") or {}
        include_usage = options.get("include_usage") is True
        events = _stream(choices, completion_id, created, model, usage if include_usage else None, reply, top)
        return stream_response(state, reply, events)
    payload = {
        "id": completion_id,
        "object": "text_completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "text": choice.text,
                "index": choice.index,
                "logprobs": _logprobs(choice, top) if top is not None else None,
                "finish_reason": choice.finish_reason,
            }
            for choice in choices
        ],
        "usage": _usage(usage),
    }
    return json_response(state, reply, payload, duration)


def _stream(
    choices: list[_Choice],
    completion_id: str,
    created: int,
    model: str,
    usage: Usage | None,
    reply: Reply,
    top: int | None,
) -> list[Event]:
    head = 'data: {"id":"' + completion_id + '","object":"text_completion","created":' + str(created) + ',"choices":['
    tail = '],"model":' + enc(model) + (',"usage":null' if usage is not None else "") + "}\n\n"

    def chunk(text: str, index: int, logprobs: str, finish: str) -> bytes:
        return (
            head + '{"text":' + quote(text) + ',"index":' + str(index) + ',"logprobs":' + logprobs
            + ',"finish_reason":' + finish + "}" + tail
        ).encode()

    # Each choice becomes its list of (text, logprobs json) steps: the echoed prompt, then tokens.
    per_choice: list[list[tuple[str, str]]] = []
    for choice in choices:
        steps = [(choice.prefix, "null")] if choice.prefix else []
        if top is not None:
            columns = _logprobs(choice, top)
            for i, piece in enumerate(choice.pieces):
                steps.append((piece, enc({key: values[i : i + 1] for key, values in columns.items()})))
        else:
            steps.extend((piece, "null") for piece in choice.pieces)
        per_choice.append(steps)

    events: list[Event] = []
    rounds = max(len(steps) for steps in per_choice)
    for step in range(rounds):
        for position, steps in enumerate(per_choice):
            if step >= len(steps):
                continue
            delay = 0.0
            if position == 0:
                delay = reply.ttft if step == 0 else reply.token_delay
            text, logprobs = steps[step]
            events.append(Event(delay, chunk(text, choices[position].index, logprobs, "null")))
    for choice in choices:
        delay = reply.ttft if rounds == 0 and choice is choices[0] else 0.0
        events.append(Event(delay, chunk("", choice.index, "null", enc(choice.finish_reason))))
    if usage is not None:
        usage_chunk = head + '],"model":' + enc(model) + ',"usage":' + enc(_usage(usage)) + "}\n\n"
        events.append(Event(0.0, usage_chunk.encode()))
    events.append(Event(0.0, _DONE))
    return events
