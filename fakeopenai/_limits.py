"""The bounds of the numbers a script accepts: delays and counts.

A delay past them would overflow a sleep or a header; checking here, where answers are made, keeps
bad numbers out whether they come from Python, the control API or a scenario file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["MAX_COUNT", "MAX_DELAY", "check_headers", "count", "delay"]

#: The longest delay a reply or failure may ask for, in seconds (a day: longer than any client waits).
MAX_DELAY = 86_400.0
#: The largest count (``times``, ``error_after``, rate limits, usage numbers): a signed 64-bit integer.
MAX_COUNT = 2**63 - 1

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


def delay(value: float, name: str, unit: str = "seconds", scale: float = 1.0) -> float:
    """``value`` when it is a number from 0 to :data:`MAX_DELAY` (times ``scale``); ``ValueError`` otherwise.

    NaN and infinities are refused too.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of {unit}, not {type(value).__name__}")
    try:
        seconds = float(value)
    except OverflowError:
        seconds = float("inf")
    if not 0.0 <= seconds <= MAX_DELAY * scale:  # False for NaN
        raise ValueError(f"{name} must be between 0 and {MAX_DELAY * scale:g} {unit}, not {value!r}")
    return seconds


def count(value: int, name: str, minimum: int = 0) -> int:
    """``value`` when it is an integer from ``minimum`` to :data:`MAX_COUNT`; ``ValueError`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}")
    if not minimum <= value <= MAX_COUNT:
        shown = value if abs(value) < 10**30 else f"an integer of {len(str(abs(value)))} digits"
        raise ValueError(f"{name} must be between {minimum} and {MAX_COUNT}, not {shown}")
    return value


def check_headers(headers: Mapping[str, str]) -> None:
    """``ValueError`` unless every name is an HTTP token and every value a valid field value.

    A CR, LF or NUL in a scripted header, or a character outside Latin-1, would break the answer on
    the wire (or split it in two); refused when the failure is made, not when it answers.
    """
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ValueError(f"not a valid header name: {name!r}")
        if not isinstance(value, str) or not _FIELD_VALUE.fullmatch(value):
            raise ValueError(f"not a valid value for header {name!r}: {value!r}")
