"""``/uploads``: a large file sent in parts, then completed into one file.

``POST /uploads`` declares the file (``bytes``, ``filename``, ``mime_type``, ``purpose``) and
answers ``pending``; ``POST /uploads/{id}/parts`` adds a part (multipart ``data``); ``POST
/uploads/{id}/complete`` joins the parts in the order of ``part_ids`` into a file (made with
:func:`~fakeopenai.endpoints.files.add_file`) and answers ``completed`` with it. The bytes sent
must add up to the declared ``bytes`` (else a 400, and the upload stays pending); an ``md5`` given as
a hex digest must match. ``POST /uploads/{id}/cancel`` answers ``cancelled``; no parts may be added
once an upload is completed or cancelled, or after it expired (an hour after creation, on the fake's
clock, unless ``expires_after`` says otherwise).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from .._errors import APIError, bad_request
from .._state import State
from .._validation import check_enum, check_range, check_type, require
from .._wire import Request, Response
from ._common import form_of, json_object, ok
from .files import BATCH_FILE_TTL, PURPOSES, add_file, expiry

__all__ = ["StoredUpload", "UploadPart", "add_part", "cancel", "complete", "create"]

_HOUR = 3600
_MAX_BYTES = 8 * 1024**3  # an Upload accepts at most 8 GB
_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")


@dataclass(eq=False)
class StoredUpload:
    """An upload: the ``upload`` object, the bytes it promised (``None``: any) and its parts' ids."""

    body: dict[str, Any]
    declared: int | None
    parts: list[str] = field(default_factory=list)
    #: Made up in ``any_id`` mode: its history is unknown, so it takes any step (parts, complete, cancel).
    made_up: bool = False


@dataclass(eq=False)
class UploadPart:
    """One part of an upload: the ``upload.part`` object and its bytes."""

    body: dict[str, Any]
    data: bytes


def _not_found(upload_id: str) -> APIError:
    # Our wording, after the files endpoint's "No such File object" (not captured from the real API).
    return APIError(404, f"No such Upload object: {upload_id}", param="upload_id")


def _made_up(state: State, upload_id: str) -> StoredUpload:
    """An upload that exists in ``any_id`` mode: pending, taking any number of bytes."""
    now = state.now()
    body = {
        "id": upload_id,
        "object": "upload",
        "bytes": 0,
        "created_at": now,
        "expires_at": now + _HOUR,
        "filename": "file.jsonl",
        "purpose": "user_data",
        "status": "pending",
        "file": None,
    }
    return StoredUpload(body, None, made_up=True)


def _find(state: State, request: Request) -> StoredUpload:
    upload = state.lookup(
        request.params["upload_id"], StoredUpload, _not_found, lambda missing: _made_up(state, missing)
    )
    if upload.body["status"] == "pending" and state.now() >= upload.body["expires_at"]:
        upload.body["status"] = "expired"
    return upload


def _pending(upload: StoredUpload, action: str) -> None:
    status = upload.body["status"]
    if status != "pending" and not upload.made_up:
        raise bad_request(f"Cannot {action} an Upload with status '{status}'.", param="upload_id")


def create(state: State, request: Request) -> Response:
    """``POST /uploads``: a pending upload."""
    body = json_object(request)
    size = require(body, "bytes", "integer")
    check_range(size, "bytes", 0, _MAX_BYTES, "integer")
    filename = require(body, "filename", "string")
    require(body, "mime_type", "string")
    purpose = require(body, "purpose", "string")
    check_enum(purpose, "purpose", PURPOSES)
    expires_at = expiry(state, body.get("expires_after"), "expires_after", _HOUR)
    upload_id = state.new_id(request, "upload_", 24)
    upload_body = {
        "id": upload_id,
        "object": "upload",
        "bytes": size,
        "created_at": state.now(),
        "expires_at": expires_at,
        "filename": filename,
        "purpose": purpose,
        "status": "pending",
        "file": None,
    }
    upload = StoredUpload(upload_body, size)
    state.store[upload_id] = upload
    return ok(state, upload.body)


def add_part(state: State, request: Request) -> Response:
    """``POST /uploads/{upload_id}/parts``: one more part (multipart ``data``)."""
    upload = _find(state, request)
    form = form_of(request)
    data = form.file("data")
    if data is None:
        raise bad_request("'data' is a required property")
    _pending(upload, "add a Part to")
    part_id = state.ids.make("part_", 24)
    part = UploadPart(
        {"id": part_id, "object": "upload.part", "created_at": state.now(), "upload_id": upload.body["id"]},
        data.data,
    )
    state.store[part_id] = part
    upload.parts.append(part_id)
    return ok(state, part.body)


def _part(state: State, upload: StoredUpload, part_id: Any) -> UploadPart:
    def invalid(missing: str) -> APIError:
        return bad_request(f"Invalid part ID: '{missing}' is not a Part of this Upload.", param="part_ids")

    check_type(part_id, "part_ids", "string", nullable=False)
    upload_id = upload.body["id"]

    def made(missing: str) -> UploadPart:
        return UploadPart(
            {"id": missing, "object": "upload.part", "created_at": state.now(), "upload_id": upload_id}, b""
        )

    part = state.lookup(part_id, UploadPart, invalid, made)
    if part.body["upload_id"] != upload_id and not state.any_id:
        raise invalid(part_id)
    return part


def complete(state: State, request: Request) -> Response:
    """``POST /uploads/{upload_id}/complete``: join the parts in ``part_ids`` order into a file."""
    upload = _find(state, request)
    body = json_object(request)
    part_ids = require(body, "part_ids", "array")
    md5 = body.get("md5")
    check_type(md5, "md5", "string")
    _pending(upload, "complete")
    data = b"".join(_part(state, upload, part_id).data for part_id in part_ids)
    if upload.declared is not None and len(data) != upload.declared:
        raise bad_request(
            f"The number of bytes uploaded ({len(data)}) does not match the number of bytes "
            f"specified when creating the Upload ({upload.declared}).",
            param="bytes",
        )
    if isinstance(md5, str) and _MD5.match(md5) and hashlib.md5(data).hexdigest() != md5.lower():
        raise bad_request("The md5 checksum does not match the uploaded bytes.", param="md5")
    purpose = str(upload.body["purpose"])
    expires_at = state.now() + BATCH_FILE_TTL if purpose == "batch" else None
    stored = add_file(state, data, str(upload.body["filename"]), purpose, expires_at=expires_at)
    upload.body["status"] = "completed"
    upload.body["bytes"] = len(data)
    upload.body["file"] = dict(stored.body)
    return ok(state, upload.body)


def cancel(state: State, request: Request) -> Response:
    """``POST /uploads/{upload_id}/cancel``: no more parts; answers ``cancelled``."""
    upload = _find(state, request)
    _pending(upload, "cancel")
    upload.body["status"] = "cancelled"
    return ok(state, upload.body)
