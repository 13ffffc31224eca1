"""``/fine_tuning``: fine-tuning jobs (create, retrieve, list, cancel, pause, resume), their events
and checkpoints, and checkpoint permissions.

A job is created from an uploaded file (``purpose`` ``fine-tune``) and moves ``validating_files ->
queued -> running -> succeeded`` (lifecycle kind ``"fine_tuning.job"``): one status per read
(``retrieve``, ``list_events``, ``checkpoints.list``) by default, or durations on the fake's clock
(``fake.lifecycle("fine_tuning.job", running=60)``). Events appear as it moves. On success the job
gets ``fine_tuned_model`` (``ft:<base>:<org>:<suffix>:<id>``, as the real API names it), a result
file (``step_metrics.csv``, purpose ``fine-tune-results``), one checkpoint per epoch (the last three),
and the model joins the catalogue (``models.list``; chat completions accept it even with
``reject_unknown_models``).

``pause`` freezes a job that has not finished and ``resume`` lets it go on. The spec's example
shows a paused job with ``status: "paused"``, but neither the spec's enum nor the SDK's type has
that status (a strict client would refuse it), so a paused job keeps its status and says so in its
events. In ``any_id`` mode, cancelling, pausing or resuming a job in the wrong state answers the job
unchanged instead of a 400, and a training file of any purpose is accepted. The lists take any
``limit`` (the API documents no range for them; below 1 means the default), as ``page`` does for
such routes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .._catalogue import model_id
from .._errors import APIError, bad_request
from .._lifecycle import Progress
from .._state import State
from .._validation import check_type, require
from .._wire import Request, Response
from ._common import json_object, ok, page
from .files import add_file, find_file

__all__ = [
    "ORGANIZATION",
    "StoredJob",
    "cancel",
    "checkpoints",
    "create",
    "events",
    "list_jobs",
    "pause",
    "permissions",
    "resume",
    "retrieve",
    "share",
    "unshare",
]

KIND = "fine_tuning.job"
STATUSES = ("validating_files", "queued", "running", "succeeded")
#: The organization the fake's account belongs to (``openai-organization`` header, ``owned_by``).
ORGANIZATION = "user-fakeopenai"
# What "auto" hyperparameters resolve to once a job runs (the values the real API typically picks).
_AUTO = {"n_epochs": 3, "batch_size": 1, "learning_rate_multiplier": 1.8}
_METADATA = "metadata["


@dataclass(eq=False)
class StoredJob:
    """A fine-tuning job: its ``fine_tuning.job`` object, lifecycle, events and checkpoints."""

    body: dict[str, Any]
    progress: Progress
    examples: int
    #: The ``fine_tuned_model`` the job gets when it succeeds.
    model_name: str
    #: Whether the lifecycle runs on durations (else a status per read).
    timed: bool = False
    #: Events, oldest first.
    events: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    #: Clock time the job was paused at (``None``: not paused).
    paused_at: float | None = None
    #: The last status events were written for.
    seen: str = "validating_files"

    @property
    def id(self) -> str:
        return str(self.body["id"])


@dataclass(eq=False)
class StoredPermission:
    """A ``checkpoint.permission`` on a fine-tuned model checkpoint."""

    body: dict[str, Any]
    checkpoint: str


def _not_found(job_id: str) -> APIError:
    # Wording as the real API's 404 is quoted in the wild ("No such fine-tuning job: ftjob-...").
    return APIError(404, f"No such fine-tuning job: {job_id}")


def _job(state: State, request: Request) -> StoredJob:
    job_id = request.params["fine_tuning_job_id"]
    return state.lookup(job_id, StoredJob, _not_found, lambda missing: _new_job(state, missing, {}, 1))


# -- the lifecycle ------------------------------------------------------------------------------


def _event(
    state: State, job: StoredJob, at: float, message: str, kind: str = "message", data: dict[str, Any] | None = None
) -> None:
    """Add an event (``info``; ``kind`` ``message`` or ``metrics``) entered at clock time ``at``."""
    job.events.append(
        {
            "object": "fine_tuning.job.event",
            "id": "ftevent-" + state.ids.token(24),
            "created_at": state.timestamp(at),
            "level": "info",
            "message": message,
            "data": data or {},
            "type": kind,
        }
    )


def _hyperparameters(job: StoredJob) -> dict[str, Any]:
    """The job's hyperparameters with ``auto`` (or absent) values resolved."""
    given = job.body["hyperparameters"]
    return {key: default if given.get(key) in (None, "auto") else given[key] for key, default in _AUTO.items()}


