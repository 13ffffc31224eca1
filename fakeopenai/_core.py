"""The sans-I/O core: a :class:`~fakeopenai._wire.Request` in, a :class:`~fakeopenai._wire.Response` out.

It records the request, routes it to its endpoint and turns every error (scripted, validation, or a
bug of ours) into an OpenAI-shaped answer. It never sleeps and never touches a socket.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._errors import APIError, invalid_json
from ._state import JSON, State
from ._wire import Request, Response, dumps
from .endpoints import chat, chat_store, completions, embeddings, models, moderations, responses, traces

if TYPE_CHECKING:
    from ._cassette import Cassette

__all__ = ["ROUTES", "Route", "handle", "normalize", "seed"]

Handler = Callable[[State, Request], Response]

# Clients reach the API as /v1/..., Azure as /openai/..., /openai/deployments/<name>/..., and
# openai-python's own test suite at the root.
_PREFIX = re.compile(r"^(?:/openai)?(?:/v1)?(?:/deployments/[^/]+)?(?=/)")


_normalized: dict[str, str] = {}


def normalize(path: str) -> str:
    """The API path without ``/v1``, ``/openai`` or an Azure deployment prefix."""
    found = _normalized.get(path)
    if found is None:
        found = _PREFIX.sub("", path, count=1).rstrip("/") or "/"
        if len(_normalized) < 4096:  # paths with ids are many: keep the first few thousand
            _normalized[path] = found
    return found


@dataclass(frozen=True)
class Route:
    """An endpoint: method, path (``{name}`` segments are parameters) and handler.

    ``handler`` is a function, or ``"module:function"`` in ``fakeopenai.endpoints``, imported on the
    first request to the route (families most tests never call cost nothing at import).
    ``generates`` marks model-generation endpoints, the ones ``fake.reply()`` answers. ``check``
    (the endpoint's own checks of a body) runs first when the SDK-type validation rejects a body, so
    its real-API wording wins for the mistakes it knows. ``params`` is the SDK ``TypedDict`` its JSON
    body is validated with under the validation policy (``None``: the endpoint's entry in
    ``_sdk_validation.PARAMS``, if any; ``"sdk"``: the one the installed SDK sends for this route).
    """

    method: str
    path: str
    handler: Handler | str
    generates: bool = False
    check: Callable[[Any], None] | None = None
    params: Any = None

    def resolve(self) -> Handler:
        """The handler function (imported now if the route names it)."""
        handler = self.handler
        if isinstance(handler, str):
            module, _, name = handler.partition(":")
            handler = getattr(importlib.import_module(f"{__package__}.endpoints.{module}"), name)
            object.__setattr__(self, "handler", handler)
        return handler

    def pattern(self) -> re.Pattern[str] | None:
        if "{" not in self.path:
            return None
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path) + "$")


class _Table:
    def __init__(self, routes: list[Route]) -> None:
        self.exact = {(route.method, route.path): route for route in routes if "{" not in route.path}
        self.patterns = [(route, route.pattern()) for route in routes if "{" in route.path]
        self.paths = {route.path for route in routes}

    def find(self, method: str, endpoint: str) -> tuple[Route | None, dict[str, str]]:
        route = self.exact.get((method, endpoint))
        if route is not None:
            return route, {}
        for candidate, pattern in self.patterns:
            if candidate.method == method and pattern is not None:
                found = pattern.match(endpoint)
                if found:
                    return candidate, found.groupdict()
        return None, {}


ROUTES: list[Route] = [
    Route("POST", "/chat/completions", chat.create, generates=True, check=chat.validate),
    Route("GET", "/chat/completions", chat_store.list_completions),
    Route("GET", "/chat/completions/{completion_id}", chat_store.retrieve),
    Route("POST", "/chat/completions/{completion_id}", chat_store.update),
    Route("DELETE", "/chat/completions/{completion_id}", chat_store.delete),
    Route("GET", "/chat/completions/{completion_id}/messages", chat_store.messages),
    Route("POST", "/completions", completions.create, generates=True, check=completions.validate),
    Route("POST", "/responses", responses.create, generates=True, check=responses.validate),
    Route("POST", "/responses/input_tokens", responses.count_input_tokens),
    Route("POST", "/responses/{response_id}/cancel", responses.cancel),
    Route("GET", "/responses/{response_id}", responses.retrieve),
    Route("DELETE", "/responses/{response_id}", responses.delete),
    Route("GET", "/responses/{response_id}/input_items", responses.input_items),
    Route("POST", "/embeddings", embeddings.create),
    Route("POST", "/moderations", moderations.create),
    Route("GET", "/models", models.list_models),
    Route("GET", "/models/{model}", models.retrieve),
    Route("DELETE", "/models/{model}", models.delete),
    Route("POST", "/traces/ingest", traces.ingest),
    # files, uploads and batches (endpoints/files.py, uploads.py, batches.py)
    Route("POST", "/files", "files:create"),
    Route("GET", "/files", "files:list_files"),
    Route("GET", "/files/{file_id}", "files:retrieve"),
    Route("DELETE", "/files/{file_id}", "files:delete"),
    Route("GET", "/files/{file_id}/content", "files:content"),
    Route("POST", "/uploads", "uploads:create"),
    Route("POST", "/uploads/{upload_id}/parts", "uploads:add_part"),
    Route("POST", "/uploads/{upload_id}/complete", "uploads:complete"),
    Route("POST", "/uploads/{upload_id}/cancel", "uploads:cancel"),
    Route("POST", "/batches", "batches:create"),
    Route("GET", "/batches", "batches:list_batches"),
    Route("GET", "/batches/{batch_id}", "batches:retrieve"),
    Route("POST", "/batches/{batch_id}/cancel", "batches:cancel"),
    # media (images and audio): real PNG/JPEG/WebP and audio bytes; transcripts from the reply machinery
    Route("POST", "/images/generations", "images:generate"),
    Route("POST", "/images/edits", "images:edit"),
    Route("POST", "/images/variations", "images:create_variation"),
    Route("POST", "/audio/speech", "audio:speech"),
    Route("POST", "/audio/transcriptions", "audio:transcribe", generates=True),
    Route("POST", "/audio/translations", "audio:translate", generates=True),
    # -- fine-tuning, containers, conversations, responses.compact (endpoints/fine_tuning.py, ...) --
    Route("POST", "/fine_tuning/jobs", "fine_tuning:create"),
    Route("GET", "/fine_tuning/jobs", "fine_tuning:list_jobs"),
    Route("GET", "/fine_tuning/jobs/{fine_tuning_job_id}", "fine_tuning:retrieve"),
    Route("POST", "/fine_tuning/jobs/{fine_tuning_job_id}/cancel", "fine_tuning:cancel"),
    Route("POST", "/fine_tuning/jobs/{fine_tuning_job_id}/pause", "fine_tuning:pause"),
    Route("POST", "/fine_tuning/jobs/{fine_tuning_job_id}/resume", "fine_tuning:resume"),
    Route("GET", "/fine_tuning/jobs/{fine_tuning_job_id}/events", "fine_tuning:events"),
    Route("GET", "/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints", "fine_tuning:checkpoints"),
    Route("POST", "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions", "fine_tuning:share"),
    Route("GET", "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions", "fine_tuning:permissions"),
    Route(
        "DELETE",
        "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions/{permission_id}",
        "fine_tuning:unshare",
    ),
    Route("POST", "/fine_tuning/alpha/graders/run", "graders:run"),
    Route("POST", "/fine_tuning/alpha/graders/validate", "graders:validate"),
    Route("POST", "/containers", "containers:create"),
    Route("GET", "/containers", "containers:list_containers"),
    Route("GET", "/containers/{container_id}", "containers:retrieve"),
    Route("DELETE", "/containers/{container_id}", "containers:delete"),
    Route("POST", "/containers/{container_id}/files", "containers:create_file"),
    Route("GET", "/containers/{container_id}/files", "containers:list_files"),
    Route("GET", "/containers/{container_id}/files/{file_id}", "containers:retrieve_file"),
    Route("DELETE", "/containers/{container_id}/files/{file_id}", "containers:delete_file"),
    Route("GET", "/containers/{container_id}/files/{file_id}/content", "containers:file_content"),
    Route("POST", "/conversations", "conversations:create"),
    Route("GET", "/conversations/{conversation_id}", "conversations:retrieve"),
    Route("POST", "/conversations/{conversation_id}", "conversations:update"),
    Route("DELETE", "/conversations/{conversation_id}", "conversations:delete"),
    Route("POST", "/conversations/{conversation_id}/items", "conversations:create_items"),
    Route("GET", "/conversations/{conversation_id}/items", "conversations:list_items"),
    Route("GET", "/conversations/{conversation_id}/items/{item_id}", "conversations:retrieve_item"),
    Route("DELETE", "/conversations/{conversation_id}/items/{item_id}", "conversations:delete_item"),
    Route("POST", "/responses/compact", "compact:compact"),
    # vector stores, their files and file batches, search (endpoints/vector_stores.py)
    Route("POST", "/vector_stores", "vector_stores:create"),
    Route("GET", "/vector_stores", "vector_stores:list_stores"),
    Route("GET", "/vector_stores/{vector_store_id}", "vector_stores:retrieve"),
    Route("POST", "/vector_stores/{vector_store_id}", "vector_stores:update"),
    Route("DELETE", "/vector_stores/{vector_store_id}", "vector_stores:delete"),
    Route("POST", "/vector_stores/{vector_store_id}/search", "vector_stores:search_store"),
    Route("POST", "/vector_stores/{vector_store_id}/files", "vector_stores:create_file"),
    Route("GET", "/vector_stores/{vector_store_id}/files", "vector_stores:list_files"),
    Route("GET", "/vector_stores/{vector_store_id}/files/{file_id}", "vector_stores:retrieve_file"),
    Route("POST", "/vector_stores/{vector_store_id}/files/{file_id}", "vector_stores:update_file"),
    Route("DELETE", "/vector_stores/{vector_store_id}/files/{file_id}", "vector_stores:delete_file"),
    Route("GET", "/vector_stores/{vector_store_id}/files/{file_id}/content", "vector_stores:file_content"),
    Route("POST", "/vector_stores/{vector_store_id}/file_batches", "vector_stores:create_batch"),
    Route("GET", "/vector_stores/{vector_store_id}/file_batches/{batch_id}", "vector_stores:retrieve_batch"),
    Route("POST", "/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel", "vector_stores:cancel_batch"),
    Route("GET", "/vector_stores/{vector_store_id}/file_batches/{batch_id}/files", "vector_stores:list_batch_files"),
]
_table = _Table(ROUTES)


_generated: dict[int, Route] = {}


def _find(request: Request) -> tuple[Route | None, dict[str, str]]:
    """The hand-built route for a request, else the one the installed SDK describes (built on first use)."""
    route, params = _table.find(request.method, request.endpoint)
    if route is not None:
        return route, params
    from .endpoints import generated

    plan, params = generated.find(request.method, request.endpoint, request.query)
    if plan is None:
        return None, {}
    found = _generated.get(id(plan))
    if found is None:
        found = _generated[id(plan)] = Route(
            plan.route.method,
            plan.route.path,
            lambda state, request: generated.handle(state, request, plan),
            params=plan.route.types().params,
        )
    return found, params


_Checker = Callable[[str, Any, Callable[[Any], None] | None, bool, Any], Sequence[str]]
_checker: _Checker | None = None


def _check_body() -> _Checker:
    """The SDK-type validator, imported on first use (it loads pydantic-core and the SDK's param
    types; a lazy import statement on every request would cost more than the check itself)."""
    global _checker
    if _checker is None:
        from ._sdk_validation import check_body

        _checker = check_body
    return _checker


_FRAMING = frozenset({"content-length", "transfer-encoding"})


def error_response(state: State, error: APIError) -> Response:
    """The OpenAI-shaped answer for an error."""
    headers = state.headers(JSON)
    if error.headers:  # a scripted header replaces the default of the same name, never doubles it
        # The body's framing is the transport's or the server's to write: a scripted
        # ``content-length`` would contradict it (uvicorn refused the answer with a 500).
        scripted = [(name, value) for name, value in error.headers.items() if name.lower() not in _FRAMING]
        overridden = {name.lower() for name, _ in scripted}
        headers = [(name, value) for name, value in headers if name not in overridden]
        headers.extend(scripted)
    return Response(error.status, headers, dumps(error.body()))


def handle(state: State, request: Request) -> Response:
    """Record ``request`` and describe the answer."""
    request.endpoint = normalize(request.path)
    state.requests.append(request)
    if state.cassette is not None:
        replayed = _replay(state, state.cassette, request)
        if replayed is not None:
            return replayed
    try:
        route, request.params = _find(request)
        if route is None:
            raise APIError(404, f"Invalid URL ({request.method} {request.path})")
        if request.method == "POST" and request.unparseable:
            raise invalid_json()  # before anything reads the body: every route, present and future
        if not route.generates:
            failure = state.failure_for(request)
            if failure is not None:
                request.answer = failure
                raise failure.error()
        if state.validate and request.method == "POST" and isinstance(request.json, dict):
            # The validation policy (docs/validation.md), the same for every endpoint: 400 for what
            # the API is known to refuse, warnings for the rest of what the SDK's types do not allow.
            key, params = route.path, route.params
            if request.query.get("beta") == "true":  # the SDK's beta twin of a route (beta.responses)
                key, params = route.path + "?beta=true", "sdk"
            warnings = _check_body()(key, request.json, route.check, state.strict, params)
            if warnings:
                request.warnings.extend(warnings)
        response = route.resolve()(state, request)
    except APIError as error:
        response = error_response(state, error)
    except Exception as exc:  # a bug of ours must still answer like the API, not crash the client
        request.answer = exc
        response = error_response(
            state,
            APIError(
                500,
                f"fakeopenai internal error: {type(exc).__name__}: {exc}",
                type="server_error",
                headers={"x-should-retry": "false"},
            ),
        )
    request.status = response.status
    request.response = response
    return response


def seed(state: State, request: Request) -> Response:
    """Answer ``request`` (a create call made by ``fake.seed``) without recording it or applying faults."""
    request.endpoint = normalize(request.path)
    try:
        route, request.params = _find(request)
        if route is None:
            raise APIError(404, f"Invalid URL ({request.method} {request.path})")
        return route.resolve()(state, request)
    except APIError as error:
        return error_response(state, error)


def _replay(state: State, cassette: Cassette, request: Request) -> Response | None:
    """The cassette's answer (a recording, a miss, or "forward" when it records), or ``None`` when
    a scripted answer comes first and the route renders it."""
    route, request.params = _table.find(request.method, request.endpoint)
    try:
        response = cassette.answer(state.script, request, route is not None, route is not None and route.generates)
    except APIError as error:
        response = error_response(state, error)
    if response is not None:
        request.status = response.status
        request.response = response
    return response
