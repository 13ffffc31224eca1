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

# Close to the GPT pre-tokenizer: contractions, words (at most 8 letters, as BPE splits long words)
# with their leading space, short digit runs, punctuation runs, whitespace. Every character matches
# some branch, so the pieces always join back to the text.
_PIECE = re.compile(r"'(?:s|t|re|ve|m|ll|d)| ?[^\W\d_]{1,8}| ?\d{1,3}| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+", re.UNICODE)


def split_tokens(text: str) -> list[str]:
    """Split ``text`` into token-like pieces that join back to exactly ``text``."""
    pieces: list[str] = _PIECE.findall(text)
    return pieces


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
    cache_dir = (
        os.environ.get("TIKTOKEN_CACHE_DIR")
        or os.environ.get("DATA_GYM_CACHE_DIR")
        or os.path.join(tempfile.gettempdir(), "data-gym-cache")
    )
    cached = os.path.join(cache_dir, hashlib.sha1(_BLOBS[name].encode()).hexdigest())
    if not os.path.exists(cached):  # checked first: importing tiktoken for nothing costs a few ms
        return None
    try:
        tiktoken = importlib.import_module("tiktoken")
    except ImportError:
        return None
    try:
        return tiktoken.get_encoding(name)
    except Exception:  # a corrupt cache must not break a test
        return None


_model_encodings: dict[str, Any] = {}


def count_tokens(text: str, model: str = "") -> int:
    """Tokens in ``text`` for ``model``: exact with a cached tiktoken encoding, estimated otherwise."""
    if not text:
        return 0
    encoding = _model_encodings.get(model, _model_encodings)
    if encoding is _model_encodings:  # not asked yet for this model
        encoding = _encoding(_encoding_name(model))
        if len(_model_encodings) < 1024:
            _model_encodings[model] = encoding
    if encoding is not None:
        return len(encoding.encode(text, disallowed_special=()))
    return len(_PIECE.findall(text))
