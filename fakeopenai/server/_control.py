"""The control API under ``/_fakeopenai/``: script the fake and read what it saw, over HTTP.

=======  ========================  ==========================================================
POST     /_fakeopenai/replies      queue replies: ``fake.reply`` fields, ``times``, ``match``
POST     /_fakeopenai/failures     queue errors: ``fake.fail`` fields, ``times``, ``endpoint``
POST     /_fakeopenai/rules        add rules: ``{"match", "reply" | "fail", "times"}``
POST     /_fakeopenai/scenario     apply a scenario document (``{"rules", "queue", "rate_limit", "fail_rate"}``)
POST     /_fakeopenai/rate_limit   set (replace) the rate limit: ``fake.rate_limit`` fields
GET      /_fakeopenai/rate_limit   the limit in force and each model's remaining budget (``?model=``)
DELETE   /_fakeopenai/rate_limit   lift the rate limit (``fake.limits = None``)
POST     /_fakeopenai/fail_rate    add seeded failure rates: ``fake.fail_rate`` fields
POST     /_fakeopenai/seed         create objects the code expects: ``{"path", "body", "files", "id"}``
DELETE   /_fakeopenai/fail_rate    remove every failure rate
GET      /_fakeopenai/requests     the recorded requests (``?endpoint=/chat/*`` filters)
GET      /_fakeopenai/status       process id, counts of requests and queued answers, every route
GET      /_fakeopenai/script       the queue, rules, failure rates, rate limit and default timing
GET      /_fakeopenai/             this list as JSON (``routes``); a browser gets the inspector page
GET      /_fakeopenai/events       Server-Sent Events: each request and answer, script changes
POST     /_fakeopenai/reset        back to the start-up state: forget everything, restore the
                                   start-up rate limit, apply the start-up scenario again
=======  ========================  ==========================================================

Bodies take one object or a list of them. Bad input answers 400 with an OpenAI-shaped error and
changes nothing.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import _scenario
from .._errors import APIError, invalid_json
from .._wire import Request, parse_json
from ._asgi import CONTROL_PREFIX

if TYPE_CHECKING:
    from ._asgi import FakeOpenAIApp

__all__ = ["handle", "request_json", "routes", "script_json"]

Handler = Callable[["FakeOpenAIApp", Mapping[str, str], bytes], Any]


def _body(data: bytes) -> Any:
    if not data.strip():
        raise APIError(400, "The request body is empty: send a JSON object or a list of them.")
    try:
        return parse_json(data)  # NaN, Infinity, 1e400, lone surrogates and deep nesting are refused
    except ValueError:
        raise invalid_json() from None


def _timing(app: FakeOpenAIApp) -> dict[str, float]:
    state = app.fake._state
    return {"ttft": state.ttft, "token_delay": state.token_delay}


def _queued(app: FakeOpenAIApp, entries: Sequence[_scenario.Step]) -> dict[str, Any]:
    _scenario.apply(app.fake, entries)
    return {"object": "fakeopenai.scripted", "added": len(entries), "pending": app.fake._state.script.pending_count()}


def _replies(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """Queue replies: ``fake.reply`` fields, ``times``, ``match``."""
    return _queued(app, _scenario.reply_entries(_body(data), **_timing(app)))


def _failures(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """Queue errors: ``fake.fail`` fields, ``times``, ``endpoint``."""
    return _queued(app, _scenario.failure_entries(_body(data)))


def _rules(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """Add rules: ``{"match", "reply" | "fail", "times"}``."""
    return _queued(app, _scenario.rule_entries(_body(data), **_timing(app)))


def _scenario_doc(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """Apply a scenario document (``rules``, ``queue``, ``rate_limit``, ``fail_rate``)."""
    return _queued(app, _scenario.parse_scenario(_body(data), **_timing(app)))


def _limit_json(app: FakeOpenAIApp, models: list[str]) -> dict[str, Any]:
    """The rate limit in force (``null`` fields when none) and what ``models`` may still use."""
    limits = app.fake.limits
    if limits is None:
        return {"object": "fakeopenai.rate_limit", "rpm": None, "tpm": None, "model": None, "remaining": {}}
    asked = [model for model in models if limits.model is None or fnmatch.fnmatchcase(model, limits.model)]
    remaining = {}
    for model in sorted({*limits.models(), *asked}):  # the models that used the limit, and those asked about
        requests, tokens = limits.remaining(model)
        remaining[model] = {"requests": requests, "tokens": tokens}
    limit = {"rpm": limits.rpm, "tpm": limits.tpm, "model": limits.model}
    return {"object": "fakeopenai.rate_limit", **limit, "remaining": remaining}


def _set_limit(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """Set (replace) the rate limit: ``fake.rate_limit`` fields."""
    _scenario.apply(app.fake, [_scenario.build_rate_limit(_body(data))])
    return _limit_json(app, [])


def _get_limit(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """The limit in force and each model's remaining budget (``?model=``)."""
    return _limit_json(app, [query["model"]] if query.get("model") else [])


