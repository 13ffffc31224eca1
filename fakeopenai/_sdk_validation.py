"""Request validation with the installed SDK's own parameter types (``shared/WIRE.md`` §9).

The SDK describes each request body as ``TypedDict`` classes. They are converted once, lazily, into
strict copies that pydantic checks in one pass:

- ``Iterable[...]`` and ``Sequence[...]`` become lists, so nothing is validated lazily;
- every ``TypedDict`` forbids unknown keys (the originals ignore them);
- a union of ``TypedDict`` members that share a required literal key (``role``, ``type``) becomes
  a discriminated union: faster, and its errors name the member the client meant.

A failure becomes the real API's 400 with ``param`` naming the path in the body
(``messages[0].content``). Whatever types the installed SDK has are used, so openai 1.x and 3.x each
validate against their own definitions.

The SDK's types are a subset of what the API accepts, so by default they only decide what the fake
*rejects* where the API is known to reject too (docs/validation.md): a body that fails them is checked
again with a lenient copy of the same types, in which a nested object may carry keys the SDK does not
name and an optional key may be ``null``. Only when that copy fails too is the answer a 400; otherwise
the request is accepted and each deviation is recorded as a warning on it. ``strict`` keeps the SDK's
types as the contract. An ordinary request passes the strict types at once and pays for nothing else.
"""

from __future__ import annotations

import collections.abc
import copy
import importlib
import re
import sys
import threading
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

import typing_extensions as te
from pydantic_core import SchemaValidator, ValidationError, core_schema

from ._errors import APIError, bad_request
from ._validation import check_enum, check_type, describe

__all__ = ["PARAMS", "check_body", "param_path", "prepare"]

#: Endpoint -> (module, non-streaming TypedDict, streaming TypedDict or ``None``) in the SDK.
PARAMS: dict[str, tuple[str, str, str | None]] = {
    "/chat/completions": (
        "openai.types.chat.completion_create_params",
        "CompletionCreateParamsNonStreaming",
        "CompletionCreateParamsStreaming",
    ),
    "/completions": (
        "openai.types.completion_create_params",
        "CompletionCreateParamsNonStreaming",
        "CompletionCreateParamsStreaming",
    ),
    "/responses": (
        "openai.types.responses.response_create_params",
        "ResponseCreateParamsNonStreaming",
        "ResponseCreateParamsStreaming",
    ),
    "/embeddings": ("openai.types.embedding_create_params", "EmbeddingCreateParams", None),
    "/moderations": ("openai.types.moderation_create_params", "ModerationCreateParams", None),
}

_SEQUENCES = {
    list,
    tuple,
    collections.abc.Iterable,
    collections.abc.Sequence,
    collections.abc.MutableSequence,
    collections.abc.Iterator,
    collections.abc.Collection,
}
_MAPPINGS = {dict, collections.abc.Mapping, collections.abc.MutableMapping}
# The lenient copy: nested objects ignore keys the SDK does not name. Evidence that the API accepts
# them: a ``name`` on a ``role: "tool"`` message has been sent on every tool result by widely used
# libraries for years (the corpus in tests/corpus holds such bodies), and the API's OpenAPI spec leaves
# its message and content-part schemas open (no ``additionalProperties: false``). Unknown *top-level*
# parameters stay refused: the API answers those with
# ``Unknown parameter`` / ``Unrecognized request argument supplied`` (shared/WIRE.md §5).
# Top-level parameters the API takes (they are in its OpenAPI spec and in openai 3.x's types) that an
# older installed SDK may not name yet: an unknown top-level parameter is refused, but not these.
_NEWER_PARAMS: dict[str, tuple[str, ...]] = {
    "/chat/completions": ("moderation", "prompt_cache_options", "prompt_cache_retention"),
    "/responses": ("context_management", "moderation", "prompt_cache_options", "prompt_cache_retention"),
}
#: At most this many deviations are listed as warnings on one request.
_MAX_WARNINGS = 20
_DISCRIMINATORS = ("type", "role")
# A discriminated union of at most this many members is built whole with its parent.
_INLINE_TAGS = 8
# Keys the SDK marks required that the real API lets a request leave out (it fills in a default).
# Keys typed ``Required[Optional[...]]`` (output-shaped: "always sent, may be null") count too.
# Replayed assistant turns are the common case: the API accepts ``{"role": "assistant", "content":
# [{"type": "output_text", "text": ...}]}`` without the ``id``/``status`` of an output item or the
# ``annotations`` of its text (LangChain, LiteLLM and others send that; only stricter clones reject it).
_WIRE_OPTIONAL: dict[str, frozenset[str]] = {
    "ResponseInputImageParam": frozenset({"detail"}),
    "ResponseOutputMessageParam": frozenset({"id", "status", "type"}),
    "ResponseOutputTextParam": frozenset({"annotations"}),
}


