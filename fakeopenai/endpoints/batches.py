"""``/batches``: a JSONL file of requests, answered line by line by the same code as direct requests.

``POST /batches`` reads the input file (``purpose=batch``) and answers ``validating``. The batch then
moves ``validating → in_progress → finalizing → completed``, one status each time it is retrieved
(or by durations on the fake's clock: ``fake.lifecycle("batch", in_progress=60, ...)``, lifecycle
kind ``"batch"``). Leaving ``validating``, a batch whose input has bad lines goes ``failed`` with
its ``errors``; entering ``finalizing``, every line is answered, in file order, by the core exactly
as the same request sent directly would be (queued replies, rules, responders, ``fail()``,
validation), and recorded in ``fake.requests`` with an ``x-fakeopenai-batch-id`` header; at
``completed`` the answers are written to the output file (status 200) and the error file (any other
status), as the real API writes them. ``cancel`` moves a batch to ``cancelling``, then at the next
read to ``cancelled`` (with the answers it has, if any); a batch still running 24 hours after its
creation on the fake's clock ``expired``, and its unanswered lines go to the error file.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from .._errors import APIError, bad_request
from .._lifecycle import Progress
from .._state import State
from .._validation import check_enum, check_type, require
from .._wire import Request, Response, dumps, parse_json
from ._common import json_object, ok, page
from .files import StoredFile, add_file, expiry, find_file

__all__ = ["ENDPOINTS", "StoredBatch", "cancel", "create", "list_batches", "retrieve"]

#: The endpoints a batch may target (``endpoint``), as the API lists them.
ENDPOINTS = (
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
)
STATUSES = ("validating", "in_progress", "finalizing", "completed")
_WINDOW = 24 * 3600
_MAX_LINES = 50_000
_EXPIRED = {
    "code": "batch_expired",
    "message": "This request could not be executed before the completion window expired.",
}
_STAMPS = {
    "in_progress": "in_progress_at",
    "finalizing": "finalizing_at",
    "completed": "completed_at",
    "failed": "failed_at",
    "expired": "expired_at",
    "cancelling": "cancelling_at",
    "cancelled": "cancelled_at",
}


@dataclass(eq=False)
class StoredBatch:
    """A batch: its ``batch`` object, its lifecycle, the input lines and what answered them."""

    body: dict[str, Any]
    progress: Progress
    lines: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    created: float  #: clock reading at creation
    timed: bool  #: moves by durations on the clock (else a status per read)
    output_expires_at: int | None = None
    #: (succeeded, output line) per answered line, in input order; ``None`` until answered.
    answers: list[tuple[bool, dict[str, Any]]] | None = None
    written: bool = False
    #: Made up in ``any_id`` mode: its history is unknown, so a cancel is always answered (as it is).
    made_up: bool = False
    #: Held while the batch moves on: concurrent reads answer each line once.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    usage: dict[str, int] = field(default_factory=lambda: {"input": 0, "output": 0, "reasoning": 0, "cached": 0})


def _not_found(batch_id: str) -> APIError:
    # Our wording (the real 404 body for an unknown batch was not captured); the shape is the usual one.
    return APIError(404, f"No batch found with id '{batch_id}'.", param="batch_id")


def _batch_body(state: State, batch_id: str, endpoint: str, input_file_id: str) -> dict[str, Any]:
    now = state.now()
    return {
        "id": batch_id,
        "object": "batch",
        "endpoint": endpoint,
        "errors": None,
        "input_file_id": input_file_id,
        "completion_window": "24h",
        "status": "validating",
        "output_file_id": None,
        "error_file_id": None,
        "created_at": now,
        "in_progress_at": None,
        "expires_at": now + _WINDOW,
        "finalizing_at": None,
        "completed_at": None,
        "failed_at": None,
        "expired_at": None,
        "cancelling_at": None,
        "cancelled_at": None,
        "request_counts": {"total": 0, "completed": 0, "failed": 0},
        "metadata": None,
    }


def _new(state: State, body: dict[str, Any], lines: list[dict[str, Any]], errors: list[dict[str, Any]]) -> StoredBatch:
    created = state.clock()
    deadline = created + _WINDOW
    # The fake's clock, stopped at the end of the completion window: nothing happens to a batch later.
    progress = Progress(STATUSES, lambda: min(state.clock(), deadline), state.lifecycles.get("batch"))
    return StoredBatch(body, progress, lines, errors, created, "batch" in state.lifecycles)


def _made_up(state: State, batch_id: str) -> StoredBatch:
    """A batch that exists in ``any_id`` mode: an empty chat completions batch, validating."""
    body = _batch_body(state, batch_id, "/v1/chat/completions", "file-" + state.ids.token(22))
    batch = _new(state, body, [], [])
    batch.made_up = True
    return batch


# -- the input file, checked as the real API checks it --------------------------------------------


def _error(code: str, message: str, line: int | None, param: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}


def check_input(data: bytes, endpoint: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The requests of a JSONL input file, and the errors that fail the batch (each with its ``line``).

    Only ``invalid_json_line``'s message is the real API's own wording; the other codes are the
    ones the API documents (``missing_required_parameter``, ``duplicate_custom_id``,
    ``url_mismatch``, ``model_mismatch``, ``empty_file``, ``too_many_tasks``) with our messages.
    """
    lines: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    model: str | None = None
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    for number, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        try:
            line = parse_json(raw.encode())  # as a request body: no NaN, lone surrogates or deep nesting
        except ValueError:
            line = None
        if not isinstance(line, dict):
            errors.append(_error("invalid_json_line", "This line is not parseable as valid JSON.", number))
            continue
        problem = _line_problem(line, endpoint, seen, number)
        if problem is None:
            line_model = line["body"].get("model")
            if isinstance(line_model, str):
                if model is None:
                    model = line_model
                elif line_model != model:
                    problem = _error(
                        "model_mismatch",
                        f"The model '{line_model}' does not match the model '{model}' of the other requests "
                        "in this batch: a batch's requests must all use the same model.",
                        number,
                        "body.model",
                    )
        if problem is not None:
            errors.append(problem)
            continue
        seen.add(line["custom_id"])
        lines.append(line)
    if not lines and not errors:
        errors.append(_error("empty_file", "The batch input file is empty.", None))
    if len(lines) > _MAX_LINES:
        errors.append(
            _error("too_many_tasks", f"The batch has {len(lines)} requests; a batch may have at most 50,000.", None)
        )
    return lines, errors


