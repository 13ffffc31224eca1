"""The routes the installed ``openai`` SDK can call, read from its own resource modules.

Every resource method of the SDK ends in ``self._get/_post/_put/_patch/_delete(path, ...,
cast_to=Type)`` or ``self._get_api_list(path, page=Page[Item])``. The source of each resource module
(``openai/resources/**.py``) is parsed with :mod:`ast` and those calls are read: the method, the path
template (``"/assistants/{assistant_id}"``, from ``path_template(...)`` in openai 3.x and from an
f-string in 1.x), the response type, the page and item types of lists, the event type of streams,
and the parameter ``TypedDict`` of the body. The types are evaluated in the module's own namespace,
so they are the installed SDK's classes. Nothing is copied: a newer SDK brings its routes with it.

The table is read on first use, never at ``import fakeopenai``: each call is found in the source
text and only the call itself is parsed, and a route's types are evaluated (its module imported) on
the first request to that route.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import os
import re
import threading
import typing
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SdkRoute", "Types", "sdk_routes", "sdk_routes_under"]

_VERBS = {"_get": "GET", "_post": "POST", "_put": "PUT", "_patch": "PATCH", "_delete": "DELETE", "_get_api_list": "GET"}
_CALL = re.compile(r"self\.(_get_api_list|_get|_post|_put|_patch|_delete)\(")
_CLASS = re.compile(r"^class (\w+)\((\w+)\):", re.M)
_DEF = re.compile(r"^    (?:async )?def (\w+)\(", re.M)


@dataclass(frozen=True)
class Types:
    """The SDK types of a route, evaluated in its resource module."""

    response: Any
    page: Any
    item: Any
    stream: Any
    params: Any


@dataclass
class SdkRoute:
    """One method and path the SDK calls, and what it expects back.

    ``path`` is the template (``/assistants/{assistant_id}``); ``query`` the query parameters the
    SDK puts in the path itself (``?beta=true``); ``resource`` the SDK method
    (``beta.assistants.create``); ``multipart`` whether the body is a form; ``streams`` whether the
    route can answer with events. :meth:`types` imports the resource module and evaluates the
    response, page, item, event and parameter types there (on first use of the route only).
    """

    method: str
    path: str
    query: dict[str, str]
    module: str
    resource: str
    multipart: bool
    streams: bool
    expressions: dict[str, ast.expr] = field(repr=False)
    _types: Types | None = field(default=None, repr=False)

    def types(self) -> Types:
        found = self._types
        if found is None:
            try:
                namespace = vars(importlib.import_module(self.module))
            except Exception:  # a resource that cannot import here: no types, answered generically
                namespace = {}
            values = {key: _evaluate(node, namespace) for key, node in self.expressions.items()}
            if "stream_class" in values:  # a stream class of its own: its event type is its base's argument
                values["stream"] = _event_type(values.pop("stream_class"))
            found = self._types = Types(*(values.get(key) for key in ("cast_to", "page", "item", "stream", "params")))
        return found

    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path) + "$")


_lock = threading.Lock()
_routes: list[SdkRoute] | None = None


def sdk_routes() -> list[SdkRoute]:
    """Every route of the installed SDK (one per method, path and query), read once."""
    global _routes
    if _routes is None:
        with _lock:
            if _routes is None:
                _routes = _build()
    return _routes


_under: dict[str, list[SdkRoute]] = {}


def sdk_routes_under(segment: str) -> list[SdkRoute]:
    """The routes whose path starts with ``/segment`` (``"vector_stores"``), read once per segment.

    Only the resource modules whose source names ``"/segment`` are parsed (a few of the SDK's
    ~180): the first request to a generated route costs milliseconds, not the whole table.
    """
    found = _routes_under(segment, _routes) if _routes is not None else _under.get(segment)
    if found is None:
        with _lock:
            found = _under.get(segment)
            if found is None:
                found = _under[segment] = _build(segment) if segment.isidentifier() else []
    return found


def _routes_under(segment: str, routes: list[SdkRoute]) -> list[SdkRoute]:
    return [route for route in routes if route.path.split("/", 2)[1] == segment]


@functools.cache
def _modules() -> list[tuple[str, str]]:
    """(module name, file) of every resource module of the installed SDK, in a stable order (listed once)."""
    spec = importlib.util.find_spec("openai.resources")
    out = []
    for root in (spec.submodule_search_locations or []) if spec else []:
        start = len(os.path.join(root, ""))  # the path below root, by slicing (relpath costs ~10 µs a file)
        for directory, _, names in sorted(os.walk(root)):
            for name in sorted(names):
                if not name.endswith(".py"):
                    continue
                path = os.path.join(directory, name)
                relative = path[start : -len(".py")].replace(os.sep, ".")
                out.append(("openai.resources." + relative.removesuffix(".__init__"), path))
    return out


def _build(segment: str | None = None) -> list[SdkRoute]:
    """Every route (``segment=None``), or those under ``/segment`` from the modules that name it."""
    found: dict[tuple[str, str, str], SdkRoute] = {}
    needle = f"/{segment}".encode() if segment is not None else b""
    marks = (f'"/{segment}', f"'/{segment}")
    for module, path in _modules():
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError:
            continue
        if needle and needle not in data:  # bytes, searched before decoding: most modules stop here
            continue
        source = data.decode("utf-8", "replace")
        if segment is not None and not any(mark in source for mark in marks):
            continue
        for route in _module_routes(source, module):
            key = (route.method, route.path, repr(sorted(route.query.items())))
            found.setdefault(key, route)
    routes = list(found.values())
    return routes if segment is None else _routes_under(segment, routes)


def _module_routes(source: str, module: str) -> list[SdkRoute]:
    """The routes called by the sync resource classes of one module's source."""
    classes = [(match.start(), match.group(2)) for match in _CLASS.finditer(source)]
    methods = [(match.start(), match.group(1)) for match in _DEF.finditer(source)]
    prefix = module.removeprefix("openai.resources.")
    out = []
    for match in _CALL.finditer(source):
        position = match.start()
        base = next((kind for start, kind in reversed(classes) if start < position), None)
        if base != "SyncAPIResource":
            continue
        function = next((name for start, name in reversed(methods) if start < position), "")
        if function.startswith("_"):
            continue
        end = _closing(source, match.end())
        if end is None:
            continue
        try:
            call = ast.parse(source[match.start() : end], mode="eval").body
        except SyntaxError:
            continue
        route = _route_of(call, match.group(1), module, f"{prefix}.{function}")
        if route is not None:
            out.append(route)
    return out


