"""Bodies made from the SDK's own response types: a JSON value any SDK type accepts, strictly.

:func:`instance` walks a type of the installed ``openai`` package (a pydantic model, a union, a
literal, a list...) and builds the JSON the real API would plausibly send for it: every field the
model has (optional ones as ``null``), literals at their first value, the first member of a union
(so a discriminated union is always picked the same way), ids shaped as the real API shapes them
(``asst_…``, ``thread_…``), timestamps from the fake's clock, and values the request named
(``name``, ``metadata``, ``model``...) copied back when the field's type accepts them.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import typing_extensions as te

from ._ids import Ids

__all__ = ["Context", "id_prefix", "instance"]

# The id prefix of each kind of object (its ``object`` value), as the real API shapes ids.
_PREFIXES = {
    "assistant": "asst_",
    "thread": "thread_",
    "thread.message": "msg_",
    "thread.run": "run_",
    "thread.run.step": "step_",
    "eval": "eval_",
    "eval.run": "evalrun_",
    "eval.run.output_item": "outputitem_",
    "organization.project": "proj_",
    "organization.user": "user-",
    "organization.project.user": "user-",
    "organization.invite": "invite-",
    "organization.project.service_account": "svc_acct_",
    "organization.project.api_key": "key_",
    "organization.admin_api_key": "key_",
    "organization.certificate": "cert_",
    "organization.project.certificate": "cert_",
    "certificate": "cert_",
    "group": "group_",
    "role": "role_",
    "vector_store": "vs_",
    "vector_store.file": "file-",
    "vector_store.files_batch": "vsfb_",
    "batch": "batch_",
    "file": "file-",
    "upload": "upload_",
    "upload.part": "part_",
    "fine_tuning.job": "ftjob-",
    "fine_tuning.job.event": "ftevent-",
    "fine_tuning.job.checkpoint": "ftckpt_",
    "checkpoint.permission": "cp_",
    "chatkit.session": "cksess_",
    "chatkit.thread": "cthr_",
    "chatkit.thread_item": "cthi_",
    "video": "video_",
    "skill": "skill_",
    "skill.version": "skillver_",
    "container": "cntr_",
    "container.file": "cfile_",
    "conversation": "conv_",
    "conversation.item": "msg_",
    "realtime.client_secret": "ek_",
    "response": "resp_",
    "chat.completion": "chatcmpl-",
}


def id_prefix(object_name: str | None, fallback: str = "obj") -> str:
    """The id prefix of objects whose ``object`` is ``object_name`` (``asst_`` for ``assistant``)."""
    if object_name in _PREFIXES:
        return _PREFIXES[object_name]
    name = (object_name or fallback).rsplit(".", 1)[-1]
    return name.replace("-", "_") + "_"


@dataclass
class Context:
    """What an instance is made from: the clock's time, the fake's id source, the request's values, the id to use."""

    now: int
    ids: Ids
    #: Values named by the request (body fields and path parameters), copied into matching fields.
    values: Mapping[str, Any] = field(default_factory=dict)
    #: The id of the top-level object (a retrieve of ``asst_abc`` answers ``asst_abc``).
    object_id: str | None = None
    model: str = "gpt-4o-mini"

    def new_id(self, prefix: str) -> str:
        """A new id such as ``asst_…``."""
        return self.ids.make(prefix, 24)


def instance(annotation: Any, context: Context) -> Any:
    """A JSON value of type ``annotation`` (an SDK type), made from ``context``."""
    return _make(annotation, context, "", 0, top=True)


_NONE = type(None)
_UNIONS: tuple[Any, ...] = (typing.Union, types.UnionType)
_MAX_DEPTH = 12


def _unwrap(annotation: Any) -> Any:
    while te.get_origin(annotation) is te.Annotated:
        annotation = te.get_args(annotation)[0]
    return annotation


def _make(annotation: Any, context: Context, name: str, depth: int, top: bool = False) -> Any:
    annotation = _unwrap(annotation)
    origin = te.get_origin(annotation)
    if annotation is _NONE or annotation is None:
        return None
    if origin in _UNIONS:
        members = [member for member in te.get_args(annotation) if _unwrap(member) is not _NONE]
        if not members:
            return None
        if depth >= _MAX_DEPTH and len(members) < len(te.get_args(annotation)):
            return None
        return _make(members[0], context, name, depth)
    if origin is te.Literal or origin is typing.Literal:
        return te.get_args(annotation)[0]
    if origin in (list, typing.List, tuple, set, frozenset) or annotation in (list, tuple):  # noqa: UP006
        return []
    if origin in (dict, typing.Dict) or annotation is dict:  # noqa: UP006
        return {}
    if isinstance(annotation, type):
        fields = getattr(annotation, "model_fields", None)
        if fields is not None:
            return _model(annotation, fields, context, depth, top)
        if issubclass(annotation, bool):
            return name == "deleted"
        if issubclass(annotation, int):
            return context.now if _is_time(name) else 0
        if issubclass(annotation, float):
            return float(context.now) if _is_time(name) else 0.0
        if issubclass(annotation, str):
            return _string(name, context)
    return {} if annotation is object or annotation is Any else None


def _model(cls: Any, fields: Mapping[str, Any], context: Context, depth: int, top: bool) -> Any:
    if depth >= _MAX_DEPTH:
        return {}
    out: dict[str, Any] = {}
    object_name = None
    object_field = fields.get("object")
    if object_field is not None:
        literal = _unwrap(object_field.annotation)
        if te.get_origin(literal) in (te.Literal, typing.Literal):
            object_name = te.get_args(literal)[0]
    for name, info in fields.items():
        key = info.alias or name
        annotation = info.annotation
        if name == "id" and _accepts_str(annotation):
            out[key] = context.object_id if top and context.object_id else context.new_id(id_prefix(object_name))
            continue
        if top and key in context.values and _accepts(annotation, context.values[key]):
            out[key] = context.values[key]
            continue
        if not info.is_required() and _optional(annotation):
            out[key] = None
            continue
        out[key] = _make(annotation, context, name, depth + 1)
    return out


def _string(name: str, context: Context) -> str:
    if name == "model":
        return context.model
    if name.endswith("url"):
        return "https://example.com/fakeopenai"
    if name == "email":
        return "user@example.com"
    if name.endswith("_id") and name[:-3] in _PREFIXES:
        return context.new_id(_PREFIXES[name[:-3]])
    return ""


def _is_time(name: str) -> bool:
    return name.endswith("_at") or name in ("created", "timestamp")


def _optional(annotation: Any) -> bool:
    annotation = _unwrap(annotation)
    return te.get_origin(annotation) in _UNIONS and any(_unwrap(arg) is _NONE for arg in te.get_args(annotation))


def _accepts_str(annotation: Any) -> bool:
    annotation = _unwrap(annotation)
    if annotation is str:
        return True
    return te.get_origin(annotation) in _UNIONS and str in [_unwrap(arg) for arg in te.get_args(annotation)]


_ADAPTERS: dict[Any, Any] = {}


def _accepts(annotation: Any, value: Any) -> bool:
    """Whether ``value`` (from the request) is a valid value of ``annotation``."""
    from pydantic import TypeAdapter

    try:
        adapter = _ADAPTERS.get(annotation)
        if adapter is None:
            adapter = _ADAPTERS[annotation] = TypeAdapter(annotation)
        adapter.validate_python(value, strict=False)
    except Exception:
        return False
    return True
