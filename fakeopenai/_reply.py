"""What the "model" answers: :class:`Reply` and :class:`ToolCall`.

A reply says *what* is answered, never *how* it is framed: the endpoint renderers turn the same
reply into a chat completion, its chunks, a Responses object or its events, a legacy completion.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._limits import delay
from ._tokens import split_tokens

__all__ = ["Reply", "ToolCall"]


@dataclass(frozen=True)
class ToolCall:
    """A function call the model makes: ``ToolCall("get_weather", {"city": "Paris"})``.

    ``arguments`` may be a mapping (sent as compact JSON) or a ready JSON string (sent verbatim,
    valid or not, so a test can exercise a client's handling of bad arguments). ``id`` defaults to a
    fresh ``call_…`` id.
    """

    name: str
    arguments: Mapping[str, Any] | str | None = None
    id: str | None = None

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(dict(self.arguments or {}), separators=(",", ":"), ensure_ascii=False)


@dataclass
class Reply:
    """One answer of the model.

    - ``text``: the content; a list gives one text per choice when the request asks for ``n > 1``.
    - ``tool_calls``: :class:`ToolCall` items (a bare string is a call by name).
    - ``refusal``: a refusal message instead of content.
    - ``finish_reason``: by default ``"tool_calls"`` when there are tool calls, ``"length"`` when the
      request's token limit cut the text, else ``"stop"``.
    - ``usage``: overrides of the counted usage (``prompt_tokens``, ``completion_tokens``, ...).
    - ``ttft``: seconds before the first token; ``token_delay``: seconds between tokens.
    - ``chunks``: the exact pieces a stream sends (default: the text split into tokens).
    - ``model``: the model name the answer reports (default: the requested one).

    Faults (see ``docs/faults.md``): ``error_after=N`` sends N stream events then an error event
    (``error_message``; a non-streamed request gets a 500); ``drop_after=N`` breaks the connection
    after N events (before the answer when not streamed); ``stall_after=N`` with ``stall=seconds``
    waits that much longer before event N (0: before the first byte), so client timeouts fire.
    """

    text: str | Sequence[str] | None = None
    tool_calls: Sequence[ToolCall | str] = ()
    refusal: str | None = None
    finish_reason: str | None = None
    usage: Mapping[str, int] | None = None
    ttft: float = 0.0
    token_delay: float = 0.0
    chunks: Sequence[str] | None = None
    model: str | None = None
    #: Reasoning summary text: the Responses API renders a ``reasoning`` item (its tokens count as
    #: reasoning tokens) and, like the real API, sends the summary text only when the request asks
    #: for one (``reasoning={"summary": ...}``).
    reasoning: str | None = None
    #: The Responses ``file_search`` tool: what the model searches for (default: the last user message,
    #: rewritten as ``rewrite_query`` does) and the files its text cites, by file id or filename
    #: (default: every file the search found, best first; ``[]``: no citation).
    queries: Sequence[str] | None = None
    citations: Sequence[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    error_after: int | None = None
    error_message: str | None = None
    drop_after: int | None = None
    stall_after: int | None = None
    stall: float = 0.0
    _pieces: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.tool_calls = tuple(ToolCall(call) if isinstance(call, str) else call for call in self.tool_calls)
        self.ttft = delay(self.ttft, "ttft")  # finite, 0 to a day: NaN or 1e308 would break the answer
        self.token_delay = delay(self.token_delay, "token_delay")
        self.stall = delay(self.stall, "stall")

    @property
    def calls(self) -> tuple[ToolCall, ...]:
        """``tool_calls`` as :class:`ToolCall` objects."""
        return tuple(self.tool_calls)  # type: ignore[arg-type]  # normalised in __post_init__

    def pieces(self, text: str | None) -> list[str]:
        """What a stream sends for ``text``: ``chunks`` when set, else ``text`` split into tokens.

        Cached per text: a reply answering many requests (a rule, the default) is split once.
        Callers must not modify the list.
        """
        if self.chunks is not None:
            return list(self.chunks)
        if not text:
            return []
        pieces = self._pieces.get(text)
        if pieces is None:
            pieces = self._pieces[text] = split_tokens(text)
        return pieces

    def text_for(self, choice: int) -> str | None:
        """The text of choice ``choice`` (cycling through a list of texts)."""
        if self.text is None or isinstance(self.text, str):
            return self.text
        texts = list(self.text)
        return texts[choice % len(texts)] if texts else None
