"""Every other route the installed SDK can call, answered from the SDK's own types with consistent CRUD.

The routes come from :mod:`fakeopenai._sdk_routes` (read from the SDK's resource modules) and the
bodies from :mod:`fakeopenai._sdk_bodies`. What a route does follows from its shape:

- ``POST /things`` (with a ``/things/{id}`` route beside it) creates a thing: a new id, the request's
  values copied into the fields that take them, kept in the store;
- ``GET /things`` (a page) lists the things created under that path, with the real paging;
- ``GET /things/{id}`` retrieves, ``POST`` (or ``PUT``/``PATCH``) updates with the request's values,
  ``DELETE`` deletes (the API's ``…deleted`` object; a later retrieve is the real 404);
- ``POST /things/{id}/cancel`` (any action on a thing) answers the thing, its ``status`` moved when
  the verb names one its type allows (``cancel`` -> ``cancelled``);
- anything else answers a fresh object of its response type.

An id that was never created is the real API's 404, for the thing and for every parent in the path
(``/threads/{thread_id}/messages``), unless the fake runs in ``any_id`` mode, where it is made up.
Streams the SDK can open here (assistants runs) are a valid event sequence ending as the API ends it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from .._errors import APIError
from .._sdk_bodies import Context, instance
from .._sdk_routes import SdkRoute, sdk_routes_under
from .._state import JSON, SSE, State
from .._wire import Event, Request, Response, dumps, sse
from ._common import ok, page

__all__ = ["GeneratedObject", "Plan", "find", "handle"]

_PARAM = re.compile(r"^\{\w+\}$")
# An action's verb -> the status it leaves the object in, when the object's status allows it.
_VERB_STATUS = {
    "cancel": ("cancelling", "cancelled", "canceled"),
    "archive": ("archived",),
    "unarchive": ("active",),
    "pause": ("paused",),
    "resume": ("active", "running", "in_progress"),
    "complete": ("completed",),
    "activate": ("active",),
    "deactivate": ("inactive", "disabled"),
}


@dataclass(eq=False)
class GeneratedObject:
    """An object created through a generated route, kept in the store under its path
    (``/threads/thread_abc/messages/msg_def``: ids of different kinds never collide)."""

    collection: str
    body: dict[str, Any]
    type: Any

    @property
    def key(self) -> str:
        return f"{self.collection}/{self.body.get('id')}"

    def as_type(self, cls: Any, state: State) -> Any:
        """The body as ``cls`` (a list or retrieve may type the object otherwise than its create did)."""
        if cls is self.type or cls is None:
            return self.body
        context = Context(state.now(), state.ids, self.body, self.body.get("id"))
        return instance(cls, context)


@dataclass(frozen=True)
class Plan:
    """What a generated route does: ``kind`` (create, list, retrieve, update, delete, action, other)
    and the collection template its objects live in."""

    route: SdkRoute
    kind: str
    collection: str | None
    #: The template of the item a retrieve/update/delete/action names (``/things/{id}``).
    item: str | None = None


class _Table:
    def __init__(self, routes: list[SdkRoute]) -> None:
        templates = {route.path for route in routes}
        self.items = {path for path in templates if _PARAM.match(path.rsplit("/", 1)[-1])}
        self.retrieves = {route.path: route for route in routes if route.method == "GET" and route.path in self.items}
        self.plans: list[tuple[re.Pattern[str], Plan, dict[str, str]]] = []
        for route in sorted(routes, key=_specificity):
            self.plans.append((route.pattern(), _plan(route, self.items), route.query))

    def item_type(self, template: str | None) -> Any:
        """The type a retrieve of ``template`` answers (``None`` when the SDK cannot retrieve it)."""
        found = self.retrieves.get(template or "")
        return found.types().response if found is not None else None

    def find(self, method: str, endpoint: str, query: Any) -> tuple[Plan | None, dict[str, str]]:
        for pattern, plan, wanted in self.plans:
            if plan.route.method != method:
                continue
            found = pattern.match(endpoint)
            if found and all(query.get(key) == value for key, value in wanted.items()):
                return plan, found.groupdict()
        return None, {}


def _specificity(route: SdkRoute) -> tuple[int, int, int]:
    segments = route.path.split("/")
    literal = sum(1 for segment in segments if not _PARAM.match(segment))
    return (-len(route.query), -literal, -len(segments))


def _plan(route: SdkRoute, items: set[str]) -> Plan:
    path = route.path
    parent, _, last = path.rpartition("/")
    if route.method == "GET" and "page" in route.expressions:
        return Plan(route, "list", path)
    if path in items:
        kind = {"GET": "retrieve", "DELETE": "delete"}.get(route.method, "update")
        return Plan(route, kind, parent, path)
    if route.method == "POST" and any(item.rpartition("/")[0] == path for item in items):
        return Plan(route, "create", path)
    if route.method == "POST" and parent in items and last:
        return Plan(route, "action", parent.rpartition("/")[0], parent)
    return Plan(route, "other", None)


_lock = threading.Lock()
# One table per first path segment (``/vector_stores/...``): a route, its parents and its items all
# live under one, so a first request reads only the SDK modules of its own family.
_tables: dict[str, _Table] = {}


def _table(path: str) -> _Table:
    segment = path.split("/", 2)[1] if path.startswith("/") else ""
    table = _tables.get(segment)
    if table is None:
        with _lock:
            table = _tables.get(segment)
            if table is None:
                table = _tables[segment] = _Table(sdk_routes_under(segment))
    return table


def find(method: str, endpoint: str, query: Any) -> tuple[Plan | None, dict[str, str]]:
    """The generated route for a request, and its path parameters (``None`` when the SDK has none)."""
    return _table(endpoint).find(method, endpoint, query)


def _concrete(template: str, params: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: params.get(match.group(1), match.group(0)), template)


def _label(template: str) -> str:
    """``/threads/{thread_id}/messages`` -> ``message`` (for 404 wording)."""
    segment = template.rstrip("/").rsplit("/", 1)[-1]
    if segment.endswith(("ches", "shes", "sses", "xes")):
        return segment[:-2]
    return segment[:-1] if segment.endswith("s") else segment


def _not_found(template: str, obj_id: str) -> APIError:
    # The wording of the real API varies by resource ("No assistant found with id 'asst_abc'." is the
    # assistants one); this is that form for every generated resource.
    return APIError(404, f"No {_label(template).replace('_', ' ')} found with id '{obj_id}'.")


def _values(request: Request, params: dict[str, str]) -> dict[str, Any]:
    return {**params, **request.body_object}


def _context(state: State, request: Request, values: dict[str, Any], object_id: str | None = None) -> Context:
    model = values.get("model")
    return Context(
        now=state.now(),
        ids=state.ids,
        values=values,
        object_id=object_id,
        model=model if isinstance(model, str) else "gpt-4o-mini",
    )


def _check_parents(state: State, plan: Plan, params: dict[str, str]) -> None:
    """The real 404 for a parent in the path (``thread_id``) that was never created."""
    if state.any_id:
        return
    table = _table(plan.route.path)
    segments = plan.route.path.split("/")
    last = len(segments) - 1 if plan.kind in ("retrieve", "update", "delete") else len(segments)
    for index in range(1, last):
        segment = segments[index]
        if not _PARAM.match(segment):
            continue
        template = "/".join(segments[: index + 1])
        if template not in table.items:
            continue
        obj_id = params.get(segment[1:-1], "")
        path = _concrete(template, params)
        if obj_id not in state.store and path not in state.store:  # a family's object, or a generated one
            raise _not_found("/".join(segments[:index]), obj_id)


def _item(state: State, plan: Plan, params: dict[str, str], request: Request) -> GeneratedObject:
    """The object a retrieve/update/delete/action names (made up in ``any_id`` mode)."""
    assert plan.collection is not None
    assert plan.item is not None
    obj_id = params.get(plan.item.rsplit("/", 1)[-1][1:-1], "")
    collection = _concrete(plan.collection, params)
    found = state.store.get(f"{collection}/{obj_id}")
    if isinstance(found, GeneratedObject):
        return found
    if not state.any_id:
        raise _not_found(plan.collection, obj_id)
    item_type = _table(plan.route.path).item_type(plan.item) or plan.route.types().response
    body = instance(item_type, _context(state, request, dict(params), obj_id))
    made = GeneratedObject(collection, body if isinstance(body, dict) else {"id": obj_id}, item_type)
    state.store[made.key] = made
    return made


def handle(state: State, request: Request, plan: Plan) -> Response:
    """Answer ``request`` on a generated route."""
    params = request.params
    route = plan.route
    types = route.types()
    _check_parents(state, plan, params)
    values = _values(request, params)
    if plan.kind == "list":
        assert plan.collection is not None
        collection = _concrete(plan.collection, params)
        item_type = route.types().item
        stored = [obj for obj in state.store.all(GeneratedObject) if obj.collection == collection]
        items = [obj.as_type(item_type, state) for obj in stored]
        order = "desc" if request.query.get("order") in ("asc", "desc") else None
        return ok(state, page(items, request, order=order, lenient=True))
    if plan.kind == "create":
        assert plan.collection is not None
        body = instance(types.response, _context(state, request, values))
        if not isinstance(body, dict):
            return _answer(state, request, route, body)
        if request.preset_id:
            body["id"] = request.preset_id
        if isinstance(body.get("id"), str):
            created = GeneratedObject(_concrete(plan.collection, params), body, types.response)
            state.store[created.key] = created
        return _answer(state, request, route, body)
    if plan.kind in ("retrieve", "update", "delete", "action"):
        obj = _item(state, plan, params, request)
        if plan.kind == "retrieve":
            return _answer(state, request, route, obj.as_type(types.response, state))
        if plan.kind == "update":
            fresh = instance(types.response, _context(state, request, values, obj.body.get("id")))
            if isinstance(fresh, dict):
                for key, value in values.items():  # the values the type took (echoed into ``fresh``)
                    if key in obj.body and key not in params and fresh.get(key) == value:
                        obj.body[key] = value
            return _answer(state, request, route, obj.body)
        if plan.kind == "delete":
            obj_id = obj.body.get("id")
            state.store.pop(obj.key, None)
            return _answer(state, request, route, instance(types.response, _context(state, request, values, obj_id)))
        verb = route.path.rsplit("/", 1)[-1]
        if types.response is obj.type or types.response is None:
            _move_status(obj, verb)
            return _answer(state, request, route, obj.body)
    return _answer(state, request, route, instance(types.response, _context(state, request, values)))


def _move_status(obj: GeneratedObject, verb: str) -> None:
    fields = getattr(obj.type, "model_fields", {})
    status = fields.get("status")
    if status is None:
        return
    import typing_extensions as te

    allowed: set[Any] = set()
    stack = [status.annotation]
    while stack:
        annotation = stack.pop()
        args = te.get_args(annotation)
        if te.get_origin(annotation) in (te.Literal,):
            allowed.update(args)
        else:
            stack.extend(args)
    for candidate in _VERB_STATUS.get(verb, ()):
        if candidate in allowed:
            obj.body["status"] = candidate
            return


def _answer(state: State, request: Request, route: SdkRoute, body: Any) -> Response:
    types = route.types()
    response = types.response
    if route.streams and types.stream is not None and (request.stream or route.method == "GET"):
        return _stream(state, request, types.stream, body)
    if response is str:
        return Response(200, state.headers("text/plain; charset=utf-8"), b"")
    if isinstance(response, type) and response.__name__.endswith("BinaryResponseContent"):
        return Response(200, state.headers("application/octet-stream"), b"")
    if response is type(None):
        return Response(200, state.headers(JSON), b"")
    return Response(200, state.headers(JSON), dumps(body))


def _stream(state: State, request: Request, event_type: Any, body: Any) -> Response:
    """An event stream of the SDK's ``event_type``: an assistants run's life then ``done``; for other
    streams, the event that opens them (``…created``), as ``event:`` and ``data:`` lines."""
    from . import assistant_stream

    if assistant_stream.is_assistant_stream(event_type):
        events = assistant_stream.events(state, request, event_type, body)
        data = b"".join(sse(payload, name) for name, payload in events) + b"event: done\ndata: [DONE]\n\n"
    else:
        members = assistant_stream.members(event_type)
        opening = next((member for member in members if member.__name__.endswith("CreatedEvent")), None)
        event = instance(opening or members[0], _context(state, request, _values(request, request.params)))
        data = sse(event, event.get("type") if isinstance(event, dict) else None)
    return Response(200, state.headers(SSE), events=[Event(0.0, data)])