# -- the tree of the converted types: pydantic-core's schema is emitted from it, and it turns ------
# -- pydantic's error locations back into API params ----------------------------------------------


class _Node:
    """What the body may hold at one place."""

    def kinds(self) -> list[str]:
        return []

    def label(self) -> str:
        """What this member is called inside a plain union (the location pydantic reports)."""
        return "any"

    def matches(self, label: str) -> bool:
        """Whether pydantic names this member ``label`` inside a plain union."""
        return label == self.label()


@dataclass(eq=False)
class _Leaf(_Node):
    kind: str | None  # "string", "integer", ... as in ``_validation``; None for anything
    literals: tuple[Any, ...] | None = None

    def kinds(self) -> list[str]:
        return [self.kind] if self.kind else []

    def label(self) -> str:
        if self.literals is not None:
            return f"literal[{','.join(map(repr, self.literals))}]"
        return {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "none"}.get(
            self.kind or "", "any"
        )


class _Obj(_Node):
    """A ``TypedDict``: its keys are converted on first use, so a union's members cost nothing
    until a body holds one of them (the Responses parameters name over 200 ``TypedDict`` classes)."""

    def __init__(
        self, name: str, load: Callable[[_Obj], None] | None = None, extra: str = "forbid", cls: Any = None
    ) -> None:
        self.name = name
        self.cls = cls  # the TypedDict
        self.extra = extra  # or "ignore": the lenient copy's nested objects
        self._load = load
        self._fields: dict[str, _Node] = {}
        self._required: frozenset[str] = frozenset()
        self.lazy: _Lazy | None = None  # its own validator, as a union member

    def define(self, fields: dict[str, _Node], required: frozenset[str]) -> None:
        self._fields, self._required, self._load = fields, required, None

    @property
    def fields(self) -> dict[str, _Node]:
        if self._load is not None:
            self._load(self)
        return self._fields

    @property
    def required(self) -> frozenset[str]:
        if self._load is not None:
            self._load(self)
        return self._required

    def kinds(self) -> list[str]:
        return ["object"]

    def label(self) -> str:
        return self.name


@dataclass(eq=False)
class _Arr(_Node):
    item: _Node

    def kinds(self) -> list[str]:
        return ["array"]

    def label(self) -> str:
        return f"list[{self.item.label()}]"


@dataclass(eq=False)
class _Map(_Node):
    value: _Node

    def kinds(self) -> list[str]:
        return ["object"]

    def label(self) -> str:
        return f"dict[str,{self.value.label()}]"


@dataclass(eq=False)
class _Tagged(_Node):
    key: str
    tags: dict[Any, _Obj]

    def kinds(self) -> list[str]:
        return ["object"]

    def label(self) -> str:
        return f"tagged-union[{','.join(dict.fromkeys(obj.name for obj in self.tags.values()))}]"


@dataclass(eq=False)
class _Union(_Node):
    members: list[_Node]

    def kinds(self) -> list[str]:
        out: list[str] = []
        for member in self.members:
            out.extend(kind for kind in member.kinds() if kind not in out)
        return out

    def label(self) -> str:
        return f"union[{','.join(member.label() for member in self.members)}]"