def _line_problem(line: dict[str, Any], endpoint: str, seen: set[str], number: int) -> dict[str, Any] | None:
    for key, kind in (("custom_id", str), ("method", str), ("url", str), ("body", dict)):
        if line.get(key) is None:
            return _error("missing_required_parameter", f"Missing required parameter: '{key}'.", number, key)
        if not isinstance(line[key], kind):
            expected = "an object" if kind is dict else "a string"
            return _error("invalid_type", f"Invalid type for '{key}': expected {expected}.", number, key)
    if line["method"] != "POST":
        return _error(
            "invalid_value", f"Invalid value: '{line['method']}'. Supported values are: 'POST'.", number, "method"
        )
    if line["url"] != endpoint:
        return _error(
            "url_mismatch",
            f"The url '{line['url']}' does not match the batch's endpoint '{endpoint}'.",
            number,
            "url",
        )
    if line["custom_id"] in seen:
        return _error(
            "duplicate_custom_id",
            f"The custom_id '{line['custom_id']}' is not unique: every request of a batch needs its own.",
            number,
            "custom_id",
        )
    return None


# -- answering the lines --------------------------------------------------------------------------


def _answer(state: State, batch: StoredBatch, line: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Answer one line through the core, as the same request sent directly is answered."""
    from .._core import handle  # the core routes the line; imported here, as the core imports us

    url = line["url"]
    headers = {
        "content-type": "application/json",
        "x-fakeopenai-batch-id": str(batch.body["id"]),
        "x-fakeopenai-custom-id": line["custom_id"],
    }
    request = Request("POST", "https://api.openai.com" + url, url, headers, {}, dumps(line["body"]))
    if line["body"].get("stream") is True:  # a batch answers whole bodies; our wording
        request_id = state.ids.hex(32)
        status = 400
        payload: Any = APIError(400, "Streaming is not supported for requests in a batch.", param="stream").body()
    else:
        response = handle(state, request)
        status = response.status
        request_id = dict(response.headers).get("x-request-id", "").removeprefix("req_")
        try:
            payload = json.loads(response.body) if response.body else None
        except ValueError:
            payload = None
    _count_usage(batch, payload if status == 200 else None)
    out = {
        "id": state.ids.make("batch_req_", 24),
        "custom_id": line["custom_id"],
        "response": {"status_code": status, "request_id": request_id, "body": payload},
        "error": None,
    }
    return status == 200, out


def _count_usage(batch: StoredBatch, payload: Any) -> None:
    usage = payload.get("usage") if isinstance(payload, dict) else None
    if not isinstance(usage, dict):
        return
    totals = batch.usage
    totals["input"] += int(usage.get("input_tokens", usage.get("prompt_tokens", 0)) or 0)
    totals["output"] += int(usage.get("output_tokens", usage.get("completion_tokens", 0)) or 0)
    details = usage.get("output_tokens_details") or usage.get("completion_tokens_details") or {}
    totals["reasoning"] += int(details.get("reasoning_tokens", 0) or 0)
    cached = usage.get("input_tokens_details") or usage.get("prompt_tokens_details") or {}
    totals["cached"] += int(cached.get("cached_tokens", 0) or 0)


def _write(state: State, batch: StoredBatch, unanswered_error: dict[str, Any] | None = None) -> None:
    """Write the output and error files (once), from the answers and any lines left unanswered."""
    if batch.written:
        return
    batch.written = True
    answers = batch.answers or []
    good = [line for succeeded, line in answers if succeeded]
    bad = [line for succeeded, line in answers if not succeeded]
    if unanswered_error is not None:
        done = {line["custom_id"] for _, line in answers}
        bad += [
            {
                "id": state.ids.make("batch_req_", 24),
                "custom_id": line["custom_id"],
                "response": None,
                "error": unanswered_error,
            }
            for line in batch.lines
            if line["custom_id"] not in done
        ]
    batch_id = batch.body["id"]
    for lines, key, suffix in ((good, "output_file_id", "output"), (bad, "error_file_id", "error")):
        if lines:
            data = b"".join(dumps(line) + b"\n" for line in lines)
            stored = add_file(
                state, data, f"{batch_id}_{suffix}.jsonl", "batch_output", expires_at=batch.output_expires_at
            )
            batch.body[key] = stored.id


def _advance(state: State, batch: StoredBatch, trigger: Request, read: bool) -> None:
    """Move ``batch`` on as a read does (``read=False``: only what the clock says), then sync its body.

    A batch still running when its 24-hour window ends on the clock expires (on a clock-driven
    lifecycle, after the statuses it reached in time).
    """
    progress = batch.progress
    if read or batch.timed:
        if progress.stopped == "cancelling":
            delay = state.lifecycles.get("batch", {}).get("cancelling", 0.0) if batch.timed else 0.0
            if state.clock() >= progress.entered["cancelling"] + delay:
                progress.stop("cancelled")
                _write(state, batch)
        elif not progress.finished:
            deadline = batch.created + _WINDOW
            late = state.clock() >= deadline
            if batch.timed or not late:
                validating = progress.status == "validating"
                progress.read()
                if validating and progress.status != "validating" and batch.errors:
                    _fail(progress)
                _answer_all(state, batch, trigger)
            if late and not progress.finished:
                progress.stop("expired")
                _write(state, batch, _EXPIRED)
    if progress.status == "completed":
        _write(state, batch)
    _sync(state, batch)


def _answer_all(state: State, batch: StoredBatch, trigger: Request) -> None:
    """Answer every line once, on entering ``finalizing``.

    The lines are recorded before ``trigger`` (the request that moved the batch on), so
    ``fake.requests.last`` stays the client's own call.
    """
    progress = batch.progress
    if batch.answers is not None or progress.stopped or progress.index < progress.statuses.index("finalizing"):
        return
    batch.answers = [_answer(state, batch, line) for line in batch.lines]
    log = state.requests
    if batch.lines and trigger in log:
        log.remove(trigger)
        log.append(trigger)


def _fail(progress: Progress) -> None:
    """End a batch that just left ``validating`` as ``failed``, at the moment it left."""
    left_at = progress.entered[progress.statuses[1]]
    progress.entered = {progress.statuses[0]: progress.entered[progress.statuses[0]]}
    progress.index = 0
    progress.stop("failed")
    progress.entered["failed"] = left_at


def _sync(state: State, batch: StoredBatch) -> None:
    body = batch.body
    progress = batch.progress
    body["status"] = progress.status
    for status, key in _STAMPS.items():
        at = progress.entered.get(status)
        body[key] = state.timestamp(at) if at is not None else None
    if progress.stopped == "failed":
        body["errors"] = {"object": "list", "data": list(batch.errors)}
        return
    total = len(batch.lines) if progress.index >= 1 or progress.stopped else 0
    if batch.answers is None:
        body["request_counts"] = {"total": total, "completed": 0, "failed": 0}
    else:
        succeeded = sum(1 for good, _ in batch.answers if good)
        body["request_counts"] = {"total": total, "completed": succeeded, "failed": len(batch.answers) - succeeded}
    if progress.stopped == "expired":
        body["request_counts"]["failed"] = total - body["request_counts"]["completed"]
    usage = batch.usage
    body["usage"] = {
        "input_tokens": usage["input"],
        "input_tokens_details": {"cached_tokens": usage["cached"]},
        "output_tokens": usage["output"],
        "output_tokens_details": {"reasoning_tokens": usage["reasoning"]},
        "total_tokens": usage["input"] + usage["output"],
    }


def _find(state: State, batch_id: str) -> StoredBatch:
    return state.lookup(batch_id, StoredBatch, _not_found, lambda missing: _made_up(state, missing))


# -- the routes -----------------------------------------------------------------------------------


def create(state: State, request: Request) -> Response:
    """``POST /batches``: a batch over an uploaded JSONL file, answered ``validating``."""
    body = json_object(request)
    input_file_id = require(body, "input_file_id", "string")
    endpoint = require(body, "endpoint", "string")
    check_enum(endpoint, "endpoint", ENDPOINTS)
    window = require(body, "completion_window", "string")
    check_enum(window, "completion_window", ("24h",))
    metadata = body.get("metadata")
    check_type(metadata, "metadata", "object")
    output_policy = body.get("output_expires_after")
    stored: StoredFile = find_file(state, input_file_id)
    if stored.body["purpose"] != "batch" and stored.data:
        raise bad_request(
            f"Invalid 'input_file_id': the file {input_file_id} has purpose '{stored.body['purpose']}'; "
            "a batch's input file must be uploaded with purpose 'batch'.",
            param="input_file_id",
        )
    lines, errors = check_input(stored.data, endpoint)
    batch_body = _batch_body(state, state.new_id(request, "batch_", 32), endpoint, input_file_id)
    models = {line["body"].get("model") for line in lines} - {None}
    if len(models) == 1:
        batch_body["model"] = models.pop()
    if metadata is not None:
        batch_body["metadata"] = dict(metadata)
    batch = _new(state, batch_body, lines, errors)
    batch.output_expires_at = expiry(state, output_policy, "output_expires_after")
    state.store[batch_body["id"]] = batch
    _sync(state, batch)
    return ok(state, batch.body)


def retrieve(state: State, request: Request) -> Response:
    """``GET /batches/{batch_id}``: the batch, one status further (or as the clock says)."""
    batch = _find(state, request.params["batch_id"])
    with batch.lock:
        _advance(state, batch, request, read=True)
        return ok(state, batch.body)


def list_batches(state: State, request: Request) -> Response:
    """``GET /batches``: newest first, ``limit``/``after`` paging; listing does not move a batch on."""
    items = []
    for batch in state.store.all(StoredBatch):
        with batch.lock:
            _advance(state, batch, request, read=False)
            items.append(dict(batch.body))
    return ok(state, page(items, request, order="desc"))


def cancel(state: State, request: Request) -> Response:
    """``POST /batches/{batch_id}/cancel``: ``cancelling``, then ``cancelled`` at the next read."""
    batch = _find(state, request.params["batch_id"])
    with batch.lock:
        _advance(state, batch, request, read=False)
        progress = batch.progress
        if progress.stopped == "cancelling" or (batch.made_up and progress.finished):
            return ok(state, batch.body)
        if progress.finished:
            raise bad_request(f"Cannot cancel a batch with status '{progress.status}'.", param="batch_id")
        progress.stop("cancelling")
        _sync(state, batch)
        return ok(state, batch.body)