def _refresh(state: State, job: StoredJob, *, read: bool) -> None:
    """Bring the job's object up to its lifecycle (advancing it first when this is a read)."""
    progress = job.progress
    if (read or job.timed) and job.paused_at is None:
        progress.read()
    status = progress.status
    if status == job.seen:
        return
    index = {name: i for i, name in enumerate(STATUSES)}
    for name in STATUSES[index.get(job.seen, 0) + 1 : index.get(status, 0) + 1]:
        _enter(state, job, name, progress.entered[name])
    job.seen = status
    job.body["status"] = status


def _enter(state: State, job: StoredJob, status: str, at: float) -> None:
    body = job.body
    if status == "queued":
        _event(state, job, at, "Files validated, moving job to queued state")
    elif status == "running":
        resolved = _hyperparameters(job)
        body["hyperparameters"] = resolved
        method = body.get("method")
        inner = method.get(method.get("type")) if isinstance(method, dict) else None
        if isinstance(inner, dict):
            inner["hyperparameters"] = {**(inner.get("hyperparameters") or {}), **resolved}
        body["estimated_finish"] = state.timestamp(at) + 60
        _event(state, job, at, "Fine-tuning job started")
    elif status == "succeeded":
        _succeed(state, job, at)


def _loss(step: int) -> float:
    return round(1.5 / (1 + step), 4)