@dataclass(eq=False)
class _Nullable(_Node):
    """``inner`` or ``null``; pydantic reports no location of its own for it."""

    inner: _Node

    def kinds(self) -> list[str]:
        return [*self.inner.kinds(), "null"]

    def label(self) -> str:
        return f"nullable[{self.inner.label()}]"


_ANY = _Leaf(None)
_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


# -- converting the SDK's types -------------------------------------------------------------------


class _Converter:
    """Converts the SDK's types into the tree; ``lenient`` makes the copy the default policy checks with."""

    def __init__(self, lenient: bool = False) -> None:
        self._memo: dict[Any, _Obj] = {}
        self._lenient = lenient
        self._top = True

    def convert(self, tp: Any) -> _Node:
        if te.is_typeddict(tp):
            return self.typeddict(tp)
        origin = te.get_origin(tp)
        args = te.get_args(tp)
        if origin in (te.Annotated, te.Required, te.NotRequired):
            return self.convert(args[0])
        if origin is Union or origin is getattr(types, "UnionType", None):
            return self._union(args)
        if origin is te.Literal or origin is typing.Literal:
            kinds = {_SCALARS.get(type(value), "string") for value in args}
            return _Leaf(kinds.pop() if len(kinds) == 1 else None, tuple(args))
        if origin in _SEQUENCES:
            return _Arr(self.convert(args[0]) if args else _ANY)
        if origin in _MAPPINGS:
            return _Map(self.convert(args[1]) if len(args) > 1 else _ANY)
        if tp in _SCALARS:
            return _Leaf(_SCALARS[tp])
        if tp is type(None):
            return _Leaf("null")
        return _ANY  # object, Any, and anything exotic

    def _union(self, args: tuple[Any, ...]) -> _Node:
        converted = [self.convert(arg) for arg in args if arg is not type(None)]
        objects = [node for node in converted if isinstance(node, _Obj)]
        tagged = self._tagged(objects) if len(objects) > 1 else None
        if tagged is not None:
            converted = [*(node for node in converted if not isinstance(node, _Obj)), tagged]
        node = converted[0] if len(converted) == 1 else _Union(converted)
        return _Nullable(node) if type(None) in args else node

    @staticmethod
    def _tagged(objects: list[_Obj]) -> _Tagged | None:
        """The discriminated union of ``objects``, when they share a required literal key.

        Only that key's annotation of each member is read: a member's other keys (and the unions
        in them) are converted when a body holds it.
        """
        for key in _DISCRIMINATORS:
            tags: dict[Any, _Obj] = {}
            for node in objects:
                literals = _tag(node.cls, key)
                if literals is None or any(tag in tags for tag in literals):
                    break
                tags.update(dict.fromkeys(literals, node))
            else:
                return _Tagged(key, tags)
        return None

    def typeddict(self, cls: Any, overrides: Mapping[str, tuple[Any, bool]] | None = None) -> _Obj:
        """The tree of the TypedDict ``cls`` (``overrides``: key -> (type, required)), keys converted lazily."""
        if cls in self._memo and overrides is None:
            return self._memo[cls]
        # The body itself forbids unknown keys in both copies; nested objects only in the strict one.
        extra = "ignore" if self._lenient and not self._top else "forbid"
        node = _Obj(cls.__name__, lambda node: self._define(node, cls, overrides), extra, cls)
        self._top = False
        if overrides is None:
            self._memo[cls] = node
        return node

    def _define(self, node: _Obj, cls: Any, overrides: Mapping[str, tuple[Any, bool]] | None) -> None:
        fields: dict[str, _Node] = {}
        required = set()
        for key, (tp, is_required) in {**_fields(cls), **(overrides or {})}.items():
            converted = self.convert(tp)
            if is_required and _required_on_the_wire(cls, key, tp):
                required.add(key)
            elif self._lenient and not isinstance(converted, _Nullable):
                # A null optional key means "not given" to the API (the spec marks optional request
                # parameters ``nullable``; ``"max_tokens": null`` and ``"encoding_format": null``
                # are accepted), so the lenient copy takes null wherever a key may be left out.
                converted = _Nullable(converted)
            fields[key] = converted
        node.define(fields, frozenset(required))


