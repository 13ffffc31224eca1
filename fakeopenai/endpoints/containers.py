"""``/containers``: code-interpreter containers and the files in them.

A container (``cntr_…``) is ``running`` from the moment it is created; ``file_ids`` copy uploaded
files into it. Container files (``cfile_…``) come from a multipart upload (``file``) or from an
uploaded file (``file_id``), live under ``/mnt/data/``, and ``content`` returns their bytes.
Deleting a container deletes its files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._errors import APIError, bad_request
from .._state import State
from .._validation import check_enum, check_type, require
from .._wire import Request, Response
from ._common import json_object, ok, page
from .files import find_file

__all__ = [
    "StoredContainer",
    "StoredContainerFile",
    "create",
    "create_file",
    "delete",
    "delete_file",
    "file_content",
    "list_containers",
    "list_files",
    "retrieve",
    "retrieve_file",
]

_MEMORY = ("1g", "4g", "16g", "64g")


@dataclass(eq=False)
class StoredContainer:
    """A container: its ``container`` object."""

    body: dict[str, Any]


@dataclass(eq=False)
class StoredContainerFile:
    """A file in a container: its ``container.file`` object and its bytes."""

    body: dict[str, Any]
    data: bytes


def _not_found(container_id: str) -> APIError:
    # Wording ours (the real API's 404 for an unknown container was not captured).
    return APIError(404, f"Container with id '{container_id}' not found.")


def _file_not_found(file_id: str) -> APIError:
    return APIError(404, f"Container file with id '{file_id}' not found.")


def _made_up(state: State, container_id: str) -> StoredContainer:
    return StoredContainer(_container_body(state, container_id, "container", {}))


def _container_body(state: State, container_id: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    now = state.now()
    expires = body.get("expires_after") or {"anchor": "last_active_at", "minutes": 20}
    out: dict[str, Any] = {
        "id": container_id,
        "object": "container",
        "created_at": now,
        "status": "running",
        "expires_after": {"anchor": expires.get("anchor", "last_active_at"), "minutes": expires.get("minutes", 20)},
        "last_active_at": now,
        "memory_limit": body.get("memory_limit") or "1g",
        "name": name,
    }
    if isinstance(body.get("network_policy"), dict):
        out["network_policy"] = body["network_policy"]
    return out


def _container(state: State, request: Request) -> StoredContainer:
    container_id = request.params["container_id"]
    return state.lookup(container_id, StoredContainer, _not_found, lambda missing: _made_up(state, missing))


def _files_of(state: State, container_id: str) -> list[StoredContainerFile]:
    return [f for f in state.store.all(StoredContainerFile) if f.body["container_id"] == container_id]


def _add_file(state: State, container_id: str, filename: str, data: bytes, request: Request | None) -> dict[str, Any]:
    file_id = state.new_id(request, "cfile_", 32)
    body = {
        "id": file_id,
        "object": "container.file",
        "created_at": state.now(),
        "bytes": len(data),
        "container_id": container_id,
        "path": "/mnt/data/" + filename.rsplit("/", 1)[-1],
        "source": "user",
    }
    state.store[file_id] = StoredContainerFile(body, data)
    return body


# -- /containers --------------------------------------------------------------------------------


def create(state: State, request: Request) -> Response:
    """``POST /containers``: a running container, with copies of ``file_ids``."""
    body = json_object(request)
    name = require(body, "name", "string")
    check_type(body.get("file_ids"), "file_ids", "array")
    check_type(body.get("expires_after"), "expires_after", "object")
    if body.get("memory_limit") is not None:
        check_enum(body["memory_limit"], "memory_limit", _MEMORY)
    files = [find_file(state, str(file_id)) for file_id in body.get("file_ids") or ()]
    container_id = state.new_id(request, "cntr_", 48)
    container = StoredContainer(_container_body(state, container_id, name, body))
    state.store[container_id] = container
    for stored in files:
        _add_file(state, container_id, str(stored.body.get("filename") or stored.id), stored.data, None)
    return ok(state, container.body)


def retrieve(state: State, request: Request) -> Response:
    """``GET /containers/{container_id}``."""
    return ok(state, _container(state, request).body)


def list_containers(state: State, request: Request) -> Response:
    """``GET /containers``: ``after``, ``limit``, ``order`` (newest first by default), ``name``."""
    name = request.query.get("name")
    items = [c.body for c in state.store.all(StoredContainer) if not name or c.body["name"] == name]
    return ok(state, page(items, request))


def delete(state: State, request: Request) -> Response:
    """``DELETE /containers/{container_id}``: the container and its files."""
    container = _container(state, request)
    container_id = container.body["id"]
    for stored in _files_of(state, container_id):
        del state.store[stored.body["id"]]
    del state.store[container_id]
    return ok(state, {"id": container_id, "object": "container.deleted", "deleted": True})


# -- /containers/{container_id}/files -----------------------------------------------------------


def create_file(state: State, request: Request) -> Response:
    """``POST /containers/{container_id}/files``: a multipart ``file``, or the uploaded file ``file_id``."""
    container = _container(state, request)
    form = request.form
    if form is not None:
        upload = form.file("file")
        file_id: Any = form.get("file_id")
    else:
        upload = None
        file_id = json_object(request).get("file_id")
    if upload is not None:
        filename, data = upload.filename or "file", upload.data
    elif file_id is not None:
        check_type(file_id, "file_id", "string")
        stored = find_file(state, str(file_id))
        filename, data = str(stored.body.get("filename") or stored.id), stored.data
    elif state.any_id:  # the spec requires neither; a made-up empty file in the any-id mode
        filename, data = "file.txt", b""
    else:
        # Wording ours (not captured): the API needs one of the two.
        raise bad_request("Either 'file' or 'file_id' must be provided.", param="file")
    return ok(state, _add_file(state, container.body["id"], filename, data, request))


def _file(state: State, request: Request) -> StoredContainerFile:
    container = _container(state, request)
    file_id = request.params["file_id"]

    def made_up(missing: str) -> StoredContainerFile:
        body = {
            "id": missing,
            "object": "container.file",
            "created_at": state.now(),
            "bytes": 0,
            "container_id": container.body["id"],
            "path": "/mnt/data/file.txt",
            "source": "user",
        }
        return StoredContainerFile(body, b"")

    stored = state.lookup(file_id, StoredContainerFile, _file_not_found, made_up)
    if stored.body["container_id"] != container.body["id"]:
        raise _file_not_found(file_id)
    return stored


def list_files(state: State, request: Request) -> Response:
    """``GET /containers/{container_id}/files``: newest first by default."""
    container = _container(state, request)
    return ok(state, page([f.body for f in _files_of(state, container.body["id"])], request))


def retrieve_file(state: State, request: Request) -> Response:
    """``GET /containers/{container_id}/files/{file_id}``."""
    return ok(state, _file(state, request).body)


def delete_file(state: State, request: Request) -> Response:
    """``DELETE /containers/{container_id}/files/{file_id}``."""
    stored = _file(state, request)
    del state.store[stored.body["id"]]
    return ok(state, {"id": stored.body["id"], "object": "container.file.deleted", "deleted": True})


def file_content(state: State, request: Request) -> Response:
    """``GET /containers/{container_id}/files/{file_id}/content``: the file's bytes."""
    stored = _file(state, request)
    return Response(200, state.headers("application/octet-stream"), stored.data)
