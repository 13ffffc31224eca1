"""Helpers every endpoint uses: the JSON body, token pieces, logprobs, stream padding."""

from __future__ import annotations

import zlib
from typing import Any

from .._errors import invalid_json
from .._reply import Reply
from .._wire import Request, dumps

__all__ = ["OBFUSCATION", "enc", "json_object", "pieces_for", "token_logprob"]

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


def enc(value: Any) -> str:
    """Compact JSON of ``value`` as a ``str`` (for building stream events by concatenation)."""
    return dumps(value).decode()


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