def _fields(cls: Any) -> dict[str, tuple[Any, bool]]:
    """Each key of a TypedDict with its type and whether the SDK marks it required.

    Computed from the annotations: with ``from __future__ import annotations`` the class's own
    ``__required_keys__`` cannot see ``Required[...]``.
    """
    hints = te.get_type_hints(cls, include_extras=True)
    out: dict[str, tuple[Any, bool]] = {}
    for base in reversed(cls.__mro__):
        total = base.__dict__.get("__total__", True)
        for key in base.__dict__.get("__annotations__", {}):  # noqa: RUF063  (own keys only, unevaluated)
            out[key] = _unwrap(hints[key], total)
    return out


def _unwrap(tp: Any, required: bool) -> tuple[Any, bool]:
    """``Required[Annotated[X, ...]]`` -> ``(X, True)``; ``required``: the class's ``total``."""
    origin: Any = te.get_origin(tp)
    while origin in (te.Annotated, te.Required, te.NotRequired):
        if origin is te.Required:
            required = True
        elif origin is te.NotRequired:
            required = False
        tp = te.get_args(tp)[0]
        origin = te.get_origin(tp)
    return tp, required


def _required_on_the_wire(cls: Any, key: str, tp: Any) -> bool:
    """Whether a key the SDK marks required is required by the real API too (see ``_WIRE_OPTIONAL``)."""
    return key not in _WIRE_OPTIONAL.get(cls.__name__, ()) and type(None) not in te.get_args(tp)


def _tag(cls: Any, key: str) -> tuple[Any, ...] | None:
    """The literal values the TypedDict ``cls`` requires at ``key``, else ``None``; only that
    annotation is evaluated (``get_type_hints`` would evaluate them all)."""
    for base in cls.__mro__:
        annotations = base.__dict__.get("__annotations__", {})  # noqa: RUF063  (own keys only, unevaluated)
        if key in annotations:
            raw = annotations[key]
            try:
                if isinstance(raw, typing.ForwardRef):
                    raw = raw.__forward_arg__
                found = eval(raw, vars(sys.modules[base.__module__])) if isinstance(raw, str) else raw
            except Exception:  # cannot be read alone: not a discriminator to rely on
                return None
            tp, required = _unwrap(found, base.__dict__.get("__total__", True))
            if not required or not _required_on_the_wire(cls, key, tp):
                return None
            if te.get_origin(tp) not in (te.Literal, typing.Literal):
                return None
            return te.get_args(tp)
    return None


# -- emitting pydantic-core's schema ---------------------------------------------------------------
# Straight from the tree: pydantic's own schema generation from the types costs ten times more
# (50 ms for the Responses parameters), and only its Rust validator is wanted.

_SCALAR_SCHEMAS: dict[str | None, Callable[[], Any]] = {
    "string": core_schema.str_schema,
    "integer": core_schema.int_schema,
    "number": core_schema.float_schema,
    "boolean": core_schema.bool_schema,
    "null": core_schema.none_schema,
    None: core_schema.any_schema,
}


