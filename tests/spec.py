"""The official OpenAPI document (``../shared/openapi``), as JSON-Schema validators for tests.

The spec is never copied into the repository; where it is absent, tests that need it skip and say why.
``nullable: true`` (OpenAPI 3.0) is rewritten to JSON-Schema ``null`` types first (WIRE.md §8).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(os.environ.get("FAKEOPENAI_SHARED", Path(__file__).resolve().parents[2] / "shared"))
SPEC_PATH = SHARED / "openapi" / "openai-openapi.json"


def _denull(node: Any) -> Any:
    if isinstance(node, list):
        return [_denull(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _denull(value) for key, value in node.items()}
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if node.get(bound) is True and limit in node:  # OpenAPI 3.0's boolean form, as JSON Schema's
            node[bound] = node.pop(limit)
    if node.pop("nullable", False) is True:
        if "type" in node:
            types = node["type"] if isinstance(node["type"], list) else [node["type"]]
            node["type"] = [*types, "null"] if "null" not in types else types
            if "enum" in node and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        else:
            inner = {key: node.pop(key) for key in list(node) if key in ("$ref", "anyOf", "oneOf", "allOf")}
            node["anyOf"] = [inner, {"type": "null"}]
    return node


@cache
def spec() -> dict[str, Any]:
    if not SPEC_PATH.exists():
        pytest.skip(f"the OpenAPI spec is not at {SPEC_PATH} (set FAKEOPENAI_SHARED to shared/)")
    return _denull(json.loads(SPEC_PATH.read_text()))  # type: ignore[no-any-return]


@cache
def validator(schema_name: str) -> Any:
    from jsonschema import Draft202012Validator

    document = {"$ref": f"#/components/schemas/{schema_name}", "components": spec()["components"]}
    return Draft202012Validator(document)


def assert_valid(instance: Any, schema_name: str) -> None:
    """Fail with every schema error of ``instance`` against ``components/schemas/<schema_name>``."""
    errors = sorted(validator(schema_name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}" for e in errors[:10]]
        raise AssertionError(f"{schema_name}: {len(errors)} schema error(s)\n" + "\n".join(lines))


def sse_payloads(data: bytes) -> list[tuple[str | None, str]]:
    """(event name, data) of each server-sent event in ``data``."""
    out = []
    for block in data.decode().split("\n\n"):
        if not block.strip():
            continue
        event = None
        lines = []
        for line in block.split("\n"):
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                lines.append(line[6:])
        out.append((event, "\n".join(lines)))
    return out


# -- the real wire's known deviations from the spec (WIRE.md §8), and schema lookups -------------


@cache
def response_event_schemas() -> dict[str, str]:
    """Responses stream event ``type`` -> its spec schema, read from the spec's ``ResponseStreamEvent``.

    Selecting the member by ``type`` first is ~50x faster than validating against the whole ``anyOf``.
    """
    schemas = spec()["components"]["schemas"]
    out = {}
    for ref in schemas["ResponseStreamEvent"]["anyOf"]:
        name = ref["$ref"].rsplit("/", 1)[1]
        out[schemas[name]["properties"]["type"]["enum"][0]] = name
    return out


def spec_response(body: dict[str, Any]) -> dict[str, Any]:
    """A Responses ``response`` object with the known real-wire deviations from the spec removed (WIRE.md §8)."""
    body = dict(body)
    if body.get("user") is None:
        body.pop("user", None)  # the real API sends "user": null; the spec says string
    if body.get("usage") is None:
        body.pop("usage", None)  # the real API sends "usage": null while in progress; the spec has no null
    return body


def spec_completion_chunk(chunk: dict[str, Any]) -> dict[str, Any]:
    """A legacy completions stream chunk with the one known spec deviation of the real wire replaced.

    The real API sends ``finish_reason: null`` until a choice ends (openai/openai-openapi PR #100);
    the spec's ``CreateCompletionResponse`` (shared by stream and body) and the SDK's type do not
    allow null.
    """
    choices = [{**c, "finish_reason": c["finish_reason"] or "stop"} for c in chunk["choices"]]
    out = {**chunk, "choices": choices}
    if out.get("usage", 0) is None:
        del out["usage"]  # "usage": null on every chunk but the last goes with include_usage, as in chat
    return out
