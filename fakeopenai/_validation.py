"""Checks of request bodies that answer as the real API does: 400 with ``param`` naming the path.

Messages follow the real API's wording ("Invalid type for 'n': expected an integer, but got a string
instead.").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._errors import bad_request

__all__ = [
    "INT64",
    "MAX_OUTPUT_TOKENS",
    "FieldCheck",
    "check_logit_bias",
    "check_options",
    "check_type",
    "describe",
    "ranged",
    "require",
    "typed",
]

#: ``seed``'s range: the spec's ``minimum``/``maximum`` (a signed 64-bit integer).
INT64 = (-(2**63), 2**63 - 1)
#: The most output tokens a request may ask for (``max_tokens``, ``max_completion_tokens``,
#: ``max_output_tokens``). The API refuses any value above the model's own output limit ("max_tokens
#: is too large: ... This model supports at most 16384 completion tokens"); the fake does not know
#: every model's limit, so it refuses only what no model accepts: more than a signed 32-bit integer.
MAX_OUTPUT_TOKENS = 2**31 - 1
#: The largest token id a ``logit_bias`` key may name (vocabularies are far smaller).
_MAX_TOKEN_ID = 2**31 - 1

_KINDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "string": (str, "a string"),
    "integer": (int, "an integer"),
    "number": ((int, float), "a decimal"),
    "boolean": (bool, "a boolean"),
    "array": (list, "an array"),
    "object": (dict, "an object"),
}


def describe(value: Any) -> str:
    """How the real API names the type of a value in its messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


#: The exact types each kind takes, for the cheap test that settles nearly every value (a subclass
#: goes on to ``isinstance``; ``bool``, a subclass of ``int``, is no integer).
_EXACT: dict[str, frozenset[type]] = {
    "string": frozenset({str}),
    "integer": frozenset({int}),
    "number": frozenset({int, float}),
    "boolean": frozenset({bool}),
    "array": frozenset({list}),
    "object": frozenset({dict}),
}


def _is(value: Any, kind: str) -> bool:
    python_type, _ = _KINDS[kind]
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False
    return isinstance(value, python_type)


def check_type(value: Any, param: str, *kinds: str, nullable: bool = True) -> None:
    """Raise the real API's ``invalid_type`` 400 unless ``value`` is one of ``kinds``."""
    if value is None and nullable:
        return
    if type(value) in _EXACT[kinds[0]] or any(_is(value, kind) for kind in kinds):
        return
    names = [_KINDS[kind][1] for kind in kinds]
    expected = names[0] if len(names) == 1 else "one of " + " or ".join(names)
    raise bad_request(
        f"Invalid type for '{param}': expected {expected}, but got {describe(value)} instead.",
        param=param,
        code="invalid_type",
    )


def require(body: Mapping[str, Any], key: str, *kinds: str) -> Any:
    """The value of a required field, type-checked (``missing_required_parameter`` when absent)."""
    value = body.get(key)
    if value is None:
        raise bad_request(
            f"Missing required parameter: '{key}'.", param=key, code="missing_required_parameter"
        )
    if type(value) not in _EXACT[kinds[0]]:
        check_type(value, key, *kinds, nullable=False)
    return value


def check_range(value: Any, param: str, low: float | None, high: float | None, kind: str = "") -> None:
    """The real API's ``*_below_min_value`` / ``*_above_max_value`` 400s (``kind``: the schema's type)."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    kind = "integer" if kind == "integer" or (not kind and isinstance(value, int)) else "decimal"
    if low is not None and value < low:
        raise bad_request(
            f"Invalid '{param}': {kind} below minimum value. Expected a value >= {_show(low)}, "
            f"but got {value} instead.",
            param=param,
            code=f"{kind}_below_min_value",
        )
    if high is not None and value > high:
        raise bad_request(
            f"Invalid '{param}': {kind} above maximum value. Expected a value <= {_show(high)}, "
            f"but got {value} instead.",
            param=param,
            code=f"{kind}_above_max_value",
        )


def _show(bound: float) -> str:
    """A bound as the API prints it: ``2``, ``0.5``, ``9223372036854775807``."""
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


def check_logit_bias(value: Any) -> None:
    """``logit_bias``: an object mapping token ids to a bias from -100 to 100 (the SDK's docstring, the
    spec's integer values). A key that is not a token id gets the API's own message ("Invalid key in
    'logit_bias': AI. You should only be submitting non-negative integers.")."""
    check_type(value, "logit_bias", "object")
    if not value:
        return
    for key, bias in value.items():
        if not (key.isascii() and key.isdigit() and len(key) <= 10 and int(key) <= _MAX_TOKEN_ID):
            shown = key if len(key) <= 40 else key[:40] + "..."
            raise bad_request(
                f"Invalid key in 'logit_bias': {shown}. You should only be submitting non-negative integers.",
                param="logit_bias",
            )
        check_type(bias, "logit_bias", "number", nullable=False)
        check_range(bias, "logit_bias", -100, 100)


def check_enum(value: Any, param: str, allowed: tuple[str, ...]) -> None:
    """The real API's ``invalid_value`` 400 for a value outside ``allowed``."""
    if value is None or value in allowed:
        return
    quoted = [f"'{item}'" for item in allowed]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f", and {quoted[-1]}"
    raise bad_request(
        f"Invalid value: '{value}'. Supported values are: {listed}.", param=param, code="invalid_value"
    )


#: A check of one optional field of a body, given the field's value.
FieldCheck = Callable[[Any], None]


def typed(key: str, *kinds: str) -> FieldCheck:
    """A field check: ``key`` holds one of ``kinds`` (or null)."""
    return lambda value: check_type(value, key, *kinds)


def ranged(key: str, low: float | None, high: float | None, kind: str = "number") -> FieldCheck:
    """A field check: ``key`` is a ``kind`` between ``low`` and ``high``; range errors name the schema's type."""

    def check(value: Any) -> None:
        check_type(value, key, kind)
        check_range(value, key, low, high, kind)

    return check


def check_options(body: Mapping[str, Any], checks: Mapping[str, FieldCheck]) -> None:
    """Run the checks of the optional fields ``body`` has, then the generation endpoints' one rule
    across fields: ``stream_options`` only with ``stream: true``."""
    for key in body:
        check = checks.get(key)
        if check is not None:
            check(body[key])
    if body.get("stream_options") is not None and body.get("stream") is not True:
        raise bad_request(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            param="stream_options",
        )