def _core_schema(root: _Obj, eager: bool = False) -> Any:
    """pydantic-core's schema for bodies the tree ``root`` accepts; each object is defined once.

    An object that is a member of a plain union is validated by its own validator, built when a
    body first holds it: most requests hold a few of the hundreds of members the SDK's unions name
    (a discriminated union of a few members is built with it: picked by tag, they are cheaper inline).
    ``eager`` builds them all now, in one validator (``serve``: ready before its first request).
    """
    definitions: dict[int, Any] = {}

    def emit(node: _Node, member: bool = False) -> Any:
        if isinstance(node, _Obj):
            if member and not eager:
                if node.lazy is None:  # one per object: a recursive type reuses it at every depth
                    node.lazy = _Lazy(node)
                return core_schema.no_info_plain_validator_function(node.lazy)
            ref = f"{node.name}:{id(node)}"
            if id(node) not in definitions:
                definitions[id(node)] = None  # a recursive type refers to itself while being built
                fields = {
                    key: core_schema.typed_dict_field(emit(value), required=key in node.required)
                    for key, value in node.fields.items()
                }
                definitions[id(node)] = core_schema.typed_dict_schema(
                    fields,
                    extra_behavior="ignore" if node.extra == "ignore" else "forbid",
                    ref=ref,
                )
            return core_schema.definition_reference_schema(ref)
        if isinstance(node, _Leaf):
            if node.literals is not None:
                return core_schema.literal_schema(list(node.literals))
            return _SCALAR_SCHEMAS[node.kind]()
        if isinstance(node, _Arr):
            return core_schema.list_schema(emit(node.item))
        if isinstance(node, _Map):
            return core_schema.dict_schema(core_schema.str_schema(), emit(node.value))
        if isinstance(node, _Tagged):
            # A few members (chat's message roles) are cheaper inline; many (Responses' tools) wait.
            lazy = len(node.tags) > _INLINE_TAGS
            choices = {tag: emit(obj, member=lazy) for tag, obj in node.tags.items()}
            return core_schema.tagged_union_schema(choices, node.key)
        if isinstance(node, _Union):
            return core_schema.union_schema([(emit(m, member=True), m.label()) for m in node.members])
        if isinstance(node, _Nullable):
            return core_schema.nullable_schema(emit(node.inner, member))
        return core_schema.any_schema()

    schema = emit(root)
    return core_schema.definitions_schema(schema, list(definitions.values()))


class _Lazy:
    """Validates one union member with a validator of its own, built on first use."""

    def __init__(self, node: _Obj) -> None:
        self._node = node
        self._validator: SchemaValidator | None = None

    def __call__(self, value: Any) -> Any:
        if self._validator is None:
            try:
                self._validator = SchemaValidator(_core_schema(self._node))
            except Exception:  # pydantic-core cannot build it: accept, as for a route without types
                return value
        return self._validator.validate_python(value, strict=True)


@dataclass
class _Validator:
    schema: SchemaValidator
    root: _Node


_lock = threading.Lock()
_cache: dict[tuple[str, bool], _Validator | None] = {}


def _validator(endpoint: str, lenient: bool = False, params: Any = None) -> _Validator | None:
    """The validator for ``endpoint`` (a route's path template), built on first use and kept.

    The lenient one is built only when a body outside the SDK's types first arrives: ``serve``
    prepares the strict ones only (:func:`prepare`), so it is ready sooner.
    """
    key = (endpoint, lenient)
    found = _cache.get(key, _cache)  # the cache itself: not built yet (None is a kept "no validator")
    if found is not _cache:
        return found  # type: ignore[return-value]
    with _lock:
        if key not in _cache:
            _cache[key] = _build(endpoint, lenient, params)
    return _cache[key]


def _params_type(endpoint: str, params: Any) -> tuple[Any, bool] | None:
    """The ``TypedDict`` to validate ``endpoint``'s bodies with, and whether it has a streaming twin."""
    entry = PARAMS.get(endpoint)
    if entry is not None:
        module_name, plain, streaming = entry
        return getattr(importlib.import_module(module_name), plain), streaming is not None
    if params == "sdk":  # what the installed SDK sends to this route (``path?beta=true``: its beta twin),
        from ._sdk_routes import sdk_routes_under  # read from its family's modules only

        path, _, query = endpoint.partition("?")
        wanted = dict(pair.partition("=")[::2] for pair in query.split("&") if pair)
        segment = path.split("/", 2)[1] if path.startswith("/") else ""
        routes = sdk_routes_under(segment)
        found = next((r for r in routes if r.method == "POST" and r.path == path and r.query == wanted), None)
        params = found.types().params if found is not None else None
    if params is None or not te.is_typeddict(params):
        return None
    return params, "stream" in _fields(params)


