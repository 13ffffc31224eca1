"""Faults inside a stream: an error event after N chunks, a dropped connection, a stall.

Applied to a rendered event sequence, so every protocol gets them the same way; each protocol only
says what its in-stream error event looks like.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from ._errors import APIError
from ._reply import Reply
from ._wire import Event

__all__ = ["apply", "has_faults", "non_streamed"]

SERVER_ERROR = "The server had an error while processing your request. Sorry about that!"


def has_faults(reply: Reply) -> bool:
    return reply.error_after is not None or reply.drop_after is not None or reply.stall_after is not None


def apply(
    events: Sequence[Event], reply: Reply, error_event: Callable[[str, int], bytes]
) -> tuple[list[Event], Literal["close", "drop"]]:
    """The events a faulty reply really sends, and how the connection ends.

    ``stall_after=N``: wait ``stall`` seconds more before event N (0 = before the first byte);
    ``error_after=N``: N events, then the protocol's error event, then the end of the stream;
    ``drop_after=N``: N events, then the connection breaks.
    """
    out = list(events)
    then: Literal["close", "drop"] = "close"
    if reply.stall_after is not None and reply.stall_after < len(out):
        delay, data = out[reply.stall_after]
        out[reply.stall_after] = Event(delay + reply.stall, data)
    if reply.error_after is not None and reply.error_after < len(out):
        out = [
            *out[: reply.error_after],
            Event(0.0, error_event(reply.error_message or SERVER_ERROR, reply.error_after)),
        ]
    if reply.drop_after is not None and reply.drop_after < len(out):
        out = out[: reply.drop_after]
        then = "drop"
    return out, then


def non_streamed(reply: Reply) -> tuple[float, Literal["close", "drop"]]:
    """For a non-streamed answer: the extra wait, and whether the connection breaks before it.

    Raises the 500 the real API answers when generation fails (``error_after``).
    """
    if reply.error_after is not None:
        raise APIError(500, reply.error_message or SERVER_ERROR, type="server_error")
    return (reply.stall if reply.stall_after is not None else 0.0), (
        "drop" if reply.drop_after is not None else "close"
    )
