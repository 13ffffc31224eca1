"""What the moderation "model" decides: the categories and the rules ``fake.moderate(...)`` adds."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["CATEGORIES", "IMAGE_CATEGORIES", "ModerationRule", "Moderator", "category_name"]

#: Every category the API reports, by its wire name.
CATEGORIES: tuple[str, ...] = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
#: Categories the omni models also score for images.
IMAGE_CATEGORIES = frozenset(
    {"self-harm", "self-harm/instructions", "self-harm/intent", "sexual", "violence", "violence/graphic"}
)
_ALIASES = {name.replace("/", "_").replace("-", "_"): name for name in CATEGORIES}


def category_name(name: str) -> str:
    """The wire name of a category spelt as the API (``"self-harm/intent"``) or the SDK (``"self_harm_intent"``)."""
    if name in CATEGORIES:
        return name
    if name in _ALIASES:
        return _ALIASES[name]
    raise ValueError(f"unknown moderation category {name!r}; known: {', '.join(CATEGORIES)}")


@dataclass
class ModerationRule:
    """Flags ``flagged`` for every input text that ``matches`` (``times`` inputs, or all)."""

    flagged: frozenset[str]
    scores: Mapping[str, float] = field(default_factory=dict)
    contains: str | None = None
    where: Callable[[str], bool] | None = None
    times: int | None = None

    def matches(self, text: str) -> bool:
        if self.contains is not None and self.contains not in text:
            return False
        return self.where is None or self.where(text)


class Moderator:
    """The rules in force, newest first; decides each input's flags and scores deterministically."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rules: list[ModerationRule] = []

    def add(
        self,
        flagged: Iterable[str],
        scores: Mapping[str, float] | None = None,
        contains: str | None = None,
        where: Callable[[str], bool] | None = None,
        times: int | None = None,
    ) -> ModerationRule:
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        rule = ModerationRule(
            frozenset(category_name(name) for name in flagged),
            {category_name(name): float(score) for name, score in (scores or {}).items()},
            contains,
            where,
            times,
        )
        with self._lock:
            self.rules.insert(0, rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def rule_for(self, text: str) -> ModerationRule | None:
        """The newest rule that matches ``text`` (consuming one of its ``times``)."""
        if not self.rules:
            return None
        with self._lock:
            for rule in self.rules:
                if rule.matches(text):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times == 0:
                            self.rules.remove(rule)
                    return rule
        return None

    def decide(self, text: str) -> tuple[set[str], dict[str, float]]:
        """(flagged categories, score per category) for one input."""
        rule = self.rule_for(text)
        flagged = set(rule.flagged) if rule is not None else set()
        digest = hashlib.blake2b(text.encode(), digest_size=len(CATEGORIES) * 2).digest()
        scores = {}
        for i, name in enumerate(CATEGORIES):
            noise = int.from_bytes(digest[2 * i : 2 * i + 2], "little") / 65536  # [0, 1)
            # Clean inputs score like the real model on harmless text (1e-6 .. 1e-3); flagged ones > 0.9.
            scores[name] = 0.9 + 0.09 * noise if name in flagged else 10 ** (-6 + 3 * noise)
        if rule is not None:
            scores.update(rule.scores)
        return flagged, scores