def prepare() -> None:
    """Build the strict validators of the ``PARAMS`` endpoints now, whole (``serve``, before it listens)."""
    for endpoint in PARAMS:
        built = _build(endpoint, lenient=False, eager=True)
        with _lock:
            _cache[(endpoint, False)] = built


def _build(endpoint: str, lenient: bool, params: Any = None, eager: bool = False) -> _Validator | None:
    try:
        found = _params_type(endpoint, params)
        if found is None:
            return None
        cls, streaming = found
        # One validator for both variants: the non-streaming one, with ``stream`` any boolean.
        overrides: dict[str, tuple[Any, bool]] = {"stream": (bool | None, False)} if streaming else {}
        # The SDK's params of a nested route name the path's ids (``thread_id``): they travel in the
        # path, never in the body.
        overrides.update({name: (Any, False) for name in re.findall(r"\{(\w+)\}", endpoint.partition("?")[0])})
        if lenient:
            known = _fields(cls)
            overrides.update({key: (Any, False) for key in _NEWER_PARAMS.get(endpoint, ()) if key not in known})
        root = _Converter(lenient).typeddict(cls, overrides or None)
        return _Validator(SchemaValidator(_core_schema(root, eager)), root)
    except Exception:  # this SDK lacks the type, or pydantic cannot build it: do not validate
        return None


# -- the check ------------------------------------------------------------------------------------

_NO_WARNINGS: tuple[str, ...] = ()


def check_body(
    endpoint: str,
    body: Mapping[str, Any],
    first: Callable[[Any], None] | None = None,
    strict: bool = False,
    params: Any = None,
) -> Sequence[str]:
    """Raise the real API's 400 if the API is known to reject ``body``; return the warnings to record.

    ``endpoint`` is the route's path template; ``params`` its SDK ``TypedDict`` (see ``Route.params``).
    ``first`` (an endpoint's own checks, with the real API's wording for common mistakes) runs
    before the generic error is raised, so its message wins when it applies. ``strict``: any
    departure from the SDK's parameter types is a 400, as the SDK's types were the contract.
    """
    validator = _validator(endpoint, params=params)
    if validator is None:
        return _NO_WARNINGS
    try:
        validator.schema.validate_python(body, strict=True)
    except ValidationError as exc:
        if first is not None:
            first(body)
        if strict:
            raise _api_error(validator.root, exc.errors(include_url=False), body)[1] from None
        lenient = _validator(endpoint, lenient=True, params=params)
        if lenient is not None:
            try:
                lenient.schema.validate_python(body, strict=True)
            except ValidationError as known:
                raise _api_error(lenient.root, known.errors(include_url=False), body)[1] from None
        return _deviations(validator, body)
    return _NO_WARNINGS


def _deviations(validator: _Validator, body: Mapping[str, Any]) -> list[str]:
    """What ``body`` has beyond the SDK's types, one warning each (a null for a key the SDK names is none).

    Each round names one deviation the way a 400 would, removes it from a copy, and checks again.
    """
    trial = copy.deepcopy(dict(body))
    out: list[str] = []
    for _ in range(_MAX_WARNINGS):
        try:
            validator.schema.validate_python(trial, strict=True)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            path, error = _api_error(validator.root, errors, trial)
            if not _removable(trial, path):
                # At a plain union (Responses input items) the error names the item; the key the
                # members agree is unknown is the deviation.
                path = _common_extra(validator.root, errors, trial)
                error = bad_request(
                    f"Unknown parameter: '{param_path(path)}'.", param=param_path(path), code="unknown_parameter"
                )
            if not _removable(trial, path):
                out.append(_warning(error))  # nothing that can be taken out: name it and stop
                break
            value = _value_at(trial, path[:-1]).pop(path[-1])
            if value is not None or error.code == "unknown_parameter":  # a null for a known key: "not given"
                out.append(_warning(error))
        else:
            break
    return out