def _lift_limit(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """Lift the rate limit."""
    app.fake.limits = None
    return _limit_json(app, [])


def _add_rates(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """Add seeded failure rates: ``fake.fail_rate`` fields."""
    specs = _scenario.fail_rate_entries(_body(data))
    _scenario.apply(app.fake, specs)
    return {"object": "fakeopenai.fail_rate", "added": len(specs)}


def _seed(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """Create objects the code expects: ``{"path", "body", "files", "id"}``."""
    specs = _scenario.seed_entries(_body(data))
    created = []
    for spec in specs:
        try:
            created.append(app.fake.seed(spec.path, spec.body, files=spec.files or None, id=spec.id))
        except ValueError as error:
            raise APIError(400, str(error), param="path") from None
    return {"object": "list", "data": created}


def _clear_rates(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """Remove every failure rate."""
    return {"object": "fakeopenai.fail_rate", "deleted": app.fake._state.script.clear_rates()}


def request_json(index: int, request: Request) -> dict[str, Any]:
    """A recorded request as the control API lists it."""
    item: dict[str, Any] = {
        "index": index,
        "method": request.method,
        "path": request.path,
        "endpoint": request.endpoint,
        "query": dict(request.query),
        "headers": dict(request.headers),
        "json": request.json,
        "status": request.status,
        "model": request.model,
        "stream": request.stream,
        "read_to_end": request.read_to_end,
        "warnings": list(request.warnings),
    }
    if request.json is None and request.body:
        item["body"] = request.body.decode("utf-8", "replace")
    return item


def _requests(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """The recorded requests (``?endpoint=/chat/*`` filters)."""
    pattern = query.get("endpoint")
    listed = [
        request_json(i, request)
        for i, request in enumerate(app.fake.requests)
        if pattern is None or fnmatch.fnmatchcase(request.endpoint, pattern)
    ]
    return {"object": "list", "data": listed}


def _status(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """Process id, counts of requests and queued answers, and every control route."""
    return {
        "object": "fakeopenai.status",
        "pid": os.getpid(),
        "requests": len(app.fake.requests),
        "dropped": app.fake.requests.dropped,
        "pending": app.fake._state.script.pending_count(),
        "routes": routes(),
    }


def _short(value: Any, limit: int = 300) -> str:
    """A dataclass as its non-default fields (``Reply(text='Hi')``), a function by name, else ``repr``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        shown = [
            f"{f.name}={_short(getattr(value, f.name), limit)}"
            for f in dataclasses.fields(value)
            if f.repr and getattr(value, f.name) != _default(f)
        ]
        text = f"{type(value).__name__}({', '.join(shown)})"
    elif callable(value):
        text = f"<function {getattr(value, '__qualname__', type(value).__name__)}>"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return dataclasses.MISSING


def _match_json(match: Any) -> dict[str, str]:
    return {f.name: _short(getattr(match, f.name)) for f in dataclasses.fields(match) if getattr(match, f.name)}


def script_json(app: FakeOpenAIApp) -> dict[str, Any]:
    """What the fake will answer: the queue, the rules, failure rates, the rate limit, the default timing."""
    entries = app.fake._state.script.entries()
    return {
        "object": "fakeopenai.script",
        "queue": [{"answer": _short(a), "match": _match_json(m), "times": t} for a, m, t in entries["queue"][:500]],
        "rules": [{"answer": _short(a), "match": _match_json(m), "times": t} for a, m, t in entries["rules"][:500]],
        "fail_rates": [{"failure": _short(f), "match": _match_json(m), "rate": r} for f, m, r in entries["rates"]],
        "rate_limit": _limit_json(app, []),
        "timing": _timing(app),
    }


def _script(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """The queue, the rules, failure rates, the rate limit and the default timing, as the fake holds them."""
    return script_json(app)


def routes() -> list[dict[str, str]]:
    """Every control route: method, path and what it does (the handlers' docstrings, and the inspector's)."""
    from ._inspector import ROUTES

    listed = [
        {"method": method, "path": CONTROL_PREFIX + path, "description": _describe(method, path, handler)}
        for (method, path), handler in _ROUTES.items()
    ]
    return listed + [{"method": m, "path": CONTROL_PREFIX + p, "description": d} for m, p, d in ROUTES]


def _describe(method: str, path: str, handler: Handler) -> str:
    """A route's description: its handler's docstring, else its line in this module's table."""
    if handler.__doc__:
        return handler.__doc__.strip()
    found = re.search(rf"^{method} +/_fakeopenai{re.escape(path)} +(.+)$", __doc__ or "", flags=re.MULTILINE)
    return found.group(1).strip() if found else ""


def _index(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """This index (JSON; a browser gets the inspector page)."""
    return {"object": "fakeopenai.index", "routes": routes()}


def _reset(app: FakeOpenAIApp, query: Mapping[str, str], data: bytes) -> Any:
    """Back to the start-up state: forget everything, apply the start-up scenario again."""
    app.reset()
    return {"object": "fakeopenai.reset", "pending": app.fake._state.script.pending_count()}


_ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", ""): _index,
    ("POST", "/replies"): _replies,
    ("POST", "/failures"): _failures,
    ("POST", "/rules"): _rules,
    ("POST", "/scenario"): _scenario_doc,
    ("POST", "/rate_limit"): _set_limit,
    ("GET", "/rate_limit"): _get_limit,
    ("DELETE", "/rate_limit"): _lift_limit,
    ("POST", "/fail_rate"): _add_rates,
    ("DELETE", "/fail_rate"): _clear_rates,
    ("POST", "/seed"): _seed,
    ("GET", "/requests"): _requests,
    ("GET", "/status"): _status,
    ("GET", "/script"): _script,
    ("POST", "/reset"): _reset,
}
_PATHS = {path for _, path in _ROUTES}


def handle(app: FakeOpenAIApp, method: str, path: str, query: Mapping[str, str], data: bytes) -> tuple[int, Any]:
    """Status and JSON payload for one control request (``path`` without the ``/_fakeopenai`` prefix)."""
    path = path.rstrip("/")
    route = _ROUTES.get((method, path))
    try:
        if route is None:
            if path in _PATHS:
                raise APIError(405, f"Method {method} not allowed for /_fakeopenai{path}.")
            raise APIError(
                404, f"Invalid control URL ({method} /_fakeopenai{path}); see /_fakeopenai/status and docs/server.md."
            )
        return 200, route(app, query, data)
    except APIError as error:
        return error.status, error.body()
    except _scenario.ScenarioError as error:
        return 400, APIError(400, error.message, param=error.param).body()
    except Exception as exc:  # a bug of ours answers like the API instead of breaking the connection
        return 500, APIError(500, f"fakeopenai internal error: {type(exc).__name__}: {exc}", type="server_error").body()
