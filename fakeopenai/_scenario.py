"""Scripting from data: JSON (the server's control API) and scenario files (JSON or YAML).

One builder turns plain data into what the Python API makes — :class:`Reply`, :class:`Failure`,
:class:`Match` — so ``POST /_fakeopenai/replies {"text": "Hi", "ttft": 0.1}`` means exactly
``fake.reply("Hi", ttft=0.1)``. Keys mirror the keyword arguments of ``fake.reply`` / ``fake.fail``
/ ``fake.on``. Everything is checked before anything is applied, so bad input changes nothing.

A scenario document::

    rules:                      # answer every matching request (or `times` of them), in order
      - match: {model: "gpt-4o*", contains: weather}
        reply: {tool_calls: [{name: get_weather, arguments: {city: Paris}}]}
      - match: {endpoint: /embeddings}
        fail: {status: 429, retry_after: 1}
        times: 2
      - reply: "Answer for everything else"
    queue:                      # consumed first in, first out, before the rules
      - reply: {text: "First answer", ttft: 0.5, token_delay: 0.05}
      - fail: 500
    rate_limit: {rpm: 60, tpm: 100000, model: "gpt-4o*"}   # fake.rate_limit(...)
    any_id: true                # FakeOpenAI(any_id=True): unknown ids of known kinds exist
    lifecycle: {batch: {in_progress: 60}}                  # fake.lifecycle("batch", in_progress=60)
    seed:                       # fake.seed(...): objects the code under test expects to find
      - {path: /files, body: {purpose: batch}, files: {file: {filename: in.jsonl, text: "..."}}, id: file-abc}
    fail_rate:                  # fake.fail_rate(...): one object or a list
      - {rate: 0.1, status: 503, seed: 7, retry_after_ms: 10}
    strict: true                # FakeOpenAI(strict=True): 400 for any body outside the SDK's types

A bare list is read as ``rules``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _limits as limits
from ._errors import Failure
from ._reply import Reply, ToolCall
from ._script import ANY, Match
from ._wire import Request, parse_json

if TYPE_CHECKING:
    from ._fake import FakeOpenAI

__all__ = [
    "Entry",
    "FailRateSpec",
    "RateLimitSpec",
    "ScenarioError",
    "SeedSpec",
    "SettingsSpec",
    "Step",
    "StrictSpec",
    "apply",
    "build_rate_limit",
    "build_settings",
    "fail_rate_entries",
    "failure_entries",
    "load_file",
    "parse_scenario",
    "reply_entries",
    "rule_entries",
    "seed_entries",
]


class ScenarioError(ValueError):
    """Input that cannot become a reply, failure or rule; ``param`` names the offending key."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


@dataclass(frozen=True)
class Entry:
    """One scripted answer: queued (consumed once per ``times``) or a rule (``times=None``: always)."""

    answer: Reply | Failure
    match: Match
    times: int | None
    rule: bool


@dataclass(frozen=True)
class RateLimitSpec:
    """A rate limit to put in force: ``fake.rate_limit(rpm, tpm, model=model)`` (replaces any other)."""

    rpm: int | None
    tpm: int | None
    model: str | None


@dataclass(frozen=True)
class FailRateSpec:
    """A seeded failure rate to add: ``fake.fail_rate(rate, ..., seed=seed)`` with ``match``'s criteria."""

    rate: float
    failure: Failure
    match: Match
    seed: int | str


@dataclass(frozen=True)
class StrictSpec:
    """The validation policy to follow: ``strict`` as for ``FakeOpenAI(strict=...)`` (docs/validation.md)."""

    strict: bool


#: One thing a scenario or a control request applies to a fake, in order.
@dataclass(frozen=True)
class SeedSpec:
    """An object to create before the code under test runs: ``fake.seed(path, body, files=..., id=...)``."""

    path: str
    body: dict[str, Any]
    files: dict[str, tuple[str, bytes]]
    id: str | None


@dataclass(frozen=True)
class SettingsSpec:
    """Settings of the fake: ``any_id`` (``None``: unchanged) and lifecycle durations by kind."""

    any_id: bool | None
    lifecycles: dict[str, dict[str, float]]


Step = Entry | RateLimitSpec | FailRateSpec | SeedSpec | SettingsSpec | StrictSpec


