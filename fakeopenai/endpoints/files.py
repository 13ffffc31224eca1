"""``/files``: uploaded files, as every stateful family sees them (batches read their input here and
write their output here; vector stores, fine-tuning and containers name files by id).

A :class:`StoredFile` is the ``file`` object the API answers plus the bytes. :func:`add_file` is the
one way to make one (uploads, batch output, seeding), :func:`find_file` the one way to find one.

Routes: ``POST /files`` (multipart ``file`` and ``purpose``, optional ``expires_after``), ``GET
/files`` (``purpose``, ``order``, ``limit``/``after``), ``GET /files/{id}``, ``DELETE /files/{id}``
and ``GET /files/{id}/content`` (the bytes, ``application/octet-stream``). A file with an
``expires_at`` is gone once the fake's clock reaches it: 404, not listed. Files uploaded with
``purpose=batch`` expire after 30 days unless ``expires_after`` says otherwise, as the API documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._errors import APIError, bad_request
from .._state import State
from .._validation import check_enum, check_range, describe
from .._wire import Request, Response
from ._common import form_of, ok, page

__all__ = [
    "PURPOSES",
    "StoredFile",
    "add_file",
    "content",
    "create",
    "delete",
    "expiry",
    "find_file",
    "list_files",
    "retrieve",
]

#: The purposes ``POST /files`` accepts (the SDK's ``FilePurpose``).
PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
#: How long a ``purpose=batch`` file lives by default (seconds): 30 days.
BATCH_FILE_TTL = 30 * 24 * 3600


@dataclass(eq=False)
class StoredFile:
    """An uploaded (or generated) file: its ``file`` object and its bytes."""

    body: dict[str, Any]
    data: bytes

    @property
    def id(self) -> str:
        return str(self.body["id"])

    @property
    def text(self) -> str:
        """The bytes as text (undecodable bytes replaced)."""
        return self.data.decode("utf-8", "replace")


def add_file(
    state: State,
    data: bytes,
    filename: str,
    purpose: str,
    *,
    request: Request | None = None,
    expires_at: int | None = None,
) -> StoredFile:
    """Store ``data`` as a new file (``file-…`` id, or the id a seed asked for) and return it."""
    file_id = state.new_id(request, "file-", 22)
    body: dict[str, Any] = {
        "id": file_id,
        "object": "file",
        "bytes": len(data),
        "created_at": state.now(),
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
        "expires_at": expires_at,
        "status_details": None,
    }
    stored = StoredFile(body, data)
    state.store[file_id] = stored
    return stored


def _not_found(file_id: str) -> APIError:
    return APIError(404, f"No such File object: {file_id}", param="id")


def _made_up(state: State, file_id: str) -> StoredFile:
    body: dict[str, Any] = {
        "id": file_id,
        "object": "file",
        "bytes": 0,
        "created_at": state.now(),
        "filename": "file.jsonl",
        "purpose": "user_data",
        "status": "processed",
        "expires_at": None,
        "status_details": None,
    }
    return StoredFile(body, b"")


def _expired(state: State, stored: StoredFile) -> bool:
    expires_at = stored.body.get("expires_at")
    return isinstance(expires_at, int) and state.now() >= expires_at


def find_file(state: State, file_id: str) -> StoredFile:
    """The stored file ``file_id``, or the real API's 404 (an empty one in ``any_id`` mode).

    A file whose ``expires_at`` has passed on the fake's clock is gone (removed, then the 404).
    """
    stored = state.lookup(file_id, StoredFile, _not_found, lambda missing: _made_up(state, missing))
    if _expired(state, stored):
        state.store.pop(file_id, None)
        raise _not_found(file_id)
    return stored


def expiry(state: State, policy: Any, param: str, default: int | None = None) -> int | None:
    """The ``expires_at`` an ``expires_after`` policy (``{"anchor": "created_at", "seconds": n}``,
    from JSON or a form) gives an object created now; ``default`` seconds when there is none."""
    if policy is None:
        return None if default is None else state.now() + default
    if not isinstance(policy, Mapping):
        raise bad_request(
            f"Invalid type for '{param}': expected an object, but got {describe(policy)} instead.",
            param=param,
            code="invalid_type",
        )
    for key in ("anchor", "seconds"):
        if policy.get(key) is None:
            raise bad_request(
                f"Missing required parameter: '{param}.{key}'.",
                param=f"{param}.{key}",
                code="missing_required_parameter",
            )
    check_enum(policy["anchor"], f"{param}.anchor", ("created_at",))
    seconds = policy["seconds"]
    if isinstance(seconds, str) and seconds.lstrip("-").isdigit():  # a form field
        seconds = int(seconds)
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise bad_request(
            f"Invalid type for '{param}.seconds': expected an integer, but got {describe(seconds)} instead.",
            param=f"{param}.seconds",
            code="invalid_type",
        )
    check_range(seconds, f"{param}.seconds", 3600, 2592000, "integer")
    return state.now() + seconds


def create(state: State, request: Request) -> Response:
    """``POST /files``: store the multipart ``file`` with its ``purpose``."""
    form = form_of(request)
    upload = form.file("file")
    if upload is None:
        raise bad_request("'file' is a required property")
    purpose = form.get("purpose")
    if purpose is None:
        raise bad_request("'purpose' is a required property")
    if purpose not in PURPOSES:
        raise bad_request(f"'{purpose}' is not one of {list(PURPOSES)} - 'purpose'")
    filename = upload.filename or "file"
    if purpose == "batch" and not filename.lower().endswith(".jsonl"):
        raise bad_request("Invalid file format for Batch API. Must be .jsonl")
    default = BATCH_FILE_TTL if purpose == "batch" else None
    expires_at = expiry(state, form.as_object().get("expires_after"), "expires_after", default)
    stored = add_file(state, upload.data, filename, purpose, request=request, expires_at=expires_at)
    return ok(state, stored.body)


def list_files(state: State, request: Request) -> Response:
    """``GET /files``: the live files, newest first by default, filtered by ``purpose``."""
    purpose = request.query.get("purpose")
    items = []
    for stored in state.store.all(StoredFile):
        if _expired(state, stored):
            state.store.pop(stored.id, None)
            continue
        if purpose and stored.body["purpose"] != purpose:
            continue
        items.append(stored.body)
    return ok(state, page(items, request, order="desc", default_limit=10000, max_limit=10000))


def retrieve(state: State, request: Request) -> Response:
    """``GET /files/{file_id}``: the ``file`` object."""
    return ok(state, find_file(state, request.params["file_id"]).body)


def delete(state: State, request: Request) -> Response:
    """``DELETE /files/{file_id}``: forget the file (a later retrieve is the real 404)."""
    stored = find_file(state, request.params["file_id"])
    state.store.pop(stored.id, None)
    return ok(state, {"id": stored.id, "object": "file", "deleted": True})


def content(state: State, request: Request) -> Response:
    """``GET /files/{file_id}/content``: exactly the stored bytes."""
    stored = find_file(state, request.params["file_id"])
    return Response(200, state.headers("application/octet-stream"), stored.data)
