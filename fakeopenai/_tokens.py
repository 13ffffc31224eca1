"""Splitting text into stream tokens and counting tokens for ``usage``.

Counting uses tiktoken when it is installed *and* its encoding file is already cached on disk; the
fake never downloads anything. Otherwise a close, deterministic estimate is used.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import tempfile
from functools import lru_cache
from typing import Any

__all__ = ["count_tokens", "split_tokens"]

# Close to the GPT pre-tokenizer: contractions, words with their leading space, short digit runs,
# punctuation runs, whitespace.
_PIECE = re.compile(r"'(?:s|t|re|ve|m|ll|d)| ?[^\W\d_]+| ?\d{1,3}| ?[^\s\w]+|\s+(?!\S)|\s+", re.UNICODE)
_LONG = 10  # split words longer than this, as BPE does


def split_tokens(text: str) -> list[str]:
    """Split ``text`` into token-like pieces that join back to exactly ``text``."""
    pieces: list[str] = []
    for piece in _PIECE.findall(text):
        while len(piece) > _LONG:
            pieces.append(piece[:6])
            piece = piece[6:]
        pieces.append(piece)
    if "".join(pieces) != text:  # characters the pattern cannot see (e.g. underscores)
        return _split_fallback(text)
    return pieces


def _split_fallback(text: str) -> list[str]:
    return [text[i : i + 4] for i in range(0, len(text), 4)]


_BLOBS = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}


def _encoding_name(model: str) -> str:
    legacy = ("gpt-4-", "gpt-3.5", "text-embedding", "davinci", "babbage")
    return "cl100k_base" if model == "gpt-4" or model.startswith(legacy) else "o200k_base"


@lru_cache(maxsize=4)
def _encoding(name: str) -> Any:
    """The tiktoken encoding, only if it can be had without the network; else ``None``."""
    if os.environ.get("FAKEOPENAI_TIKTOKEN", "1") == "0":
        return None
    try:
        tiktoken = importlib.import_module("tiktoken")
    except ImportError:
        return None
    cache_dir = (
        os.environ.get("TIKTOKEN_CACHE_DIR")
        or os.environ.get("DATA_GYM_CACHE_DIR")
        or os.path.join(tempfile.gettempdir(), "data-gym-cache")
    )
    cached = os.path.join(cache_dir, hashlib.sha1(_BLOBS[name].encode()).hexdigest())
    if not os.path.exists(cached):
        return None
    try:
        return tiktoken.get_encoding(name)
    except Exception:  # a corrupt cache must not break a test
        return None


def count_tokens(text: str, model: str = "") -> int:
    """Tokens in ``text`` for ``model``: exact with a cached tiktoken encoding, estimated otherwise."""
    if not text:
        return 0
    encoding = _encoding(_encoding_name(model))
    if encoding is not None:
        return len(encoding.encode(text, disallowed_special=()))
    return _estimate(text)


def _estimate(text: str) -> int:
    """As many as :func:`split_tokens` gives, without building the pieces."""
    pieces = _PIECE.findall(text)
    return len(pieces) + sum((len(piece) - 5) // 6 for piece in pieces if len(piece) > _LONG)
