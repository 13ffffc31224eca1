"""The deterministic default answer: what the fake says when a test scripted nothing.

The same request always gets the same text, so default answers are stable in snapshots.
"""

from __future__ import annotations

import zlib

from ._reply import Reply
from ._schema import structured_reply
from ._wire import Request

__all__ = ["default_reply"]

_TEXTS = (
    "Hello! How can I help you today?",
    "Sure, here is a short answer: it depends, but usually yes.",
    "I am a fake model answering from fakeopenai, deterministically.",
    "That is a good question. The short answer is forty-two.",
    "Here is what I found: nothing, because no network was used.",
    "Thanks for asking! Everything works as expected.",
)

_REPLIES = tuple(Reply(text) for text in _TEXTS)


def default_reply(request: Request) -> Reply:
    """A reply chosen by a stable hash of what the client sent.

    When the request demands a shape (a JSON schema, JSON mode, a forced tool call) the reply has it.
    """
    key = (request.text or request.endpoint).encode()
    reply = _REPLIES[zlib.crc32(key) % len(_REPLIES)]
    return structured_reply(request, reply.text_for(0) or "") or reply
