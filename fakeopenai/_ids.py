"""Identifiers shaped like the real API's (``chatcmpl-…``, ``call_…``, ``req_…``).

Random by default; seeded (``FakeOpenAI(seed=…)``) they repeat from run to run.
"""

from __future__ import annotations

import random

__all__ = ["Ids"]

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# Maps every byte to a letter or digit: random bytes become an id in one C call.
_TO_ALNUM = bytes((_ALNUM * 5)[i].encode()[0] for i in range(256))


class Ids:
    """A source of ids; one per fake."""

    __slots__ = ("_rng",)

    def __init__(self, seed: int | str | None = None) -> None:
        self._rng = random.Random(seed)

    def token(self, length: int) -> str:
        """``length`` random letters and digits."""
        return self._rng.randbytes(length).translate(_TO_ALNUM).decode()

    def hex(self, length: int) -> str:
        """``length`` random lowercase hex digits."""
        return f"{self._rng.getrandbits(4 * length):0{length}x}"

    def request_id(self) -> str:
        return "req_" + self.hex(32)

    def make(self, prefix: str, length: int = 24) -> str:
        """An id such as ``chatcmpl-…`` or ``call_…``."""
        return prefix + self.token(length)

    def random(self) -> float:
        return self._rng.random()
