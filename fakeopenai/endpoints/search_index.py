"""The text side of vector store search: chunking, a lexical relevance score, attribute filters.

The real API embeds chunks and ranks them by meaning; the fake ranks them by words, deterministically:

- **Chunks** follow the file's recorded ``chunking_strategy``: windows of ``max_chunk_size_tokens``
  tokens (the fake's token split, ``_tokens.split_tokens``) that overlap by ``chunk_overlap_tokens``.
- **Score**: Okapi BM25 (k1 = 1.2, b = 0.75) of the query words in a chunk, over every chunk being
  searched, divided by the best score the query could reach (each of its words saturated): a number
  in [0, 1], 1 for a chunk that has every query word many times. Words are lower-cased ``\\w+`` runs
  with the common English suffixes (-s, -es, -ed, -ing, -ly) stripped ("returned" matches "returns").
  Chunks that share no word with the query score 0 and are not returned.
- **Filters**: the spec's comparison filters (``eq``, ``ne``, ``gt``, ``gte``, ``lt``, ``lte``,
  ``in``, ``nin``) on file attributes, and ``and``/``or`` compound filters, nested at will.
- **Query rewriting** (``rewrite_query``): lower-cased words without stop words and punctuation
  ("What is the return policy?" -> "return policy").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .._errors import bad_request
from .._tokens import split_tokens
from .._validation import check_enum

__all__ = ["Chunk", "chunk_text", "matches", "rewrite", "score_chunks", "words"]

_WORD = re.compile(r"\w+", re.UNICODE)
_K1 = 1.2
_B = 0.75
_STOP_WORDS = frozenset(
    """a about an and are as at be by can could do does did for from has have how i in is it its me my
    of on or our please should tell that the their there these this to was we what when where which who
    why will with would you your""".split()  # noqa: SIM905
)
_SUFFIXES = ("ing", "ed", "es", "ly", "s")
_COMPARISONS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin")
_COMPOUNDS = ("and", "or")


def words(text: str) -> list[str]:
    """The lower-cased words of ``text``."""
    found: list[str] = _WORD.findall(text.lower())
    return found


def terms(text: str) -> list[str]:
    """The words of ``text`` as search compares them: lower-cased, common English suffixes stripped."""
    return [_stem(word) for word in words(text)]


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def rewrite(query: str) -> str:
    """A query as ``rewrite_query`` turns it into a search query: its words without stop words."""
    kept = [word for word in words(query) if word not in _STOP_WORDS]
    return " ".join(kept or words(query))


def chunk_text(text: str, max_tokens: int, overlap: int) -> list[str]:
    """``text`` cut into chunks of ``max_tokens`` tokens overlapping by ``overlap`` tokens."""
    tokens = split_tokens(text)
    if not tokens:
        return []
    step = max(max_tokens - overlap, 1)
    chunks = []
    for start in range(0, len(tokens), step):
        chunks.append("".join(tokens[start : start + max_tokens]))
        if start + max_tokens >= len(tokens):
            break
    return chunks


@dataclass
class Chunk:
    """One chunk of a file being searched, and its words (counted once)."""

    file_id: str
    index: int
    text: str
    counts: dict[str, int] = field(init=False)
    length: int = field(init=False)

    def __post_init__(self) -> None:
        found = words(self.text)
        counts: dict[str, int] = {}
        for word, count in Counter(found).items():  # stem each distinct word once
            stem = _stem(word)
            counts[stem] = counts.get(stem, 0) + count
        self.counts = counts
        self.length = len(found)


def score_chunks(chunks: Sequence[Chunk], query: str) -> list[float]:
    """The normalised BM25 score (0..1) of each chunk for ``query`` (see the module docstring)."""
    wanted = list(dict.fromkeys(terms(query)))
    if not wanted or not chunks:
        return [0.0 for _ in chunks]
    total = len(chunks)
    average = sum(chunk.length for chunk in chunks) / total or 1.0
    weights = {}
    for term in wanted:
        having = sum(1 for chunk in chunks if term in chunk.counts)
        weights[term] = math.log(1 + (total - having + 0.5) / (having + 0.5))
    best = sum(weights.values()) * (_K1 + 1)
    scores = []
    for chunk in chunks:
        norm = _K1 * (1 - _B + _B * chunk.length / average)
        raw = 0.0
        for term in wanted:
            count = chunk.counts.get(term, 0)
            if count:
                raw += weights[term] * count * (_K1 + 1) / (count + norm)
        scores.append(round(raw / best, 6) if best else 0.0)
    return scores


def check_filter(value: Any, param: str = "filters") -> None:
    """The real API's 400 for a filter that is not a comparison or compound filter."""
    if not isinstance(value, Mapping):
        raise bad_request(f"Invalid type for '{param}': expected an object.", param=param, code="invalid_type")
    kind = value.get("type")
    if kind in _COMPOUNDS:
        inner = value.get("filters")
        if not isinstance(inner, list):
            raise bad_request(f"Missing required parameter: '{param}.filters'.", param=f"{param}.filters")
        for i, item in enumerate(inner):
            check_filter(item, f"{param}.filters[{i}]")
        return
    check_enum(kind, f"{param}.type", _COMPARISONS + _COMPOUNDS)
    for key in ("key", "value"):
        if key not in value:
            raise bad_request(
                f"Missing required parameter: '{param}.{key}'.",
                param=f"{param}.{key}",
                code="missing_required_parameter",
            )


def matches(condition: Mapping[str, Any] | None, attributes: Mapping[str, Any] | None) -> bool:
    """Whether a file with ``attributes`` passes the filter ``condition`` (``None``: every file does).

    A comparison on a key the file lacks, or of values of different types, is false (``ne`` and
    ``nin``: true).
    """
    if condition is None:
        return True
    kind = condition.get("type", "eq")
    if kind == "and":
        return all(matches(inner, attributes) for inner in condition.get("filters") or ())
    if kind == "or":
        return any(matches(inner, attributes) for inner in condition.get("filters") or ())
    attributes = attributes or {}
    key = str(condition.get("key"))
    wanted = condition.get("value")
    negated = kind in ("ne", "nin")
    if key not in attributes:
        return negated
    actual = attributes[key]
    if kind in ("in", "nin"):
        options = wanted if isinstance(wanted, list) else [wanted]
        found = any(_same_kind(actual, option) and actual == option for option in options)
        return found != negated
    if not _same_kind(actual, wanted):
        return negated
    if kind == "eq":
        return bool(actual == wanted)
    if kind == "ne":
        return bool(actual != wanted)
    if isinstance(actual, bool) or isinstance(wanted, bool):
        return False  # booleans have no order
    if kind == "gt":
        return bool(actual > wanted)
    if kind == "gte":
        return bool(actual >= wanted)
    if kind == "lt":
        return bool(actual < wanted)
    return bool(actual <= wanted)


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return True
    return type(a) is type(b)
