"""``/vector_stores``: vector stores, their files and file batches, and search.

A :class:`VectorStore` keeps the files attached to it (:class:`StoreFile`: the ``vector_store.file``
object, the file's text and its ingestion). Ingestion is a lifecycle of kind ``"vector_store.file"``
(``in_progress -> completed``; ``in_progress -> failed`` for a file type file search does not read):
by default a file moves on at the first request that reads it (a retrieve or list of the file, its
batch or its store, a search over it), or after ``fake.lifecycle("vector_store.file", in_progress=s)``
seconds of the fake's clock. Answers about something still in progress carry ``openai-poll-after-ms``
(the time left, 0 when a read moves it on) so the SDK's ``*_and_poll`` helpers poll without sleeping.

``file_counts``, ``usage_bytes`` (the text's bytes of each completed file) and the store's ``status``
are computed from the files whenever they are shown. Search ranks the chunks of completed files by a
lexical score (:mod:`.search_index`). File batches (:class:`FileBatch`) attach several files at once
and report on those files.
"""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._errors import APIError, bad_request
from .._lifecycle import Progress
from .._state import JSON, State
from .._validation import check_enum, check_range, check_type, require
from .._wire import Request, Response, dumps
from ._common import json_object, page
from .files import StoredFile, add_file, find_file
from .search_index import Chunk, check_filter, chunk_text, matches, rewrite, score_chunks

__all__ = ["AUTO_CHUNKING", "KIND", "FileBatch", "Hit", "StoreFile", "VectorStore", "chunking", "find_store", "search"]

#: The lifecycle kind of a file being ingested (``fake.lifecycle("vector_store.file", in_progress=5)``).
KIND = "vector_store.file"
#: What ``{"type": "auto"}`` (or no strategy) is recorded as, as the real API reports it.
AUTO_CHUNKING: dict[str, Any] = {
    "type": "static",
    "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400},
}
#: File types file search reads (the file search guide's list); others fail with ``unsupported_file``.
SUPPORTED = frozenset(
    ".c .cpp .cs .css .doc .docx .go .html .java .js .json .md .pdf .php .pptx .py .rb .sh .tex .ts .txt".split()  # noqa: SIM905
)
_FILE_STATUSES = ("in_progress", "completed", "failed", "cancelled")
_DAY = 86400


@dataclass(eq=False)
class StoreFile:
    """A file attached to a vector store: its ``vector_store.file`` object, text and ingestion."""

    body: dict[str, Any]
    filename: str
    text: str
    progress: Progress
    batch_id: str | None = None
    _chunks: list[Chunk] | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        return str(self.body["id"])

    @property
    def status(self) -> str:
        return str(self.body["status"])

    def read(self) -> dict[str, Any]:
        """The object as a read shows it (the read moves ingestion on)."""
        self.progress.read()
        return self.refresh()

    def refresh(self) -> dict[str, Any]:
        """The object with its status (and what follows from it) brought up to date."""
        status = self.progress.status
        body = self.body
        body["status"] = status
        body["usage_bytes"] = len(self.text.encode()) if status == "completed" else 0
        if status == "failed":
            extension = posixpath.splitext(self.filename)[1] or "(none)"
            # Our wording; the code is the spec's for a file type file search does not read.
            body["last_error"] = {
                "code": "unsupported_file",
                "message": f"The file type {extension} is not supported for file search.",
            }
        return body

    def chunks(self) -> list[Chunk]:
        """The text cut by the recorded chunking strategy (made once, at the first search)."""
        if self._chunks is None:
            static = self.body["chunking_strategy"]["static"]
            pieces = chunk_text(self.text, static["max_chunk_size_tokens"], static["chunk_overlap_tokens"])
            self._chunks = [Chunk(self.id, i, text) for i, text in enumerate(pieces)]
        return self._chunks