def _closing(source: str, start: int) -> int | None:
    """The index just after the parenthesis that closes the one opened before ``start``."""
    depth = 1
    index = start
    length = len(source)
    while index < length:
        char = source[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return index + 1
        elif char in "\"'":  # skip a string literal (it may hold brackets)
            quote = source[index : index + 3] if source[index : index + 3] in ('"""', "'''") else char
            close = source.find(quote, index + len(quote))
            if close < 0:
                return None
            index = close + len(quote)
            continue
        index += 1
    return None


def _route_of(node: ast.expr, verb: str, module: str, resource: str) -> SdkRoute | None:
    if not isinstance(node, ast.Call) or not node.args:
        return None
    template = _path(node.args[0])
    if template is None:
        return None
    path, _, query_text = template.partition("?")
    query = dict(pair.partition("=")[::2] for pair in query_text.split("&") if pair)
    keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
    method = _VERBS[verb]
    if "method" in keywords and isinstance(keywords["method"], ast.Constant):
        method = str(keywords["method"].value).upper()
    expressions: dict[str, ast.expr] = {}
    if "cast_to" in keywords:
        expressions["cast_to"] = keywords["cast_to"]
    page = keywords.get("page")
    if isinstance(page, ast.Subscript):
        expressions["page"] = page.value
        expressions["item"] = page.slice
        expressions["cast_to"] = page
    if "model" in keywords and "item" not in expressions:
        expressions["item"] = keywords["model"]
    stream = keywords.get("stream_cls")
    if isinstance(stream, ast.Subscript):
        expressions["stream"] = stream.slice
    elif stream is not None:
        expressions["stream_class"] = stream
    if "body" in keywords:
        params = _params(keywords["body"])
        if params is not None:
            expressions["params"] = params
    return SdkRoute(method, path, query, module, resource, "files" in keywords, stream is not None, expressions)


def _path(node: ast.expr) -> str | None:
    """The path template of the call's first argument (a string, an f-string or ``path_template(...)``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name):
                parts.append("{" + value.value.id + "}")
            else:
                return None
        return "".join(parts)
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        template = node.args[0].value
        return template if isinstance(template, str) else None
    return None


def _params(node: ast.expr) -> ast.expr | None:
    """The ``TypedDict`` a body is transformed with (``maybe_transform({...}, X.Params)``)."""
    if isinstance(node, ast.Await):
        node = node.value
    if not isinstance(node, ast.Call) or len(node.args) < 2:
        return None
    target = node.args[1]
    if isinstance(target, ast.IfExp):  # streaming and non-streaming params: the non-streaming one
        target = target.orelse
    return target


def _event_type(stream_class: Any) -> Any:
    """``X`` of a ``class S(Stream[X], ...)`` (``None`` when it cannot be told)."""
    for base in getattr(stream_class, "__orig_bases__", ()):
        args = getattr(base, "__args__", ())
        if args and not isinstance(args[0], typing.TypeVar):
            return args[0]
    return None


def _evaluate(node: ast.expr, namespace: dict[str, Any]) -> Any:
    """A type expression of the SDK's source, evaluated where it was written; ``None`` if it cannot be."""
    try:
        return eval(compile(ast.Expression(node), "<sdk>", "eval"), namespace)  # the SDK's own names only
    except Exception:
        return None