_MATCH_KEYS = ("model", "contains", "endpoint", "regex")
#: Reply faults counted in stream events: ``error_after``, ``drop_after``, ``stall_after`` (see ``Reply``).
_FAULT_COUNTS = ("error_after", "drop_after", "stall_after")
_JSON_TYPES = {"string": str, "object": dict, "array": list, "boolean": bool}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _expect(value: Any, param: str, *kinds: str) -> Any:
    """``value`` when its JSON type is one of ``kinds`` (``number`` accepts integers)."""
    kind = _kind(value)
    if kind in kinds or (kind == "integer" and "number" in kinds):
        return value
    expected = " or ".join(kinds)
    raise ScenarioError(f"Invalid type for '{param}': expected {expected}, but got {kind} instead.", param)


def _object(value: Any, param: str) -> dict[str, Any]:
    result: dict[str, Any] = _expect(value, param, "object")
    return result


def _unknown(data: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    for key in data:
        if key not in allowed:
            raise ScenarioError(f"Unknown parameter: '{prefix}{key}'.", f"{prefix}{key}")


def _times(value: Any, param: str, default: int | None) -> int | None:
    """A positive integer (``times``, ``rpm``, ``tpm``), or ``default`` when absent."""
    if value is None:
        return default
    return _count(value, param, minimum=1)


def _count(value: Any, param: str, minimum: int = 0) -> int:
    """An integer from ``minimum`` to :data:`~fakeopenai._limits.MAX_COUNT`."""
    number = _expect(value, param, "integer")
    try:
        return limits.count(number, param, minimum)
    except ValueError:
        raise ScenarioError(
            f"Invalid '{param}': must be between {minimum} and {limits.MAX_COUNT}, got {_shown(value)}.", param
        ) from None


def _delay(value: Any, param: str, unit: str = "seconds", scale: float = 1.0) -> float:
    """A finite number of seconds from 0 to :data:`~fakeopenai._limits.MAX_DELAY` (``scale``: per second)."""
    number = _expect(value, param, "number")
    try:
        return limits.delay(number, param, unit, scale)
    except ValueError:
        raise ScenarioError(
            f"Invalid '{param}': must be between 0 and {limits.MAX_DELAY * scale:g} {unit}, got {_shown(value)}.", param
        ) from None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


def match_from(data: Any, param: str = "match") -> Match:
    """A :class:`Match` from ``{"model", "contains", "endpoint", "regex"}`` (globs as in ``fake.on``)."""
    if data is None:
        return ANY
    spec = _object(data, param)
    _unknown(spec, set(_MATCH_KEYS), f"{param}.")
    values = {key: _expect(spec.get(key), f"{param}.{key}", "string", "null") for key in _MATCH_KEYS}
    where = None
    if values["regex"] is not None:
        try:
            pattern = re.compile(values["regex"])
        except re.error as exc:
            raise ScenarioError(f"Invalid '{param}.regex': {exc}.", f"{param}.regex") from None
        where = _Searches(pattern)
    return Match(values["model"], values["contains"], values["endpoint"], where)


@dataclass(frozen=True)
class _Searches:
    """``where`` predicate: the regular expression occurs in the text the client sent."""

    pattern: re.Pattern[str]

    def __call__(self, request: Request) -> bool:
        return self.pattern.search(request.text) is not None


def _tool_call(value: Any, param: str) -> ToolCall:
    if isinstance(value, str):
        return ToolCall(value)
    spec = _object(value, param)
    _unknown(spec, {"name", "arguments", "id"}, f"{param}.")
    if "name" not in spec:
        raise ScenarioError(f"Missing required parameter: '{param}.name'.", f"{param}.name")
    return ToolCall(
        _expect(spec["name"], f"{param}.name", "string"),
        _expect(spec.get("arguments"), f"{param}.arguments", "object", "string", "null"),
        _expect(spec.get("id"), f"{param}.id", "string", "null"),
    )


def _strings(value: Any, param: str) -> list[str]:
    items = _expect(value, param, "array")
    return [_expect(item, f"{param}[{i}]", "string") for i, item in enumerate(items)]


def _reply_fields() -> dict[str, dataclasses.Field[Any]]:
    return {field.name: field for field in dataclasses.fields(Reply) if field.name != "extra"}


def build_reply(data: Any, *, ttft: float = 0.0, token_delay: float = 0.0, param: str = "reply") -> Reply:
    """A :class:`Reply` from a text or an object of ``Reply`` fields.

    ``ttft`` and ``token_delay`` are the defaults for a reply that sets no timing of its own.
    """
    if isinstance(data, str):
        data = {"text": data}
    spec = dict(_object(data, param))
    fields = _reply_fields()
    _unknown(spec, set(fields), f"{param}.")
    kwargs: dict[str, Any] = {}
    for key, value in spec.items():
        name = f"{param}.{key}"
        if value is None:
            continue
        if key == "text":
            kwargs[key] = value if isinstance(value, str) else _strings(value, name)
        elif key == "tool_calls":
            items = _expect(value, name, "array")
            kwargs[key] = [_tool_call(item, f"{name}[{i}]") for i, item in enumerate(items)]
        elif key in ("chunks", "queries", "citations"):
            kwargs[key] = _strings(value, name)
        elif key in ("ttft", "token_delay", "stall"):
            kwargs[key] = _delay(value, name)
        elif key in _FAULT_COUNTS:
            kwargs[key] = _count(value, name)
        elif key == "usage":
            usage = _object(value, name)
            kwargs[key] = {k: _count(v, f"{name}.{k}") for k, v in usage.items()}
        elif key in ("refusal", "finish_reason", "model", "reasoning", "error_message"):
            kwargs[key] = _expect(value, name, "string")
        else:  # a Reply field this builder does not know by name: JSON values pass as they are
            kwargs[key] = value
    kwargs.setdefault("ttft", ttft)
    kwargs.setdefault("token_delay", token_delay)
    try:
        return Reply(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"Invalid {param}: {exc}", param) from None


def build_failure(data: Any, param: str = "fail") -> Failure:
    """A :class:`Failure` from a status code or an object of ``fake.fail`` keyword arguments."""
    if isinstance(data, int) and not isinstance(data, bool):
        data = {"status": data}
    spec = dict(_object(data, param))
    fields = {field.name for field in dataclasses.fields(Failure)}
    _unknown(spec, fields, f"{param}.")
    kwargs: dict[str, Any] = {}
    for key, value in spec.items():
        name = f"{param}.{key}"
        if value is None:
            continue
        if key == "status":
            status: int = _expect(value, name, "integer")
            if not 400 <= status <= 599:
                raise ScenarioError(f"Invalid '{name}': expected an HTTP error status (400-599), got {status}.", name)
            kwargs[key] = status
        elif key in ("message", "type", "param"):
            kwargs[key] = _expect(value, name, "string")
        elif key == "code":
            kwargs[key] = _expect(value, name, "string", "integer")
        elif key == "retry_after":
            kwargs[key] = _delay(value, name)
        elif key == "retry_after_ms":
            kwargs[key] = _delay(value, name, "milliseconds", 1000.0)
        elif key == "should_retry":
            kwargs[key] = _expect(value, name, "boolean")
        elif key == "headers":
            headers = _object(value, name)
            kwargs[key] = {str(k): _expect(v, f"{name}.{k}", "string") for k, v in headers.items()}
        else:  # a Failure field this builder does not know by name
            kwargs[key] = value
    kwargs.setdefault("status", 500)
    try:
        return Failure(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"Invalid {param}: {exc}", param) from None


def _items(data: Any, param: str) -> list[tuple[Any, str]]:
    """A single object or a list of them, each with its parameter path."""
    if isinstance(data, list):
        if not data:
            raise ScenarioError(f"Invalid '{param}': empty array.", param)
        return [(item, f"{param}[{i}]") for i, item in enumerate(data)]
    return [(data, param)]


def reply_entries(data: Any, *, ttft: float = 0.0, token_delay: float = 0.0) -> list[Entry]:
    """Queued replies from ``POST /_fakeopenai/replies``: reply fields plus ``times`` and ``match``."""
    entries = []
    for item, param in _items(data, "body"):
        spec = dict(item) if isinstance(item, dict) else item
        if isinstance(spec, dict):
            times = _times(spec.pop("times", None), f"{param}.times", 1)
            match = match_from(spec.pop("match", None), f"{param}.match")
        else:
            times, match = 1, ANY
        reply = build_reply(spec, ttft=ttft, token_delay=token_delay, param=param)
        entries.append(Entry(reply, match, times, rule=False))
    return entries


def failure_entries(data: Any) -> list[Entry]:
    """Queued failures from ``POST /_fakeopenai/failures``: ``fake.fail`` arguments plus ``match``.

    As with ``fake.fail``, a failure answers the next generation request unless ``endpoint`` (a path
    glob, ``"*"`` for any) says otherwise.
    """
    entries = []
    for item, param in _items(data, "body"):
        spec = dict(item) if isinstance(item, dict) else item
        times: int | None = 1
        match = ANY
        if isinstance(spec, dict):
            times = _times(spec.pop("times", None), f"{param}.times", 1)
            match = match_from(spec.pop("match", None), f"{param}.match")
            endpoint = _expect(spec.pop("endpoint", None), f"{param}.endpoint", "string", "null")
            if endpoint is not None:
                match = dataclasses.replace(match, endpoint=endpoint)
        entries.append(Entry(build_failure(spec, param), match, times, rule=False))
    return entries




def build_rate_limit(data: Any, param: str = "body") -> RateLimitSpec:
    """A rate limit from ``{"rpm", "tpm", "model"}`` (the arguments of ``fake.rate_limit``)."""
    spec = _object(data, param)
    _unknown(spec, {"rpm", "tpm", "model"}, f"{param}.")
    rpm = _times(spec.get("rpm"), f"{param}.rpm", None)  # a positive integer, like a count
    tpm = _times(spec.get("tpm"), f"{param}.tpm", None)
    if rpm is None and tpm is None:
        raise ScenarioError(f"Invalid '{param}': give a limit, 'rpm', 'tpm' or both.", param)
    model = _expect(spec.get("model"), f"{param}.model", "string", "null")
    return RateLimitSpec(rpm, tpm, model)


def fail_rate_entries(data: Any, param: str = "body") -> list[FailRateSpec]:
    """Failure rates from ``POST /_fakeopenai/fail_rate``: the arguments of ``fake.fail_rate``.

    ``rate`` (0 to 1, required), ``seed`` (an integer or a string, default 0), the match criteria
    ``model``, ``contains``, ``endpoint`` and ``regex`` (the data form of ``where``), and the fields
    of ``fake.fail`` (``status``, ``message``, ``retry_after``...). One object or a list of them.
    """
    specs = []
    for item, name in _items(data, param):
        spec = dict(_object(item, name))
        if "rate" not in spec:
            raise ScenarioError(f"Missing required parameter: '{name}.rate'.", f"{name}.rate")
        rate = float(_expect(spec.pop("rate"), f"{name}.rate", "number"))
        if not 0.0 <= rate <= 1.0:
            raise ScenarioError(f"Invalid '{name}.rate': must be between 0 and 1, got {rate}.", f"{name}.rate")
        seed = _expect(spec.pop("seed", None), f"{name}.seed", "integer", "string", "null")
        criteria = {key: spec.pop(key) for key in _MATCH_KEYS if key in spec}
        match = match_from(criteria, name)
        specs.append(FailRateSpec(rate, build_failure(spec, name), match, 0 if seed is None else seed))
    return specs


def _entry(item: Any, param: str, rule: bool, ttft: float, token_delay: float) -> Entry:
    spec = _object(item, param)
    _unknown(spec, {"match", "reply", "fail", "times"}, f"{param}.")
    if ("reply" in spec) == ("fail" in spec):
        raise ScenarioError(f"Invalid '{param}': give exactly one of 'reply' and 'fail'.", param)
    match = match_from(spec.get("match"), f"{param}.match")
    times = _times(spec.get("times"), f"{param}.times", None if rule else 1)
    answer: Reply | Failure
    if "reply" in spec:
        answer = build_reply(spec["reply"], ttft=ttft, token_delay=token_delay, param=f"{param}.reply")
    else:
        answer = build_failure(spec["fail"], f"{param}.fail")
    return Entry(answer, match, times, rule)


def rule_entries(data: Any, *, ttft: float = 0.0, token_delay: float = 0.0) -> list[Entry]:
    """Rules from ``POST /_fakeopenai/rules``: ``{"match": ..., "reply"|"fail": ..., "times": ...}``."""
    return [_entry(item, param, True, ttft, token_delay) for item, param in _items(data, "body")]


def parse_scenario(doc: Any, *, ttft: float = 0.0, token_delay: float = 0.0) -> list[Step]:
    """The steps of a scenario document (see the module docstring).

    In the order they are applied: ``strict``, the ``rate_limit``, the ``fail_rate`` entries, the rules,
    the queue.
    """
    if isinstance(doc, list):
        doc = {"rules": doc}
    spec = _object(doc, "scenario")
    _unknown(spec, {"rules", "queue", "rate_limit", "fail_rate", "seed", "any_id", "lifecycle", "strict"}, "")
    entries: list[Step] = []
    if spec.get("strict") is not None:
        entries.append(StrictSpec(_expect(spec["strict"], "strict", "boolean")))
    if spec.get("any_id") is not None or spec.get("lifecycle") is not None:
        entries.append(build_settings(spec))
    if spec.get("seed") is not None:
        entries.extend(seed_entries(spec["seed"], "seed"))
    if spec.get("rate_limit") is not None:
        entries.append(build_rate_limit(spec["rate_limit"], "rate_limit"))
    if spec.get("fail_rate") is not None:
        entries.extend(fail_rate_entries(spec["fail_rate"], "fail_rate"))
    for key, rule in (("rules", True), ("queue", False)):
        items = _expect(spec.get(key, []), key, "array")
        entries.extend(_entry(item, f"{key}[{i}]", rule, ttft, token_delay) for i, item in enumerate(items))
    return entries


def build_settings(spec: Mapping[str, Any]) -> SettingsSpec:
    """``any_id`` and ``lifecycle`` of a scenario document."""
    any_id = _expect(spec.get("any_id"), "any_id", "boolean", "null")
    lifecycles: dict[str, dict[str, float]] = {}
    for kind, durations in _object(spec.get("lifecycle") or {}, "lifecycle").items():
        lifecycles[kind] = {
            status: _delay(seconds, f"lifecycle.{kind}.{status}")
            for status, seconds in _object(durations, f"lifecycle.{kind}").items()
        }
    return SettingsSpec(any_id, lifecycles)


def seed_entries(data: Any, param: str = "body") -> list[SeedSpec]:
    """Objects to seed: ``{"path", "body", "files": {name: {"filename", "text" | "base64"}}, "id"}``."""
    import base64
    import binascii

    out = []
    for item, where in _items(data, param):
        spec = _object(item, where)
        _unknown(spec, {"path", "body", "files", "id"}, f"{where}.")
        path = _expect(spec.get("path"), f"{where}.path", "string")
        body = _object(spec.get("body") or {}, f"{where}.body")
        files: dict[str, tuple[str, bytes]] = {}
        for name, part in _object(spec.get("files") or {}, f"{where}.files").items():
            at = f"{where}.files.{name}"
            part = _object(part, at)
            _unknown(part, {"filename", "text", "base64"}, f"{at}.")
            filename = _expect(part.get("filename", name), f"{at}.filename", "string")
            if "base64" in part:
                try:
                    data_bytes = base64.b64decode(_expect(part["base64"], f"{at}.base64", "string"), validate=True)
                except binascii.Error:
                    raise ScenarioError(f"{at}.base64 is not valid base64.", f"{at}.base64") from None
            else:
                data_bytes = _expect(part.get("text", ""), f"{at}.text", "string").encode()
            files[name] = (filename, data_bytes)
        seed_id = _expect(spec.get("id"), f"{where}.id", "string", "null")
        out.append(SeedSpec(path, body, files, seed_id))
    return out


def load_file(path: str | Path) -> Any:
    """The document in a ``.json``, ``.yaml`` or ``.yml`` file (YAML needs PyYAML)."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        text = path.read_text(encoding="utf-8")
        try:
            import yaml  # type: ignore[import-untyped, unused-ignore]
        except ImportError:
            raise ScenarioError(
                f"{path}: reading YAML needs PyYAML (pip install pyyaml), or write the scenario as JSON."
            ) from None
        try:
            return yaml.safe_load(text)
        except (yaml.YAMLError, RecursionError) as exc:
            raise ScenarioError(f"{path}: not valid YAML: {exc}") from None
    try:
        return parse_json(path.read_bytes())
    except ValueError as exc:
        raise ScenarioError(f"{path}: not valid JSON: {exc}") from None


def apply(fake: FakeOpenAI, entries: Sequence[Step]) -> None:
    """Apply each step to ``fake``, in order: set the validation policy, queue or add answers, set the
    rate limit, add failure rates."""
    script = fake._state.script
    for entry in entries:
        if isinstance(entry, StrictSpec):
            fake._state.strict = entry.strict
        elif isinstance(entry, RateLimitSpec):
            fake.rate_limit(entry.rpm, entry.tpm, model=entry.model)
        elif isinstance(entry, FailRateSpec):
            script.add_rate(entry.rate, entry.failure, entry.match, entry.seed)
        elif isinstance(entry, SettingsSpec):
            if entry.any_id is not None:
                fake.any_id = entry.any_id
            for kind, durations in entry.lifecycles.items():
                fake.lifecycle(kind, **durations)
        elif isinstance(entry, SeedSpec):
            try:
                fake.seed(entry.path, entry.body, files=entry.files or None, id=entry.id)
            except ValueError as error:
                raise ScenarioError(str(error), "seed") from None
        elif entry.rule:
            script.add_rule(entry.answer, entry.match, entry.times)
        else:
            script.enqueue(entry.answer, entry.match, entry.times or 1)