@dataclass(eq=False)
class VectorStore:
    """A vector store: its ``vector_store`` object (counts filled in when shown) and its files."""

    body: dict[str, Any]
    files: dict[str, StoreFile] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.body["id"])

    def view(self, state: State, read: bool = False) -> dict[str, Any]:
        """The object as the API shows it now; ``read`` reads every file first (moving ingestion on)."""
        files = [f.read() if read else f.refresh() for f in self.files.values()]
        body = self.body
        body["file_counts"] = _counts(files)
        body["usage_bytes"] = sum(f["usage_bytes"] for f in files)
        expires_at = body.get("expires_at")
        if expires_at is not None and state.now() >= expires_at:
            body["status"] = "expired"
        else:
            body["status"] = "in_progress" if body["file_counts"]["in_progress"] else "completed"
        return body

    def touch(self, state: State, revive: bool = False) -> None:
        """Mark the store active now (the anchor of ``expires_after``); an expired store stays expired
        unless ``revive`` (a new expiration policy)."""
        body = self.body
        after = body.get("expires_after")
        if not after:
            body.pop("expires_after", None)  # optional, not nullable, in the spec: absent when there is none
        if not revive and body.get("expires_at") is not None and state.now() >= body["expires_at"]:
            return
        body["last_active_at"] = state.now()
        body["expires_at"] = body["last_active_at"] + after["days"] * _DAY if after else None


@dataclass(eq=False)
class FileBatch:
    """A ``vector_store.files_batch``: the files it attached, seen through their store."""

    body: dict[str, Any]
    store: VectorStore
    file_ids: list[str]
    cancelled: bool = False

    def files(self) -> list[StoreFile]:
        """The batch's files still attached to the store."""
        found = (self.store.files.get(file_id) for file_id in self.file_ids)
        return [f for f in found if f is not None and f.batch_id == self.body["id"]]

    def view(self, read: bool = False) -> dict[str, Any]:
        files = [f.read() if read else f.refresh() for f in self.files()]
        counts = _counts(files)
        self.body["file_counts"] = counts
        if self.cancelled:
            self.body["status"] = "cancelled"
        else:
            self.body["status"] = "in_progress" if counts["in_progress"] else "completed"
        return self.body


