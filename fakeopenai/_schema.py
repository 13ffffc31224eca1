"""JSON Schema -> a deterministic instance: what the fake answers when a schema says what to answer.

Used for structured outputs (chat ``response_format`` / Responses ``text.format`` of type
``json_schema``) and for the arguments of tool calls scripted by name only. It covers the schema
subset structured outputs use: objects (every property is filled in), arrays (``minItems``,
``maxItems``, ``prefixItems``, ``uniqueItems``), ``enum``, ``const``, ``anyOf``/``oneOf``/``allOf``,
``$ref`` into ``$defs``/``definitions``, string ``format``s and lengths, numbers within bounds and
``multipleOf``, nullable types. ``pattern`` is not honoured.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from ._reply import Reply, ToolCall
from ._wire import Request

__all__ = ["instance", "structured_reply", "tool_arguments", "tool_parameters"]

_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00Z",
    "duration": "P1D",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uri": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
_MAX_DEPTH = 6  # past this, recursive schemas get the smallest value they allow


def instance(schema: Any, root: Any = None) -> Any:
    """A JSON value valid against ``schema`` (references resolve against ``root``, default ``schema``).

    The same schema always gives the same value.
    """
    return _Generator(schema if root is None else root).value(schema, "", 0, 0)


class _Generator:
    def __init__(self, root: Any) -> None:
        self.root = root

    def value(self, schema: Any, name: str, depth: int, index: int) -> Any:
        if depth > 3 * _MAX_DEPTH:  # a recursive schema that never allows stopping
            return None
        if schema is True or not isinstance(schema, Mapping):
            return name or "value"
        schema = self.resolve(schema, depth)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            options = schema["enum"]
            if depth > _MAX_DEPTH and None in options:
                return None
            return options[index % len(options)]
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                return self.value(self.choose(options, depth), name, depth, index)
        kind = self.kind(schema, depth)
        if kind == "object":
            return self.object(schema, depth, index)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind == "string":
            return self.string(schema, name, index)
        if kind in ("integer", "number"):
            return self.number(schema, kind == "integer", index)
        if kind == "boolean":
            return index % 2 == 0
        return None

    # -- schema plumbing -------------------------------------------------------------------------

    def resolve(self, schema: Mapping[str, Any], depth: int) -> Mapping[str, Any]:
        """``schema`` with its ``$ref`` and ``allOf`` merged in."""
        for _ in range(32):  # chains of references, never forever
            ref = schema.get("$ref")
            if isinstance(ref, str):
                target = self.pointer(ref)
                rest = {key: value for key, value in schema.items() if key != "$ref"}
                schema = {**target, **rest} if isinstance(target, Mapping) else rest
                continue
            parts = schema.get("allOf")
            if isinstance(parts, list):
                merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
                for part in parts:
                    if isinstance(part, Mapping):
                        _merge(merged, self.resolve(part, depth))
                schema = merged
                continue
            break
        return schema

    def pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return {}
        node = self.root
        for token in ref[1:].split("/"):
            if not token:
                continue
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping):
                node = node.get(token, {})
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return {}
        return node

    @staticmethod
    def choose(options: list[Any], depth: int) -> Any:
        """The first option that is not ``null`` (or ``null`` itself, deep in a recursive schema)."""
        def is_null(option: Any) -> bool:
            return isinstance(option, Mapping) and option.get("type") == "null"

        if depth > _MAX_DEPTH:
            return next((option for option in options if is_null(option)), options[0])
        return next((option for option in options if not is_null(option)), options[0])

    @staticmethod
    def kind(schema: Mapping[str, Any], depth: int) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"]
            if (depth > _MAX_DEPTH and "null" in kind) or not kinds:
                return "null"
            kind = kinds[0]
        if isinstance(kind, str):
            return kind
        if any(key in schema for key in ("properties", "required", "additionalProperties")):
            return "object"
        if any(key in schema for key in ("items", "prefixItems", "minItems", "maxItems")):
            return "array"
        if any(key in schema for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")):
            return "number"
        return "string"

    # -- values ----------------------------------------------------------------------------------

    def object(self, schema: Mapping[str, Any], depth: int, index: int) -> dict[str, Any]:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        required = [key for key in schema.get("required") or () if isinstance(key, str)]
        out: dict[str, Any] = {}
        for key, subschema in properties.items():
            if depth > _MAX_DEPTH and key not in required:
                continue
            out[key] = self.value(subschema, key, depth + 1, index)
        extra = schema.get("additionalProperties")
        extra_schema = extra if isinstance(extra, Mapping) else {"type": "string"}
        for key in required:
            if key not in out:
                out[key] = self.value(extra_schema, key, depth + 1, index)
        minimum = schema.get("minProperties")
        position = 0
        while isinstance(minimum, int) and len(out) < minimum and extra is not False:
            position += 1
            out.setdefault(f"key{position}", self.value(extra_schema, f"value {position}", depth + 1, position))
        return out

    def array(self, schema: Mapping[str, Any], name: str, depth: int) -> list[Any]:
        low: int = schema["minItems"] if isinstance(schema.get("minItems"), int) else 0
        high: int | None = schema["maxItems"] if isinstance(schema.get("maxItems"), int) else None
        prefix = schema.get("prefixItems")
        prefix = prefix if isinstance(prefix, list) else []
        items = schema.get("items", {})
        if not prefix and isinstance(items, list):  # the draft 4-7 tuple form
            prefix, items = items, schema.get("additionalItems", {})
        count = low if depth > _MAX_DEPTH else max(low, 1, len(prefix))
        if high is not None:
            count = min(count, high)
        if items is False:
            count = min(count, len(prefix))
        singular = name[:-1] if name.endswith("s") and len(name) > 1 else name
        return [
            self.value(prefix[i] if i < len(prefix) else items, singular, depth + 1, i) for i in range(count)
        ]

    @staticmethod
    def string(schema: Mapping[str, Any], name: str, index: int) -> str:
        form = schema.get("format")
        if isinstance(form, str) and form in _FORMATS:
            text = _FORMATS[form]
            if index and form == "email":
                text = f"user{index + 1}@example.com"
            elif index and form in ("uri", "url", "iri", "uri-reference"):
                text = f"https://example.com/{index + 1}"
            elif index and form == "uuid":
                text = f"00000000-0000-4000-8000-{index:012d}"
        else:
            text = name.replace("_", " ").strip() if name else "text"
            if index:
                text = f"{text} {index + 1}"
        low = schema.get("minLength")
        high = schema.get("maxLength")
        if isinstance(low, int) and len(text) < low:
            text += "x" * (low - len(text))
        if isinstance(high, int) and len(text) > high:
            text = text[:high]
        return text

    @staticmethod
    def number(schema: Mapping[str, Any], integer: bool, index: int) -> int | float:
        low, low_open = _bound(schema, "minimum", "exclusiveMinimum")
        high, high_open = _bound(schema, "maximum", "exclusiveMaximum")
        step = schema.get("multipleOf")
        step = step if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0 else None
        if integer:
            lo = None if low is None else (math.floor(low) + 1 if low_open else math.ceil(low))
            hi = None if high is None else (math.ceil(high) - 1 if high_open else math.floor(high))
            value: float = (lo if lo is not None else min(1, hi) if hi is not None else 1) + index
            if hi is not None and value > hi:
                value = hi
            if step is not None:
                value = _multiple(value, step, lo, hi)
            return int(value)
        if low is not None and high is not None:
            value = low + (high - low) / (2 + index)
        elif low is not None:
            value = low + 1 + index
        elif high is not None:
            value = high - 1 - index
        else:
            value = 1.5 + index
        if step is not None:
            value = _multiple(value, step, low, high)
        return float(value)


def _multiple(value: float, step: float, low: float | None, high: float | None) -> float:
    """The multiple of ``step`` nearest ``value`` within the bounds (``value`` when there is none)."""
    for candidate in (math.ceil(value / step) * step, math.floor(value / step) * step):
        if (low is None or candidate >= low) and (high is None or candidate <= high):
            return candidate
    return value


def _bound(schema: Mapping[str, Any], inclusive: str, exclusive: str) -> tuple[float | None, bool]:
    open_bound = schema.get(exclusive)
    if isinstance(open_bound, (int, float)) and not isinstance(open_bound, bool):
        return open_bound, True
    closed = schema.get(inclusive)
    if isinstance(closed, (int, float)) and not isinstance(closed, bool):
        return closed, open_bound is True  # OpenAPI 3.0: exclusiveMinimum: true
    return None, False


def _merge(into: dict[str, Any], part: Mapping[str, Any]) -> None:
    for key, value in part.items():
        if key == "properties" and isinstance(value, Mapping):
            into["properties"] = {**into.get("properties", {}), **value}
        elif key == "required" and isinstance(value, list):
            into["required"] = [*into.get("required", []), *(k for k in value if k not in into.get("required", []))]
        else:
            into.setdefault(key, value)


# -- what requests ask for ------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def tool_parameters(body: Mapping[str, Any], name: str) -> Any:
    """The parameters schema of the function tool ``name`` in a chat or Responses request, or ``None``."""
    for tool in body.get("tools") or ():
        if not isinstance(tool, Mapping):
            continue
        function: Any = tool.get("function") if isinstance(tool.get("function"), Mapping) else tool
        if function.get("name") == name:
            return function.get("parameters")
    for function in body.get("functions") or ():  # chat's legacy functions
        if isinstance(function, Mapping) and function.get("name") == name:
            return function.get("parameters")
    return None


def tool_arguments(call: ToolCall, body: Mapping[str, Any]) -> str:
    """The JSON arguments of ``call``: its own, or (when it has none) valid against the tool's schema."""
    if call.arguments is None:
        schema = tool_parameters(body, call.name)
        if isinstance(schema, Mapping):
            generated = instance(schema)
            return _dumps(generated if isinstance(generated, Mapping) else {})
    return call.arguments_json()