def _succeed(state: State, job: StoredJob, at: float) -> None:
    body = job.body
    params = _hyperparameters(job)
    epochs = int(params["n_epochs"])
    steps_per_epoch = max(1, math.ceil(job.examples / int(params["batch_size"])))
    total = steps_per_epoch * epochs
    model = job.model_name
    finished = state.timestamp(at)
    for step in sorted({max(1, total * i // 10) for i in range(1, 11)}):  # at most ten metrics events
        loss = _loss(step)
        _event(
            state,
            job,
            at,
            f"Step {step}/{total}: training loss={loss}",
            kind="metrics",
            data={"step": step, "train_loss": loss, "total_steps": total, "train_mean_token_accuracy": 0.9},
        )
    for epoch in range(max(1, epochs - 2), epochs + 1):
        step = steps_per_epoch * epoch
        checkpoint = {
            "object": "fine_tuning.job.checkpoint",
            "id": "ftckpt_" + state.ids.token(24),
            "created_at": finished,
            "fine_tuned_model_checkpoint": f"{model}:ckpt-step-{step}",
            "fine_tuning_job_id": body["id"],
            "metrics": {"step": float(step), "train_loss": _loss(step), "train_mean_token_accuracy": 0.9},
            "step_number": step,
        }
        job.checkpoints.append(checkpoint)
        _event(state, job, at, f"Checkpoint created at step {step}")
    csv = "step,train_loss,train_accuracy\n" + "".join(
        f"{step},{_loss(step)},0.9\n" for step in range(1, total + 1)
    )
    results = add_file(state, csv.encode(), "step_metrics.csv", "fine-tune-results")
    body.update(
        fine_tuned_model=model,
        finished_at=finished,
        result_files=[results.id],
        trained_tokens=job.examples * 16 * epochs,
        estimated_finish=None,
    )
    if not any(model_id(entry) == model for entry in state.models):
        state.models.append({"id": model, "object": "model", "created": finished, "owned_by": ORGANIZATION})
    _event(state, job, at, f"New fine-tuned model created: {model}")
    _event(state, job, at, "The job has successfully completed")


# -- POST /fine_tuning/jobs -------------------------------------------------------------------


def _new_job(state: State, job_id: str, body: dict[str, Any], examples: int) -> StoredJob:
    """A job in ``validating_files`` (also what ``any_id`` mode makes for an unknown id)."""
    model = str(body.get("model") or "gpt-4o-mini-2024-07-18")
    suffix = body.get("suffix") or ""
    hyperparameters = dict(body.get("hyperparameters") or {})
    method = body.get("method")
    if isinstance(method, dict):
        method = dict(method)
        kind = method.get("type")
        inner = method.get(kind) if isinstance(kind, str) else None
        if isinstance(inner, dict):
            inner = method[kind] = dict(inner)
            hyperparameters = {**dict(inner.get("hyperparameters") or {}), **hyperparameters}
            inner["hyperparameters"] = {**dict.fromkeys(_AUTO, "auto"), **hyperparameters}
    else:
        supervised = {"hyperparameters": {key: hyperparameters.get(key, "auto") for key in _AUTO}}
        method = {"type": "supervised", "supervised": supervised}
    short = job_id.removeprefix("ftjob-")[-8:] or state.ids.token(8)
    job: dict[str, Any] = {
        "object": "fine_tuning.job",
        "id": job_id,
        "model": model,
        "created_at": state.now(),
        "error": None,
        "fine_tuned_model": None,
        "finished_at": None,
        "hyperparameters": {key: hyperparameters.get(key, "auto") for key in _AUTO},
        "organization_id": ORGANIZATION,
        "result_files": [],
        "seed": body.get("seed") if isinstance(body.get("seed"), int) else 42,
        "status": "validating_files",
        "trained_tokens": None,
        "training_file": str(body.get("training_file") or "file-abc123"),
        "validation_file": body.get("validation_file"),
        "estimated_finish": None,
        "integrations": list(body.get("integrations") or []),
        "metadata": body.get("metadata"),
        "method": method,
    }
    name = f"ft:{model}:{ORGANIZATION}:{suffix}:{short}"
    stored = StoredJob(job, state.progress(KIND, STATUSES), examples, name, timed=KIND in state.lifecycles)
    created = stored.progress.entered["validating_files"]
    _event(state, stored, created, f"Created fine-tuning job: {job_id}")
    _event(state, stored, created, f"Validating training file: {job['training_file']}")
    return stored


def _check_file(state: State, body: dict[str, Any], key: str) -> int:
    """The number of examples in the file ``body[key]`` names; the real API's 400 for a bad one."""
    if key == "training_file":
        require(body, key, "string")
    file_id = body.get(key)
    if file_id is None:
        return 0
    check_type(file_id, key, "string")
    existed = file_id in state.store
    try:
        stored = find_file(state, str(file_id))
    except APIError:
        raise bad_request(f"invalid {key}: {file_id}", param=key) from None
    purpose = stored.body.get("purpose")
    if existed and purpose != "fine-tune" and not state.any_id:  # any_id: files made up for ids pass
        # Wording ours (not captured): the real API refuses files not uploaded for fine-tuning.
        raise bad_request(
            f"Invalid file purpose for {key} {file_id}: expected 'fine-tune', but got '{purpose}'.", param=key
        )
    return sum(1 for line in stored.text.splitlines() if line.strip())


def create(state: State, request: Request) -> Response:
    """``POST /fine_tuning/jobs``: a job from an uploaded ``fine-tune`` file, in ``validating_files``."""
    body = json_object(request)
    model = require(body, "model", "string")
    state.check_model(model)
    check_type(body.get("suffix"), "suffix", "string")
    check_type(body.get("hyperparameters"), "hyperparameters", "object")
    check_type(body.get("method"), "method", "object")
    check_type(body.get("metadata"), "metadata", "object")
    examples = _check_file(state, body, "training_file")
    _check_file(state, body, "validation_file")
    job = _new_job(state, state.new_id(request, "ftjob-", 24), body, max(1, examples))
    state.store[job.id] = job
    return ok(state, job.body)


# -- reads ------------------------------------------------------------------------------------


def retrieve(state: State, request: Request) -> Response:
    """``GET /fine_tuning/jobs/{id}``: the job (a read: it moves on)."""
    job = _job(state, request)
    _refresh(state, job, read=True)
    return ok(state, job.body)


def list_jobs(state: State, request: Request) -> Response:
    """``GET /fine_tuning/jobs``: newest first, ``after``/``limit`` and ``metadata[k]=v`` filters."""
    wanted = {key[len(_METADATA) : -1]: request.query[key] for key in request.query if key.startswith(_METADATA)}
    items = []
    for job in state.store.all(StoredJob):
        _refresh(state, job, read=False)
        metadata = job.body.get("metadata") or {}
        if all(metadata.get(key) == value for key, value in wanted.items()):
            items.append(job.body)
    return ok(state, page(items[::-1], request, order=None, ids=False, lenient=True))


def events(state: State, request: Request) -> Response:
    """``GET /fine_tuning/jobs/{id}/events``: newest first (a read: the job moves on)."""
    job = _job(state, request)
    _refresh(state, job, read=True)
    return ok(state, page(job.events[::-1], request, order=None, ids=False, lenient=True))


def checkpoints(state: State, request: Request) -> Response:
    """``GET /fine_tuning/jobs/{id}/checkpoints``: newest first (a read: the job moves on)."""
    job = _job(state, request)
    _refresh(state, job, read=True)
    return ok(state, page(job.checkpoints[::-1], request, order=None, default_limit=10, lenient=True))


# -- cancel, pause, resume --------------------------------------------------------------------


def cancel(state: State, request: Request) -> Response:
    """``POST /fine_tuning/jobs/{id}/cancel``: a job that has not finished stops as ``cancelled``."""
    job = _job(state, request)
    _refresh(state, job, read=False)
    if job.progress.finished:
        if state.any_id:  # any id exists and can be acted on: the job as it is
            return ok(state, job.body)
        # Wording ours (not captured): the real API refuses to cancel a finished job with a 400.
        raise bad_request(f"Job {job.id} has already {job.body['status']} and cannot be cancelled.")
    job.progress.stop("cancelled")
    job.paused_at = None
    job.body.update(status="cancelled", estimated_finish=None, finished_at=None)
    job.seen = "cancelled"
    _event(state, job, job.progress.entered["cancelled"], "Fine-tuning job cancelled")
    return ok(state, job.body)


def pause(state: State, request: Request) -> Response:
    """``POST /fine_tuning/jobs/{id}/pause``: freeze a job that has not finished (it keeps its status)."""
    job = _job(state, request)
    _refresh(state, job, read=False)
    if job.progress.finished and not state.any_id:
        raise bad_request(f"Job {job.id} has already {job.body['status']} and cannot be paused.")
    if job.paused_at is None and not job.progress.finished:
        job.paused_at = state.clock()
        _event(state, job, job.paused_at, "Fine-tuning job paused")
    return ok(state, job.body)


def resume(state: State, request: Request) -> Response:
    """``POST /fine_tuning/jobs/{id}/resume``: a paused job goes on where it was."""
    job = _job(state, request)
    if job.paused_at is None:
        if state.any_id:
            return ok(state, job.body)
        raise bad_request(f"Job {job.id} is not paused and cannot be resumed.")
    now = state.clock()
    progress = job.progress
    progress.entered[progress.status] += now - job.paused_at  # paused time does not count
    job.paused_at = None
    _event(state, job, now, "Fine-tuning job resumed")
    return ok(state, job.body)


# -- checkpoint permissions -------------------------------------------------------------------


def _shared(state: State, checkpoint: str) -> list[dict[str, Any]]:
    return [p.body for p in state.store.all(StoredPermission) if p.checkpoint == checkpoint]


def share(state: State, request: Request) -> Response:
    """``POST /fine_tuning/checkpoints/{checkpoint}/permissions``: share a checkpoint with projects."""
    checkpoint = unquote(request.params["fine_tuned_model_checkpoint"])
    body = json_object(request)
    projects = require(body, "project_ids", "array")
    made = []
    for i, project in enumerate(projects):
        check_type(project, f"project_ids[{i}]", "string", nullable=False)
        permission = {
            "object": "checkpoint.permission",
            "id": state.new_id(request if len(projects) == 1 else None, "cp_", 24),
            "created_at": state.now(),
            "project_id": project,
        }
        state.store[permission["id"]] = StoredPermission(permission, checkpoint)
        made.append(permission)
    return ok(state, page(made, request, order=None))


def permissions(state: State, request: Request) -> Response:
    """``GET /fine_tuning/checkpoints/{checkpoint}/permissions``: filtered by ``project_id``."""
    checkpoint = unquote(request.params["fine_tuned_model_checkpoint"])
    items = _shared(state, checkpoint)
    project = request.query.get("project_id")
    if project:
        items = [item for item in items if item["project_id"] == project]
    order = request.query.get("order") or "descending"
    if order not in ("ascending", "descending"):
        raise bad_request(
            f"Invalid value for 'order': expected one of 'ascending' or 'descending', but got '{order}' instead.",
            param="order",
            code="invalid_value",
        )
    ordered = items if order == "ascending" else items[::-1]
    return ok(state, page(ordered, request, order=None, default_limit=10, lenient=True))


def unshare(state: State, request: Request) -> Response:
    """``DELETE /fine_tuning/checkpoints/{checkpoint}/permissions/{permission_id}``."""
    permission_id = request.params["permission_id"]
    state.lookup(
        permission_id,
        StoredPermission,
        lambda missing: APIError(404, f"No such checkpoint permission: {missing}"),
        lambda missing: StoredPermission({"id": missing}, unquote(request.params["fine_tuned_model_checkpoint"])),
    )
    del state.store[permission_id]
    return ok(state, {"object": "checkpoint.permission", "id": permission_id, "deleted": True})
