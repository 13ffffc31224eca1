"""``GET /models``, ``GET /models/{model}``, ``DELETE /models/{model}``: the fake's model catalogue.

The catalogue is ``fake.models`` (a realistic default, replaceable). Like the real API, the list is a
plain page (``{"object": "list", "data": [...]}``, the SDK's ``SyncPage``, which never pages), and an
unknown model is a 404 ``model_not_found``.
"""

from __future__ import annotations

from urllib.parse import unquote

from .._catalogue import model_id, model_object
from .._errors import APIError
from .._state import JSON, State
from .._wire import Request, Response, dumps

__all__ = ["delete", "list_models", "retrieve"]


def _not_found(model: str) -> APIError:
    return APIError(
        404, f"The model `{model}` does not exist or you do not have access to it.", code="model_not_found"
    )


def _index(state: State, model: str) -> int:
    for index, entry in enumerate(state.models):
        if model_id(entry) == model:
            return index
    if state.any_id:  # every model exists: it joins the catalogue
        state.models.append(model)
        return len(state.models) - 1
    raise _not_found(model)


def list_models(state: State, request: Request) -> Response:
    """Every model in the catalogue."""
    payload = {"object": "list", "data": [model_object(entry) for entry in state.models]}
    return Response(200, state.headers(JSON), dumps(payload))


def retrieve(state: State, request: Request) -> Response:
    """One model, or the real API's 404."""
    model = unquote(request.params["model"])
    return Response(200, state.headers(JSON), dumps(model_object(state.models[_index(state, model)])))


def delete(state: State, request: Request) -> Response:
    """Remove a model from the catalogue (the real API allows it for fine-tuned models you own)."""
    model = unquote(request.params["model"])
    del state.models[_index(state, model)]
    return Response(200, state.headers(JSON), dumps({"id": model, "object": "model", "deleted": True}))