def _forced_tool(body: Mapping[str, Any]) -> str | None:
    """The function the request forces a call to (``tool_choice``), if any."""
    choice: Any = body.get("tool_choice")
    function: Any
    if isinstance(choice, Mapping) and choice.get("type") == "function":
        function = choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else choice.get("name")
        return name if isinstance(name, str) else None
    if choice == "required":
        for tool in body.get("tools") or ():
            if isinstance(tool, Mapping) and tool.get("type") == "function":
                function = tool.get("function") if isinstance(tool.get("function"), Mapping) else tool
                name = function.get("name")
                return name if isinstance(name, str) else None
    return None


def structured_reply(request: Request, text: str) -> Reply | None:
    """The default reply a request's format demands, or ``None`` when plain ``text`` will do.

    A ``json_schema`` response format (chat ``response_format``, Responses ``text.format``) gets JSON
    valid against the schema; ``json_object`` gets ``{"message": text}``; a ``tool_choice`` that
    forces a function gets a call to it with arguments valid against its parameters.
    """
    body = request.json
    if not isinstance(body, Mapping):
        return None
    forced = _forced_tool(body)
    if forced is not None:
        schema = tool_parameters(body, forced)
        arguments = instance(schema) if isinstance(schema, Mapping) else {}
        return Reply(tool_calls=[ToolCall(forced, arguments if isinstance(arguments, Mapping) else {})])
    form = body.get("response_format")
    if not isinstance(form, Mapping):
        options = body.get("text")
        form = options.get("format") if isinstance(options, Mapping) else None
    if not isinstance(form, Mapping):
        return None
    if form.get("type") == "json_schema":
        spec: Any = form.get("json_schema") if isinstance(form.get("json_schema"), Mapping) else form
        schema = spec.get("schema")
        return Reply(_dumps(instance(schema if schema is not None else {"type": "object"})))
    if form.get("type") == "json_object":
        return Reply(_dumps({"message": text}))
    return None