def _removable(body: Any, path: tuple[Any, ...]) -> bool:
    """Whether ``path`` names a key of an object in ``body``."""
    if not path:
        return False
    parent = _value_at(body, path[:-1])
    return isinstance(parent, dict) and path[-1] in parent


def _common_extra(root: _Node, errors: list[Any], body: Any) -> tuple[Any, ...]:
    """The unknown key most union members report (the shortest path among equals), or ``()``."""
    counts: dict[tuple[Any, ...], int] = {}
    for error in errors:
        if error["type"] == "extra_forbidden":
            path = _walk(root, error).path
            if _removable(body, path):
                counts[path] = counts.get(path, 0) + 1
    if not counts:
        return ()
    return min(counts, key=lambda path: (-counts[path], len(path)))


def _warning(error: APIError) -> str:
    return f"{error.message} (accepted: outside the SDK's types, but not known to be refused by the API)"


@dataclass
class _Site:
    """A plain union on the way to an error: where it is and which member pydantic tried."""

    loc: tuple[Any, ...]
    path: tuple[Any, ...]
    node: _Union
    label: str


@dataclass
class _Walk:
    path: tuple[Any, ...]
    node: _Node | None
    sites: list[_Site]
    error: Any
    misses: int = 0


def _walk(root: _Node, error: Any) -> _Walk:
    return _walk_from(root, tuple(error["loc"]), 0, (), [], error)


def _walk_from(
    node: _Node | None, loc: tuple[Any, ...], i: int, path: tuple[Any, ...], sites: list[_Site], error: Any
) -> _Walk:
    """Follow ``loc`` through the shadow tree, collecting the body path and the unions passed."""
    misses = 0
    while i < len(loc):
        part = loc[i]
        while isinstance(node, _Nullable):
            node = node.inner
        if isinstance(node, _Obj):
            misses += part not in node.fields and i != len(loc) - 1
            path += (part,)
            node = node.fields.get(part)
        elif isinstance(node, (_Arr, _Map)):
            misses += isinstance(node, _Arr) and not isinstance(part, int)
            path += (part,)
            node = node.item if isinstance(node, _Arr) else node.value
            if i + 1 < len(loc) and loc[i + 1] == "[key]":
                i += 1
        elif isinstance(node, _Tagged):
            misses += part not in node.tags
            node = node.tags.get(part)
        elif isinstance(node, _Union):
            label = str(part)
            site = [*sites, _Site(loc[:i], path, node, label)]
            candidates: list[_Node | None] = [member for member in node.members if member.matches(label)]
            walks = [_walk_from(member, loc, i + 1, path, site, error) for member in candidates or [None]]
            best = min(walks, key=lambda walk: walk.misses)
            best.misses += misses
            return best
        else:  # past what the tree knows: keep what looks like body keys and indexes
            path += tuple(p for p in loc[i:] if isinstance(p, int) or (isinstance(p, str) and "[" not in p))
            misses += 1
            break
        i += 1
    while isinstance(node, _Nullable):
        node = node.inner
    return _Walk(path, node, sites, error, misses)