def _counts(files: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(("in_progress", "completed", "failed", "cancelled"), 0)
    total = 0
    for body in files:
        counts[body["status"]] += 1
        total += 1
    return {**counts, "total": total}


# -- lookups ----------------------------------------------------------------------------------


def _store_not_found(store_id: str) -> APIError:
    return APIError(404, f"No vector store found with id '{store_id}'.")


def _made_up_store(state: State, store_id: str) -> VectorStore:
    return VectorStore(_store_body(state, store_id, "", None, {}))


def find_store(state: State, store_id: str) -> VectorStore:
    """The vector store ``store_id``, or the real API's 404 (an empty store in ``any_id`` mode)."""
    return state.lookup(store_id, VectorStore, _store_not_found, lambda missing: _made_up_store(state, missing))


def _store(state: State, request: Request) -> VectorStore:
    return find_store(state, request.params["vector_store_id"])


def _file(state: State, store: VectorStore, file_id: str) -> StoreFile:
    found = store.files.get(file_id)
    if found is not None:
        return found
    if state.any_id:
        return _attach(state, store, find_file(state, file_id), {}, AUTO_CHUNKING, ready=True)
    # Wording as the real API answers an unknown file of a store (seen in public bug reports).
    raise APIError(404, f"No file found with id '{file_id}' in vector store '{store.id}'.")


def _batch(state: State, request: Request, store: VectorStore) -> FileBatch:
    batch_id = request.params["batch_id"]
    found = state.store.find(batch_id, FileBatch)
    if found is not None and found.store is store:
        return found
    if state.any_id and batch_id not in state.store:
        made = FileBatch(_batch_body(state, batch_id, store), store, [])
        state.store[batch_id] = made
        return made
    # Our wording (the real 404 for an unknown batch was not captured).
    raise APIError(404, f"No vector store file batch found with id '{batch_id}' in vector store '{store.id}'.")


# -- answers ----------------------------------------------------------------------------------


def _answer(state: State, payload: Any, pending: Sequence[StoreFile] = ()) -> Response:
    """A 200 JSON answer; while files are ``pending`` ingestion, with the poll hint the SDK reads."""
    headers = state.headers(JSON)
    waiting = [f for f in pending if f.status == "in_progress"]
    if waiting:
        headers.append(("openai-poll-after-ms", str(_poll_after_ms(state, waiting))))
    return Response(200, headers, dumps(payload))


def _poll_after_ms(state: State, files: Sequence[StoreFile]) -> int:
    """Milliseconds until the first of ``files`` is due to finish (0 when a read finishes it)."""
    durations = state.lifecycles.get(KIND)
    if not durations:
        return 0
    now = state.clock()
    due = min(f.progress.entered["in_progress"] + durations.get("in_progress", 0.0) for f in files)
    return max(0, round((due - now) * 1000))


# -- chunking strategies and attaching files --------------------------------------------------


def chunking(value: Any, param: str = "chunking_strategy") -> dict[str, Any]:
    """The strategy as the API records it: ``auto`` (or none) as the static default, static checked."""
    if value is None:
        return copy.deepcopy(AUTO_CHUNKING)
    check_type(value, param, "object")
    kind = value.get("type")
    check_enum(kind, f"{param}.type", ("auto", "static"))
    if kind != "static":
        return copy.deepcopy(AUTO_CHUNKING)
    static = require(value, "static", "object")
    size = require(static, "max_chunk_size_tokens", "integer")
    overlap = require(static, "chunk_overlap_tokens", "integer")
    check_range(size, f"{param}.static.max_chunk_size_tokens", 100, 4096, "integer")
    check_range(overlap, f"{param}.static.chunk_overlap_tokens", 0, None, "integer")
    if overlap > size / 2:
        # Our wording of the documented rule ("the overlap must not exceed half of max_chunk_size_tokens").
        raise bad_request(
            f"Invalid '{param}.static.chunk_overlap_tokens': must not exceed half of max_chunk_size_tokens "
            f"({size}), but got {overlap} instead.",
            param=f"{param}.static.chunk_overlap_tokens",
            code="invalid_value",
        )
    return {"type": "static", "static": {"max_chunk_size_tokens": size, "chunk_overlap_tokens": overlap}}


def _attributes(value: Any, param: str = "attributes") -> dict[str, Any]:
    check_type(value, param, "object")
    return dict(value or {})


def _attach(
    state: State,
    store: VectorStore,
    stored: StoredFile,
    attributes: dict[str, Any],
    strategy: dict[str, Any],
    *,
    batch_id: str | None = None,
    ready: bool = False,
) -> StoreFile:
    """Attach ``stored`` to ``store`` (again, if it was): a new ingestion, ``in_progress``; ``ready``:
    already ``completed`` (seeded documents, made-up files of the ``any_id`` mode)."""
    filename = str(stored.body.get("filename") or "")
    extension = posixpath.splitext(filename)[1].lower()
    unsupported = extension and extension not in SUPPORTED and not ready
    statuses = ("in_progress", "failed") if unsupported else ("in_progress", "completed")
    progress = state.progress(KIND, statuses)
    if ready:
        progress.finish()
    body: dict[str, Any] = {
        "id": stored.id,
        "object": "vector_store.file",
        "usage_bytes": 0,
        "created_at": state.now(),
        "vector_store_id": store.id,
        "status": "in_progress",
        "last_error": None,
        "chunking_strategy": copy.deepcopy(strategy),
        "attributes": attributes,
    }
    attached = StoreFile(body, filename, stored.text, progress, batch_id)
    attached.refresh()
    store.files.pop(stored.id, None)  # re-attaching moves it to the end, as a new attachment
    store.files[stored.id] = attached
    store.touch(state)
    return attached


# -- /vector_stores ---------------------------------------------------------------------------


def _store_body(
    state: State, store_id: str, name: str, expires_after: Mapping[str, Any] | None, metadata: Mapping[str, Any]
) -> dict[str, Any]:
    now = state.now()
    body = {
        "id": store_id,
        "object": "vector_store",
        "created_at": now,
        "name": name,
        "usage_bytes": 0,
        "file_counts": _counts(()),
        "status": "completed",
        "expires_after": dict(expires_after) if expires_after else None,
        "expires_at": now + expires_after["days"] * _DAY if expires_after else None,
        "last_active_at": now,
        "metadata": dict(metadata),
    }
    if not expires_after:
        del body["expires_after"]  # optional, not nullable, in the spec: absent when there is none
    return body


def _expires_after(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    check_type(value, "expires_after", "object")
    check_enum(require(value, "anchor", "string"), "expires_after.anchor", ("last_active_at",))
    days = require(value, "days", "integer")
    check_range(days, "expires_after.days", 1, 365, "integer")
    return {"anchor": "last_active_at", "days": days}


def create(state: State, request: Request) -> Response:
    """``POST /vector_stores``: a new store, attaching ``file_ids`` with ``chunking_strategy``.

    Seeding may also send documents: ``fake.seed("/vector_stores", {"name": "kb"}, files={"faq.md":
    b"..."})`` stores each part as a file (``purpose: "assistants"``, named by its filename) and
    attaches it already ``completed``.
    """
    form = request.form if request.headers.get("content-type", "").startswith("multipart/") else None
    body = _seeded_body(form.as_object()) if form is not None else json_object(request)
    check_type(body.get("name"), "name", "string")
    check_type(body.get("description"), "description", "string")
    check_type(body.get("metadata"), "metadata", "object")
    file_ids = body.get("file_ids") or []
    check_type(file_ids, "file_ids", "array")
    strategy = chunking(body.get("chunking_strategy"))
    after = _expires_after(body.get("expires_after"))
    files = [find_file(state, str(file_id)) for file_id in file_ids]  # every id checked before anything changes
    store_id = request.preset_id or "vs_" + state.ids.hex(32)
    store = VectorStore(_store_body(state, store_id, body.get("name") or "", after, body.get("metadata") or {}))
    state.store[store_id] = store
    for stored in files:
        _attach(state, store, stored, {}, strategy)
    if form is not None:
        for upload in (upload for uploads in form.files.values() for upload in uploads):
            document = add_file(state, upload.data, upload.filename or "document.txt", "assistants")
            _attach(state, store, document, {}, strategy, ready=True)
    return _answer(state, store.view(state), list(store.files.values()))


_NUMBERS = frozenset(("days", "max_chunk_size_tokens", "chunk_overlap_tokens"))


def _seeded_body(fields: dict[str, Any]) -> dict[str, Any]:
    """A seed's form fields (every leaf a string) with the numbers of a create body made numbers again."""

    def restore(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            return {k: restore(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [restore(v) for v in node]
        return int(node) if key in _NUMBERS and str(node).isdigit() else node

    restored: dict[str, Any] = restore(fields)
    return restored


def list_stores(state: State, request: Request) -> Response:
    """``GET /vector_stores``: newest first by default, cursor paged."""
    items = [store.view(state, read=True) for store in state.store.all(VectorStore)]
    return _answer(state, page(items, request))


def retrieve(state: State, request: Request) -> Response:
    """``GET /vector_stores/{id}`` (reads its files)."""
    store = _store(state, request)
    return _answer(state, store.view(state, read=True), list(store.files.values()))


def update(state: State, request: Request) -> Response:
    """``POST /vector_stores/{id}``: ``name``, ``expires_after`` (null removes it), ``metadata``."""
    store = _store(state, request)
    body = json_object(request)
    check_type(body.get("name"), "name", "string")
    check_type(body.get("metadata"), "metadata", "object")
    if "expires_after" in body:
        store.body["expires_after"] = _expires_after(body["expires_after"])  # null: none (touch drops it)
    if body.get("name") is not None:
        store.body["name"] = body["name"]
    if body.get("metadata") is not None:
        store.body["metadata"] = dict(body["metadata"])
    store.touch(state, revive="expires_after" in body)
    return _answer(state, store.view(state), list(store.files.values()))


def delete(state: State, request: Request) -> Response:
    """``DELETE /vector_stores/{id}``: the store and its attachments go (the files stay)."""
    store = _store(state, request)
    del state.store[store.id]
    for batch in state.store.all(FileBatch):
        if batch.store is store:
            del state.store[batch.body["id"]]
    return _answer(state, {"id": store.id, "object": "vector_store.deleted", "deleted": True})


# -- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One search result: a chunk of a file and its score."""

    file: StoreFile
    text: str
    score: float


def search(
    state: State,
    stores: Sequence[VectorStore],
    queries: Sequence[str],
    *,
    limit: int = 10,
    filters: Mapping[str, Any] | None = None,
    threshold: float = 0.0,
) -> list[Hit]:
    """The best ``limit`` chunks of the stores' completed files for ``queries`` (a search reads the files).

    A chunk scores the best of its scores for each query; chunks scoring 0 or below ``threshold`` are
    left out; ties keep the files' order of attachment and the chunks' order in the file.
    """
    files: list[StoreFile] = []
    for store in stores:
        store.touch(state)
        for attached in store.files.values():
            attached.read()
            if attached.status == "completed" and matches(filters, attached.body.get("attributes")):
                files.append(attached)
    chunks = [chunk for f in files for chunk in f.chunks()]
    owners = [f for f in files for _ in f.chunks()]
    best = [0.0] * len(chunks)
    for query in queries:
        best = [max(a, b) for a, b in zip(best, score_chunks(chunks, query), strict=True)]
    ranked = sorted(range(len(chunks)), key=lambda i: -best[i])
    hits = [Hit(owners[i], chunks[i].text, best[i]) for i in ranked if best[i] > 0 and best[i] >= threshold]
    return hits[:limit]


def search_store(state: State, request: Request) -> Response:
    """``POST /vector_stores/{id}/search``: lexically ranked chunks (see :mod:`.search_index`)."""
    store = _store(state, request)
    body = json_object(request)
    query = require(body, "query", "string", "array")
    queries = [query] if isinstance(query, str) else [str(q) for q in query]
    if body.get("rewrite_query") is True:
        queries = [rewrite(q) for q in queries]
    limit = body.get("max_num_results")
    check_type(limit, "max_num_results", "integer")
    check_range(limit, "max_num_results", 1, 50, "integer")
    filters = body.get("filters")
    if filters is not None:
        check_filter(filters)
    options = body.get("ranking_options") or {}
    check_type(options, "ranking_options", "object")
    threshold = options.get("score_threshold")
    check_type(threshold, "ranking_options.score_threshold", "number")
    check_range(threshold, "ranking_options.score_threshold", 0, 1)
    hits = search(
        state, [store], queries, limit=10 if limit is None else limit, filters=filters, threshold=threshold or 0.0
    )
    data = [
        {
            "file_id": hit.file.id,
            "filename": hit.file.filename,
            "score": hit.score,
            "attributes": hit.file.body.get("attributes") or {},
            "content": [{"type": "text", "text": hit.text}],
        }
        for hit in hits
    ]
    payload = {
        "object": "vector_store.search_results.page",
        "search_query": queries,
        "data": data,
        "has_more": False,
        "next_page": None,
    }
    return _answer(state, payload)


# -- /vector_stores/{id}/files ----------------------------------------------------------------


def create_file(state: State, request: Request) -> Response:
    """``POST /vector_stores/{id}/files``: attach a file (``in_progress`` until read)."""
    store = _store(state, request)
    body = json_object(request)
    file_id = require(body, "file_id", "string")
    strategy = chunking(body.get("chunking_strategy"))
    attributes = _attributes(body.get("attributes"))
    attached = _attach(state, store, find_file(state, file_id), attributes, strategy)
    return _answer(state, attached.body, [attached])


def _status_filter(request: Request) -> str | None:
    wanted = request.query.get("filter") or None
    check_enum(wanted, "filter", _FILE_STATUSES)
    return wanted


def list_files(state: State, request: Request) -> Response:
    """``GET /vector_stores/{id}/files``: newest first by default, ``filter`` by status (reads them)."""
    store = _store(state, request)
    wanted = _status_filter(request)
    files = list(store.files.values())
    items = [body for body in (f.read() for f in files) if wanted is None or body["status"] == wanted]
    return _answer(state, page(items, request), files)


def retrieve_file(state: State, request: Request) -> Response:
    """``GET /vector_stores/{id}/files/{file_id}`` (a read: ingestion moves on)."""
    attached = _file(state, _store(state, request), request.params["file_id"])
    return _answer(state, attached.read(), [attached])


def update_file(state: State, request: Request) -> Response:
    """``POST /vector_stores/{id}/files/{file_id}``: replace the attributes."""
    attached = _file(state, _store(state, request), request.params["file_id"])
    body = json_object(request)
    if "attributes" not in body:
        require(body, "attributes", "object")
    attached.body["attributes"] = _attributes(body["attributes"])
    return _answer(state, attached.refresh(), [attached])


def delete_file(state: State, request: Request) -> Response:
    """``DELETE /vector_stores/{id}/files/{file_id}``: detach it (the file itself stays in ``/files``)."""
    store = _store(state, request)
    attached = _file(state, store, request.params["file_id"])
    del store.files[attached.id]
    return _answer(state, {"id": attached.id, "object": "vector_store.file.deleted", "deleted": True})


def file_content(state: State, request: Request) -> Response:
    """``GET /vector_stores/{id}/files/{file_id}/content``: the parsed text, one page."""
    attached = _file(state, _store(state, request), request.params["file_id"])
    attached.read()
    payload = {
        "object": "vector_store.file_content.page",
        "data": [{"type": "text", "text": attached.text}],
        "has_more": False,
        "next_page": None,
    }
    return _answer(state, payload)


# -- /vector_stores/{id}/file_batches ---------------------------------------------------------


def _batch_body(state: State, batch_id: str, store: VectorStore) -> dict[str, Any]:
    return {
        "id": batch_id,
        "object": "vector_store.files_batch",
        "created_at": state.now(),
        "vector_store_id": store.id,
        "status": "completed",
        "file_counts": _counts(()),
    }


def create_batch(state: State, request: Request) -> Response:
    """``POST /vector_stores/{id}/file_batches``: attach ``file_ids`` (or ``files``, each with its own
    ``attributes``/``chunking_strategy``)."""
    store = _store(state, request)
    body = json_object(request)
    file_ids, files = body.get("file_ids"), body.get("files")
    if file_ids is None and files is None:
        require(body, "file_ids", "array")
    if file_ids is not None and files is not None:
        # Our wording of the documented rule: the two are mutually exclusive.
        raise bad_request("Only one of 'file_ids' and 'files' may be given.", param="files")
    entries: list[tuple[StoredFile, dict[str, Any], dict[str, Any]]] = []
    if file_ids is not None:
        check_type(file_ids, "file_ids", "array")
        strategy = chunking(body.get("chunking_strategy"))
        attributes = _attributes(body.get("attributes"))
        entries = [(find_file(state, str(file_id)), dict(attributes), strategy) for file_id in file_ids]
    else:
        check_type(files, "files", "array")
        for i, entry in enumerate(files or ()):
            check_type(entry, f"files[{i}]", "object", nullable=False)
            stored = find_file(state, require(entry, "file_id", "string"))
            strategy = chunking(entry.get("chunking_strategy"), f"files[{i}].chunking_strategy")
            entries.append((stored, _attributes(entry.get("attributes"), f"files[{i}].attributes"), strategy))
    if not entries:
        raise bad_request(
            "Invalid 'file_ids': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            param="file_ids",
            code="empty_array",
        )
    batch_id = request.preset_id or "vsfb_" + state.ids.hex(32)
    attached = [
        _attach(state, store, stored, attrs, strategy, batch_id=batch_id) for stored, attrs, strategy in entries
    ]
    batch = FileBatch(_batch_body(state, batch_id, store), store, [f.id for f in attached])
    state.store[batch_id] = batch
    return _answer(state, batch.view(), attached)


def retrieve_batch(state: State, request: Request) -> Response:
    """``GET /vector_stores/{id}/file_batches/{batch_id}`` (reads its files)."""
    batch = _batch(state, request, _store(state, request))
    return _answer(state, batch.view(read=True), batch.files())


def cancel_batch(state: State, request: Request) -> Response:
    """``POST .../file_batches/{batch_id}/cancel``: files still in progress are ``cancelled``, and so is
    the batch if it had any; a finished batch is answered as it is (not captured from the real API)."""
    batch = _batch(state, request, _store(state, request))
    for attached in batch.files():
        if attached.refresh()["status"] == "in_progress":
            attached.progress.stop("cancelled")
            attached.refresh()
            batch.cancelled = True
    return _answer(state, batch.view())


def list_batch_files(state: State, request: Request) -> Response:
    """``GET .../file_batches/{batch_id}/files``: the batch's files, ``filter`` by status (reads them)."""
    batch = _batch(state, request, _store(state, request))
    wanted = _status_filter(request)
    files = batch.files()
    items = [body for body in (f.read() for f in files) if wanted is None or body["status"] == wanted]
    return _answer(state, page(items, request), files)
