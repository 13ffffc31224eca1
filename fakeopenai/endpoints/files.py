"""``/files``: uploaded files, as every stateful family sees them (batches read their input here and
write their output here; vector stores, fine-tuning and containers name files by id).

A :class:`StoredFile` is the ``file`` object the API answers plus the bytes. :func:`add_file` is the
one way to make one (uploads, batch output, seeding), :func:`find_file` the one way to find one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._errors import APIError
from .._state import State
from .._wire import Request

__all__ = ["StoredFile", "add_file", "find_file"]


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


def find_file(state: State, file_id: str) -> StoredFile:
    """The stored file ``file_id``, or the real API's 404 (an empty one in ``any_id`` mode)."""
    return state.lookup(file_id, StoredFile, _not_found, lambda missing: _made_up(state, missing))
