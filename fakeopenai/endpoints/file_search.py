"""The Responses API's ``file_search`` tool, answered from the fake's vector stores.

When a ``responses.create`` request has ``tools=[{"type": "file_search", "vector_store_ids": [...]}]``
(and ``tool_choice`` is not ``"none"``), the answer gets a ``file_search_call`` item before the
message: the ``queries`` the model searched for (the reply's ``queries``, else the last user message
rewritten as ``rewrite_query`` does), ``status: "completed"``, and its ``results`` when the request
has ``include=["file_search_call.results"]`` (``null`` otherwise, as on the real API). The search is
the one ``POST /vector_stores/{id}/search`` runs (:func:`.vector_stores.search`), with the tool's
``max_num_results`` (default 20), ``filters`` and ``ranking_options.score_threshold``.

The message text then carries one ``file_citation`` annotation per cited file, at the end of the
text: the reply's ``citations`` (file ids or filenames), else every file the search found, best
first. The text itself is the reply's, scripted or default, as for any other request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._reply import Reply
from .._state import State
from .._validation import check_range, check_type, require
from .files import StoredFile
from .search_index import check_filter, rewrite
from .vector_stores import Hit, StoreFile, VectorStore, find_store, search

__all__ = ["FileSearchCall", "echo", "run", "wanted"]

#: The tool's ``max_num_results`` when the request gives none (what the real API echoes).
DEFAULT_RESULTS = 20
INCLUDE_RESULTS = "file_search_call.results"


def wanted(body: Mapping[str, Any]) -> bool:
    """Whether the request has a ``file_search`` tool the model may call."""
    if body.get("tool_choice") == "none":
        return False
    return any(_is_file_search(tool) for tool in body.get("tools") or ())


def _is_file_search(tool: Any) -> bool:
    return isinstance(tool, dict) and tool.get("type") == "file_search"


def echo(tool: Mapping[str, Any]) -> dict[str, Any]:
    """The tool as the response object echoes it, defaults filled in."""
    options = tool.get("ranking_options")
    options = options if isinstance(options, dict) else {}
    store_ids = tool.get("vector_store_ids")
    ranking: dict[str, Any] = {
        "ranker": options.get("ranker") or "auto",
        "score_threshold": float(options.get("score_threshold") or 0.0),
    }
    if options.get("hybrid_search"):
        ranking["hybrid_search"] = options["hybrid_search"]
    return {
        "type": "file_search",
        "filters": tool.get("filters"),
        "max_num_results": tool.get("max_num_results") or DEFAULT_RESULTS,
        "ranking_options": ranking,
        "vector_store_ids": store_ids if isinstance(store_ids, list) else [],
    }


@dataclass
class FileSearchCall:
    """The ``file_search_call`` output item of a response and the files its text cites."""

    item: dict[str, Any]
    cited: list[tuple[str, str]]  # (file id, filename), in citation order

    def annotations(self, text: str) -> list[dict[str, Any]]:
        """The ``file_citation`` annotations of an ``output_text`` part with ``text``."""
        end = len(text)
        return [
            {"type": "file_citation", "file_id": file_id, "index": end, "filename": filename}
            for file_id, filename in self.cited
        ]


def run(state: State, body: Mapping[str, Any], reply: Reply, include: Sequence[Any]) -> FileSearchCall:
    """Search the tools' vector stores as the model would, and say what the answer cites."""
    queries = [str(q) for q in reply.queries] if reply.queries is not None else [rewrite(_last_user_text(body))]
    hits: list[Hit] = []
    stores: list[VectorStore] = []
    for i, tool in enumerate(body.get("tools") or ()):
        if not _is_file_search(tool):
            continue
        limit, threshold = _check(tool, f"tools[{i}]")
        searched = [find_store(state, str(store_id)) for store_id in tool["vector_store_ids"]]
        stores += searched
        hits += search(state, searched, queries, limit=limit, filters=tool.get("filters"), threshold=threshold)
    hits.sort(key=lambda hit: -hit.score)
    results = None
    if INCLUDE_RESULTS in include:
        results = [
            {
                "attributes": hit.file.body.get("attributes") or {},
                "file_id": hit.file.id,
                "filename": hit.file.filename,
                "score": hit.score,
                "text": hit.text,
            }
            for hit in hits
        ]
    item = {
        "id": "fs_" + state.ids.hex(48),
        "type": "file_search_call",
        "status": "completed",
        "queries": queries,
        "results": results,
    }
    if reply.citations is not None:
        cited = [_named(state, stores, name) for name in reply.citations]
    else:
        cited = list(dict.fromkeys((hit.file.id, hit.file.filename) for hit in hits))
    return FileSearchCall(item, cited)


def _check(tool: Mapping[str, Any], param: str) -> tuple[int, float]:
    """The real API's 400s for a malformed tool (the SDK's types catch these first when validating);
    its ``max_num_results`` and ``score_threshold``."""
    require(tool, "vector_store_ids", "array")
    for i, store_id in enumerate(tool["vector_store_ids"]):
        check_type(store_id, f"{param}.vector_store_ids[{i}]", "string", nullable=False)
    limit = tool.get("max_num_results")
    check_type(limit, f"{param}.max_num_results", "integer")
    check_range(limit, f"{param}.max_num_results", 1, 50, "integer")
    options = tool.get("ranking_options") or {}
    check_type(options, f"{param}.ranking_options", "object")
    threshold = options.get("score_threshold")
    check_type(threshold, f"{param}.ranking_options.score_threshold", "number")
    check_range(threshold, f"{param}.ranking_options.score_threshold", 0, 1)
    if tool.get("filters") is not None:
        check_filter(tool["filters"], f"{param}.filters")
    return limit or DEFAULT_RESULTS, float(threshold or 0.0)


def _named(state: State, stores: Sequence[VectorStore], name: str) -> tuple[str, str]:
    """(file id, filename) of a file a reply cites by id or filename: in the searched stores, else in
    ``/files``; an unknown name is cited as it is (a test may cite what it likes)."""
    attached: list[StoreFile] = [f for store in stores for f in store.files.values()]
    for candidate in attached:
        if name in (candidate.id, candidate.filename):
            return candidate.id, candidate.filename
    stored = state.store.find(name, StoredFile)
    if stored is not None:
        return stored.id, str(stored.body.get("filename") or "")
    return name, name


def _last_user_text(body: Mapping[str, Any]) -> str:
    """The text of the request's last user message (its ``input`` when that is a string)."""
    value = body.get("input")
    if isinstance(value, str):
        return value
    for item in reversed(value or ()):
        if not isinstance(item, dict) or item.get("role", "user") != "user" or item.get("type", "message") != "message":
            continue
        content = item.get("content")
        if isinstance(content, str):
            return content
        texts = [part.get("text", "") for part in content or () if isinstance(part, dict) and "text" in part]
        return " ".join(str(text) for text in texts)
    return ""
