"""Token accounting shared by every endpoint: what the prompt and the reply cost."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._reply import Reply
from ._tokens import count_tokens
from ._wire import dumps

__all__ = ["Usage", "count_value", "usage_for"]


@dataclass(frozen=True)
class Usage:
    """Token counts, before they are framed as chat (``prompt_tokens``) or Responses (``input_tokens``)."""

    prompt: int
    completion: int
    cached: int = 0
    reasoning: int = 0

    @property
    def total(self) -> int:
        return self.prompt + self.completion

    def chat(self) -> str:
        """The chat-completions / legacy-completions ``usage`` object, as JSON text."""
        return (
            '{"prompt_tokens":' + str(self.prompt)
            + ',"completion_tokens":' + str(self.completion)
            + ',"total_tokens":' + str(self.total)
            + ',"prompt_tokens_details":{"cached_tokens":' + str(self.cached)
            + ',"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":' + str(self.reasoning)
            + ',"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}'
        )  # fmt: skip

    def responses(self) -> dict[str, Any]:
        """The Responses API ``usage`` object."""
        return {
            "input_tokens": self.prompt,
            "input_tokens_details": {"cached_tokens": self.cached, "cache_write_tokens": 0},
            "output_tokens": self.completion,
            "output_tokens_details": {"reasoning_tokens": self.reasoning},
            "total_tokens": self.total,
        }


def count_value(value: Any, model: str) -> int:
    """Tokens of any JSON-ish value the client sent (strings counted, structure estimated)."""
    if value is None:
        return 0
    if isinstance(value, str):
        return count_tokens(value, model)
    if isinstance(value, Mapping):
        return sum(count_value(item, model) for key, item in value.items() if key != "type")
    if isinstance(value, Iterable):
        return sum(count_value(item, model) for item in value)
    return 1


def count_messages(messages: Iterable[Any], model: str) -> int:
    """Prompt tokens of chat messages: content plus the per-message framing the models add."""
    total = 3
    for message in messages:
        content = message.get("content") if type(message) is dict else None
        if type(content) is str and len(message) == 2:  # {"role", "content"}: the common case
            total += 4 + count_tokens(content, model)
        else:
            total += 3 + count_value(message, model)
    return total


def usage_for(reply: Reply, prompt: int, completion: int, reasoning: int = 0) -> Usage:
    """Counted usage with the reply's overrides applied (``reasoning`` is part of ``completion``)."""
    override: Mapping[str, int] | None = reply.usage
    if not override:
        return Usage(prompt, completion, 0, reasoning)
    prompt = override.get("prompt_tokens", override.get("input_tokens", prompt))
    completion = override.get("completion_tokens", override.get("output_tokens", completion))
    return Usage(
        prompt=prompt,
        completion=completion,
        cached=override.get("cached_tokens", 0),
        reasoning=override.get("reasoning_tokens", reasoning),
    )


def tools_tokens(tools: Any, model: str) -> int:
    """Tokens the tool definitions add to the prompt."""
    if not tools:
        return 0
    return count_tokens(dumps(tools).decode(), model)