def param_path(path: Sequence[Any]) -> str:
    """``("messages", 0, "content")`` -> ``"messages[0].content"``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _api_error(root: _Node, errors: list[Any], body: Any) -> tuple[tuple[Any, ...], APIError]:
    """The one error the client most likely made, and its path in the body."""
    group = [_walk(root, error) for error in errors]
    level = 0
    while True:
        first = max(group, key=lambda walk: len(walk.path))
        if len(first.sites) <= level:
            return first.path, _single(first, body)
        site = first.sites[level]
        members: dict[str, list[_Walk]] = {}
        for walk in group:
            if len(walk.sites) > level and walk.sites[level].loc == site.loc:
                members.setdefault(walk.sites[level].label, []).append(walk)
        # A member whose own ``type``/``role`` literal did not match is not what the client meant.
        meant = {
            label: walks for label, walks in members.items() if not any(_wrong_member(walk, level) for walk in walks)
        } or members
        depth = {label: max(len(w.path) for w in walks) for label, walks in meant.items()}
        deepest = max(depth.values())
        winners = [label for label, d in depth.items() if d == deepest]
        same = {(w.path, w.error["type"]) for label in winners for w in meant[label] if len(w.path) == deepest}
        if deepest == len(site.path) or (len(winners) > 1 and len(same) > 1):
            return site.path, _at_union(site, body)
        # Keep the walks that reach a deeper union too: there a wrong member is told apart from the
        # one the client meant, even when the wrong one's error lies deeper.
        group = [w for w in meant[winners[0]] if len(w.path) == deepest or len(w.sites) > level + 1]
        level += 1


def _wrong_member(walk: _Walk, level: int) -> bool:
    """An error saying the member is not what the client meant: a ``type``/``role`` literal of the
    member (or of its parts) did not match, or the member requires a ``type``/``role`` the body lacks."""
    if len(walk.sites) != level + 1 or not walk.path or walk.path[-1] not in _DISCRIMINATORS:
        return False
    kind = walk.error["type"]
    own_key = len(walk.path) == len(walk.sites[level].path) + 1
    return kind == "literal_error" or (kind == "missing" and own_key)


def _value_at(body: Any, path: Sequence[Any]) -> Any:
    for part in path:
        try:
            body = body[part]
        except (KeyError, IndexError, TypeError):
            return None
    return body


def _at_union(site: _Site, body: Any) -> APIError:
    param = param_path(site.path)
    value = _value_at(body, site.path)
    kinds = site.node.kinds()
    for member in site.node.members:
        if (
            isinstance(member, _Leaf)
            and member.literals is not None
            and member.kind is not None
            and _raised(check_type, value, param, member.kind, nullable=False) is None
        ):
            found = _raised(check_enum, value, param, tuple(map(str, member.literals)))
            if found is not None:
                return found
    try:
        check_type(value, param, *[k for k in kinds if k != "null"] or ["object"], nullable="null" in kinds)
    except APIError as error:
        return error
    return bad_request(
        f"Invalid value for '{param}': {describe(value)} that matches none of the accepted forms.",
        param=param,
        code="invalid_value",
    )


def _single(walk: _Walk, body: Any) -> APIError:
    error = walk.error
    kind = error["type"]
    param = param_path(walk.path)
    if kind == "missing":
        return _missing(param)
    if kind == "extra_forbidden":
        return bad_request(f"Unknown parameter: '{param}'.", param=param, code="unknown_parameter")
    if kind in ("union_tag_invalid", "union_tag_not_found") and isinstance(walk.node, _Tagged):
        key_param = f"{param}.{walk.node.key}" if param else walk.node.key
        if kind == "union_tag_not_found":
            return _missing(key_param)
        found = _raised(check_enum, error["ctx"]["tag"], key_param, tuple(map(str, walk.node.tags)))
        if found is not None:
            return found
    value = error.get("input")
    node = walk.node
    if (
        kind == "literal_error"
        and isinstance(node, _Leaf)
        and node.literals is not None
        and (node.kind is None or _raised(check_type, value, param, node.kind, nullable=False) is None)
    ):
        found = _raised(check_enum, value, param, tuple(map(str, node.literals)))
        if found is not None:
            return found
    kinds = [kind for kind in (node.kinds() if node is not None else []) if kind != "null"]
    if kinds:
        found = _raised(check_type, value, param, *kinds, nullable=False)
        if found is not None:
            return found
    return bad_request(f"Invalid value for '{param}': {error['msg']}.", param=param or None, code="invalid_value")


def _missing(param: str) -> APIError:
    return bad_request(f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter")


def _raised(check: Callable[..., None], *args: Any, **kwargs: Any) -> APIError | None:
    """The error ``check`` raises, or ``None``."""
    try:
        check(*args, **kwargs)
    except APIError as error:
        return error
    return None
