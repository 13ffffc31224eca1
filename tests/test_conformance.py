"""Conformance: every body and every SSE event the fake emits, checked twice.

Every endpoint the fake serves is driven through the real SDK (sync and async, on every HTTP stack the
installed SDK takes: the ``api`` fixture). Each answer is then taken from the fake's recorded
responses (the bytes its transport wrote to the client; each is cross-checked against what the SDK
parsed) and must pass

(a) the SDK's own types, strictly: the raw JSON parses into the SDK class with pydantic's strict mode,
    AND a recursive walk over the SDK annotation finds no silent default (every field the SDK class
    declares without a default is present, at every nesting level, through unions, lists and dicts)
    and no key the SDK class does not know, except the short allow-list ``SDK_EXTRAS`` of wire facts
    documented in ``shared/WIRE.md``;
(b) the official OpenAPI schema (``tests/spec.py``), after undoing only the documented spec-vs-wire
    deviations (WIRE.md §8).

``test_removed_field_fails_both_checks`` and friends prove that the checks can fail.
"""

from __future__ import annotations

import base64
import collections.abc
import json
import struct
import types
import typing
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import openai
import pydantic
import pytest
from openai.pagination import SyncCursorPage, SyncPage
from openai.types import (
    Batch,
    Completion,
    CreateEmbeddingResponse,
    ErrorObject,
    FileDeleted,
    FileObject,
    ImageEditStreamEvent,
    ImageGenStreamEvent,
    ImagesResponse,
    Model,
    ModelDeleted,
    ModerationCreateResponse,
    Upload,
    VectorStore,
    VectorStoreDeleted,
    VectorStoreSearchResponse,
)
from openai.types.audio import (
    Transcription,
    TranscriptionStreamEvent,
    TranscriptionVerbose,
    Translation,
    TranslationVerbose,
)
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionDeleted, ChatCompletionStoreMessage
from openai.types.responses import Response, ResponseItem, ResponseItemList, ResponseStreamEvent
from openai.types.uploads import UploadPart
from openai.types.vector_stores import VectorStoreFile, VectorStoreFileBatch, VectorStoreFileDeleted
from openai.types.vector_stores.file_content_response import FileContentResponse

import fakeopenai
from fakeopenai import Reply, ToolCall
from fakeopenai._core import ROUTES
from fakeopenai._sound import CONTENT_TYPES

from .conftest import OPENAI_MAJOR, Api

try:  # openai 1.x has no diarized transcription type: those answers are checked against the spec only there
    from openai.types.audio import TranscriptionDiarized
except ImportError:  # pragma: no cover - depends on the installed SDK
    TranscriptionDiarized = None
try:  # openai 1.x has no responses.input_tokens: its answer is checked against the spec only there
    from openai.types.responses import InputTokenCountResponse
except ImportError:  # pragma: no cover - depends on the installed SDK
    InputTokenCountResponse = None
from .spec import (
    assert_valid,
    response_event_schemas,
    spec,
    spec_completion_chunk,
    spec_response,
    sse_payloads,
)

# -- (a) the SDK's types, strictly ---------------------------------------------------------------

#: Keys the installed SDK's class does not declare but the real wire sends: (SDK class, key) -> why.
#: Only these may be SDK extras; an entry is used only where the installed SDK lacks the field.
SDK_EXTRAS: dict[tuple[str, str], str] = {
    ("ChatCompletionChunk", "obfuscation"): "WIRE.md §0.1: on every chat chunk by default (openai 1.x lacks it)",
    ("ResponseTextDeltaEvent", "obfuscation"): "WIRE.md §0.1/§3: Responses *.delta events carry it",
    ("ResponseRefusalDeltaEvent", "obfuscation"): "WIRE.md §0.1/§3: Responses *.delta events carry it",
    ("ResponseFunctionCallArgumentsDeltaEvent", "obfuscation"): "WIRE.md §0.1/§3: Responses *.delta events",
    ("ResponseReasoningSummaryTextDeltaEvent", "obfuscation"): "WIRE.md §0.1/§3: Responses *.delta events",
    ("ResponseFunctionCallArgumentsDoneEvent", "name"): "WIRE.md §3/§8.3: spec-required, the SDK type ignores it",
    ("InputTokensDetails", "cache_write_tokens"): "WIRE.md §3/§8.3: spec- and SDK 3.x-required (openai 1.x lacks it)",
    ("Response", "store"): "WIRE.md §3: the real response object echoes store",
    ("Response", "completed_at"): "WIRE.md §3: the real response object has it (openai 1.x lacks it)",
    ("ChatCompletion", "metadata"): "spec CreateChatCompletionResponse: stored ones carry it (1.x lacks it)",
    ("SyncCursorPage[ChatCompletion]", "object"): "WIRE.md §7: spec ChatCompletionList requires it",
    ("SyncCursorPage[ChatCompletion]", "first_id"): "WIRE.md §7: spec ChatCompletionList requires it",
    ("SyncCursorPage[ChatCompletion]", "last_id"): "WIRE.md §7: spec ChatCompletionList requires it",
    ("SyncCursorPage[ChatCompletionStoreMessage]", "object"): "WIRE.md §7: spec ChatCompletionMessageList",
    ("SyncCursorPage[ChatCompletionStoreMessage]", "first_id"): "WIRE.md §7: spec ChatCompletionMessageList",
    ("SyncCursorPage[ChatCompletionStoreMessage]", "last_id"): "WIRE.md §7: spec ChatCompletionMessageList",
    ("ChatCompletionStoreMessage", "name"): "the spec's messages.list example sends name (the SDK type lacks it)",
    ("SyncCursorPage[FileObject]", "object"): "WIRE.md §7: spec ListFilesResponse requires it",
    ("SyncCursorPage[FileObject]", "first_id"): "WIRE.md §7: spec ListFilesResponse requires it",
    ("SyncCursorPage[FileObject]", "last_id"): "WIRE.md §7: spec ListFilesResponse requires it",
    ("SyncCursorPage[Batch]", "object"): "WIRE.md §7: spec ListBatchesResponse requires it",
    ("SyncCursorPage[Batch]", "first_id"): "WIRE.md §7: spec ListBatchesResponse has it",
    ("SyncCursorPage[Batch]", "last_id"): "WIRE.md §7: spec ListBatchesResponse has it",
    ("Batch", "model"): "spec Batch has it (openai 1.x lacks it)",
    ("Batch", "usage"): "spec Batch has it, on batches created after 2025-09-07 (openai 1.x lacks it)",
    ("TranscriptionVerbose", "task"): "the spec's verbose_json example (and Whisper's wire) carries task",
    ("TranslationVerbose", "task"): "the spec's verbose_json example (and Whisper's wire) carries task",
    # vector stores: pages the spec frames with more than the SDK's page classes read
    ("SyncCursorPage[VectorStore]", "object"): "spec ListVectorStoresResponse requires it",
    ("SyncCursorPage[VectorStore]", "first_id"): "spec ListVectorStoresResponse requires it",
    ("SyncCursorPage[VectorStore]", "last_id"): "spec ListVectorStoresResponse requires it",
    ("SyncCursorPage[VectorStoreFile]", "object"): "spec ListVectorStoreFilesResponse requires it",
    ("SyncCursorPage[VectorStoreFile]", "first_id"): "spec ListVectorStoreFilesResponse requires it",
    ("SyncCursorPage[VectorStoreFile]", "last_id"): "spec ListVectorStoreFilesResponse requires it",
    ("SyncPage[VectorStoreSearchResponse]", "search_query"): "spec VectorStoreSearchResultsPage requires it",
    ("SyncPage[VectorStoreSearchResponse]", "has_more"): "spec VectorStoreSearchResultsPage requires it",
    ("SyncPage[VectorStoreSearchResponse]", "next_page"): "spec VectorStoreSearchResultsPage requires it",
    ("SyncPage[FileContentResponse]", "has_more"): "spec VectorStoreFileContentResponse requires it",
    ("SyncPage[FileContentResponse]", "next_page"): "spec VectorStoreFileContentResponse requires it",
}

_NONE = type(None)
_UNIONS: tuple[Any, ...] = (typing.Union, types.UnionType)
_SEQUENCES: tuple[Any, ...] = (list, tuple, collections.abc.Sequence, collections.abc.Iterable)
_MAPPINGS: tuple[Any, ...] = (dict, collections.abc.Mapping)


def _strip(annotation: Any) -> Any:
    """The annotation without ``Annotated[...]`` metadata and type aliases."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif type(annotation).__name__ == "TypeAliasType":
            annotation = annotation.__value__
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)


def _key(name: str, info: Any) -> str:
    return str(info.alias or name)


def _fits(raw: Any, annotation: Any) -> bool:
    """Whether ``raw`` could be this union member: its JSON kind, and its discriminators (Literal fields)."""
    annotation = _strip(annotation)
    origin = typing.get_origin(annotation)
    if annotation in (Any, object):
        return True
    if origin in _UNIONS:
        return any(_fits(raw, member) for member in typing.get_args(annotation))
    if origin is typing.Literal:
        return raw in typing.get_args(annotation)
    if _is_model(annotation):
        if not isinstance(raw, dict):
            return False
        for name, info in annotation.model_fields.items():
            field = _strip(info.annotation)
            if typing.get_origin(field) is typing.Literal:
                key = _key(name, info)
                if key in raw and raw[key] not in typing.get_args(field):
                    return False
                if key not in raw and info.is_required():
                    return False  # a required discriminator is missing: another member is meant
        return True
    if origin in _SEQUENCES:
        return isinstance(raw, list)
    if origin in _MAPPINGS:
        return isinstance(raw, dict)
    if annotation is _NONE:
        return raw is None
    if annotation is bool:
        return isinstance(raw, bool)
    if annotation is int:
        return isinstance(raw, int) and not isinstance(raw, bool)
    if annotation is float:
        return isinstance(raw, (int, float)) and not isinstance(raw, bool)
    if annotation is str:
        return isinstance(raw, str)
    return True


def _kind(raw: Any) -> str:
    return (
        "null"
        if raw is None
        else {dict: "object", list: "array", str: "string", bool: "boolean"}.get(type(raw), "number")
    )


def sdk_problems(raw: Any, annotation: Any, path: str = "") -> list[str]:
    """What ``raw`` lacks or has too much for the SDK type ``annotation``, with the path of each.

    Missing required fields and unknown keys at every level; unions are resolved by JSON kind and
    ``Literal`` discriminators, then the member with no problems (else the fewest) is reported.
    """
    annotation = _strip(annotation)
    origin = typing.get_origin(annotation)
    where = path or "<root>"
    if annotation in (Any, object):
        return []
    if origin in _UNIONS:
        members = typing.get_args(annotation)
        if raw is None:
            return [] if _NONE in members else [f"{where}: null, but the SDK type is {annotation}"]
        candidates = [m for m in members if m is not _NONE and _fits(raw, m)]
        if not candidates:
            return [f"{where}: {_kind(raw)} fits no member of the SDK's {_describe(annotation)}"]
        best: list[str] | None = None
        for member in candidates:
            found = sdk_problems(raw, member, path)
            if not found:
                return []
            if best is None or len(found) < len(best):
                best = found
        return best or []
    if _is_model(annotation):
        if not isinstance(raw, dict):
            return [f"{where}: {_kind(raw)}, but the SDK's {annotation.__name__} is an object"]
        problems = []
        fields: dict[str, tuple[str, Any]] = {}
        for name, info in annotation.model_fields.items():
            key = _key(name, info)
            fields[key] = (name, info)
            if info.is_required() and key not in raw:
                problems.append(f"{_join(path, key)}: missing, but required by the SDK's {annotation.__name__}")
        for key, value in raw.items():
            if key not in fields:
                if (annotation.__name__, key) not in SDK_EXTRAS:
                    problems.append(f"{_join(path, key)}: unknown to the SDK's {annotation.__name__}")
                continue
            problems += sdk_problems(value, fields[key][1].annotation, _join(path, key))
        return problems
    if origin in _SEQUENCES:
        if not isinstance(raw, list):
            return [f"{where}: {_kind(raw)}, but the SDK type is an array"]
        (item,) = typing.get_args(annotation)[:1] or (Any,)
        return [p for i, value in enumerate(raw) for p in sdk_problems(value, item, f"{path}[{i}]")]
    if origin in _MAPPINGS:
        if not isinstance(raw, dict):
            return [f"{where}: {_kind(raw)}, but the SDK type is an object"]
        args = typing.get_args(annotation)
        value_type = args[1] if len(args) == 2 else Any
        return [p for key, value in raw.items() for p in sdk_problems(value, value_type, _join(path, key))]
    if not _fits(raw, annotation):
        return [f"{where}: {json.dumps(raw)[:60]} does not fit the SDK type {_describe(annotation)}"]
    return []


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(annotation: Any) -> str:
    names = [getattr(member, "__name__", str(member)) for member in typing.get_args(annotation)]
    return f"Union[{', '.join(names)}]" if names else getattr(annotation, "__name__", str(annotation))


_ADAPTERS: dict[Any, pydantic.TypeAdapter[Any]] = {}


def check_sdk(raw: Any, annotation: Any, what: str) -> Any:
    """Parse ``raw`` into the SDK type strictly and walk it for silent defaults and unknown keys."""
    target = _strip(annotation)
    if typing.get_origin(target) in _UNIONS:  # pick the member by its discriminator, as the SDK does
        members = [m for m in typing.get_args(target) if _fits(raw, m)]
        target = members[0] if len(members) == 1 else annotation
    adapter = _ADAPTERS.get(target)
    if adapter is None:
        adapter = _ADAPTERS[target] = pydantic.TypeAdapter(target)
    problems = sdk_problems(raw, annotation)
    parsed = None
    try:
        parsed = adapter.validate_python(raw, strict=True)
    except pydantic.ValidationError as error:
        problems += [
            f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']} (strict SDK parse)" for e in error.errors()
        ]
    if problems:
        raise AssertionError(f"{what}: {len(problems)} SDK type problem(s)\n" + "\n".join(problems[:10]))
    return parsed


# -- what each endpoint emits ------------------------------------------------------------------


def _decoded_embeddings(body: dict[str, Any]) -> dict[str, Any]:
    """The body with base64 embeddings decoded as the SDK decodes them (little-endian float32).

    WIRE.md §3/§8.2: the SDK type and the spec say ``embedding`` is an array; the base64 form is a
    string on the real wire too, and the SDK decodes it before its type applies.
    """
    data = []
    for item in body["data"]:
        vector = item["embedding"]
        if isinstance(vector, str):
            raw = base64.b64decode(vector, validate=True)
            assert len(raw) % 4 == 0, "base64 embedding is not whole float32 values"
            vector = list(struct.unpack(f"<{len(raw) // 4}f", raw))
        data.append({**item, "embedding": vector})
    return {**body, "data": data}


def _spec_event(event: dict[str, Any]) -> dict[str, Any]:
    if "response" in event:
        return {**event, "response": spec_response(event["response"])}
    return event


def _responses_event_schema(event: dict[str, Any]) -> str:
    return response_event_schemas()[event["type"]]


def _identity(body: Any) -> Any:
    return body


@dataclass(frozen=True)
class Shape:
    """How one kind of body (or event) is checked: SDK type and spec schema, each with its view of it."""

    sdk: Any  # the SDK type, or None where the SDK has none (it casts the answer to None)
    schema: str | Callable[[dict[str, Any]], str] | None
    sdk_view: Callable[[Any], Any] = _identity
    spec_view: Callable[[Any], Any] = _identity

    def check(self, raw: Any, what: str) -> None:
        if self.sdk is not None:
            check_sdk(self.sdk_view(raw), self.sdk, what)
        if self.schema is not None:
            view = self.spec_view(raw)
            name = self.schema if isinstance(self.schema, str) else self.schema(view)
            assert_valid(view, name)


@dataclass(frozen=True)
class Contract:
    """What one route answers: a JSON body, and for streams, each event (and whether ``[DONE]`` ends it)."""

    body: Shape
    event: Shape | None = None
    done: bool = False  # chat and legacy completions end with data: [DONE]; Responses streams do not
    raw: Callable[[fakeopenai.Request, bytes], None] | None = None  # a body that is not JSON (audio, text)


def _deleted_response(body: dict[str, Any]) -> None:
    """``DELETE /responses/{id}``: the SDK casts it to None and the spec has no schema, only its example."""
    example = json.loads(spec()["paths"]["/responses/{response_id}"]["delete"]["x-oaiMeta"]["examples"]["response"])
    assert list(body) == list(example), f"keys {list(body)} != the spec example's {list(example)}"
    assert [type(v) for v in body.values()] == [type(v) for v in example.values()]
    assert body["object"] == "response" and body["deleted"] is True


def _as_assistant_messages(body: dict[str, Any]) -> dict[str, Any]:
    """A stored-messages page with every role checked as ``assistant``, after checking the real roles.

    ``GET /chat/completions/{id}/messages`` lists the messages the request sent (the spec's own example
    has ``"role": "user"``), but the SDK's ``ChatCompletionStoreMessage`` and the spec's
    ``ChatCompletionResponseMessage`` both declare ``role`` as ``"assistant"`` only: a deviation of
    the types, not of the wire. The rest of each message is checked as is.
    """
    roles = {message["role"] for message in body["data"]}
    assert roles <= {"system", "developer", "user", "assistant", "tool", "function"}, roles
    return {**body, "data": [{**message, "role": "assistant"} for message in body["data"]]}


def _without_nulls(body: Any) -> Any:
    """The body with its null fields left out, at every level.

    The real wire sends ``null`` for the unset fields of files, uploads and batches
    (``expires_at``, ``status_details``, ``output_file_id``, ``*_at``, ``errors``, ``metadata``: the
    spec's own batch examples do, WIRE.md §8.2), where the spec types them without null.
    """
    if isinstance(body, dict):
        return {key: _without_nulls(value) for key, value in body.items() if value is not None}
    if isinstance(body, list):
        return [_without_nulls(item) for item in body]
    return body


def _binary(request: fakeopenai.Request) -> None:
    """``GET /files/{id}/content``: raw bytes, sent as ``application/octet-stream``."""
    response = request.response
    assert response is not None and response.events is None
    assert dict(response.headers)["content-type"] == "application/octet-stream"


# -- media: bodies chosen by what the request asked for, and bodies that are not JSON -------------


class _Transcription(Shape):
    def __init__(self) -> None:
        super().__init__(None, None)

    def check(self, raw: Any, what: str) -> None:
        if raw.get("segments") and "speaker" in raw["segments"][0]:
            Shape(TranscriptionDiarized, "CreateTranscriptionResponseDiarizedJson").check(raw, what)
        elif "duration" in raw:
            Shape(TranscriptionVerbose, "CreateTranscriptionResponseVerboseJson").check(raw, what)
        else:
            Shape(Transcription, "CreateTranscriptionResponseJson").check(raw, what)


class _Translation(Shape):
    def __init__(self) -> None:
        super().__init__(None, None)

    def check(self, raw: Any, what: str) -> None:
        if "duration" in raw:
            Shape(TranslationVerbose, "CreateTranslationResponseVerboseJson").check(raw, what)
        else:
            Shape(Translation, "CreateTranslationResponseJson").check(raw, what)


_EVENT_SCHEMAS = {
    "image_generation.partial_image": "ImageGenPartialImageEvent",
    "image_generation.completed": "ImageGenCompletedEvent",
    "image_edit.partial_image": "ImageEditPartialImageEvent",
    "image_edit.completed": "ImageEditCompletedEvent",
    "transcript.text.delta": "TranscriptTextDeltaEvent",
    "transcript.text.done": "TranscriptTextDoneEvent",
    "transcript.text.segment": "TranscriptTextSegmentEvent",
    "speech.audio.delta": "SpeechAudioDeltaEvent",
    "speech.audio.done": "SpeechAudioDoneEvent",
}


def _media_event_schema(event: dict[str, Any]) -> str:
    return _EVENT_SCHEMAS[event["type"]]


def _images_response(body: dict[str, Any]) -> dict[str, Any]:
    """Every picture in an images answer is a real file of the reported format and size."""
    for item in body.get("data") or []:
        data = base64.b64decode(item["b64_json"] if "b64_json" in item else item["url"].split(",", 1)[1])
        media_check_image(data, body.get("output_format", "png"), body.get("size"))
    return body


def media_check_image(data: bytes, output_format: str, size: str | None) -> None:
    if output_format == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
        found = struct.unpack(">II", data[16:24])
    elif output_format == "jpeg":
        assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
        at = data.index(b"\xff\xc0")
        height, width = struct.unpack(">HH", data[at + 5 : at + 9])
        found = (width, height)
    else:
        assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
        bits = int.from_bytes(data[21:25], "little")
        found = ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if size is not None:
        assert "x".join(map(str, found)) == size, f"{output_format} of {found}, reported as {size}"


def _image_event(event: dict[str, Any]) -> dict[str, Any]:
    media_check_image(base64.b64decode(event["b64_json"]), event["output_format"], event["size"])
    return event


def _speech(request: fakeopenai.Request, body: bytes) -> None:
    """The audio bytes parse as the requested format; the content type names it."""
    import io
    import wave

    response_format = (request.json or {}).get("response_format") or "mp3"
    assert request.response is not None
    content_type = dict(request.response.headers)["content-type"]
    assert content_type == CONTENT_TYPES[response_format]
    if response_format == "wav":
        with wave.open(io.BytesIO(body)) as reader:
            assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (24000, 1, 2)
            assert reader.getnframes() > 0
    elif response_format == "pcm":
        assert len(body) % 2 == 0 and body
    elif response_format == "flac":
        assert body[:4] == b"fLaC" and body[42:44] == b"\xff\xf8"
    elif response_format == "mp3":
        assert body[:2] == b"\xff\xf3" and len(body) % 96 == 0
    elif response_format == "opus":
        assert body[:4] == b"OggS" and body[28:36] == b"OpusHead"
    else:
        assert body[:2] == b"\xff\xf1" and len(body) % 11 == 0


def _transcript_text(request: fakeopenai.Request, body: bytes) -> None:
    """``text``, ``srt`` and ``vtt`` transcripts: plain text in the format asked for."""
    assert request.response is not None
    assert dict(request.response.headers)["content-type"] == "text/plain; charset=utf-8"
    text = body.decode()
    form = request.form
    kind = form.get("response_format") if form is not None else None
    if kind == "vtt":
        assert text.startswith("WEBVTT\n\n")
    elif kind == "srt":
        assert text.startswith("1\n00:00:00,000 --> ")
    assert text.endswith("\n")


_SPEC_ONLY = Shape(None, None)
_BINARY = Shape(None, None)
#: (method, route path of fakeopenai._core.ROUTES) -> its contract.
CONTRACTS: dict[tuple[str, str], Contract] = {
    ("POST", "/chat/completions"): Contract(
        Shape(ChatCompletion, "CreateChatCompletionResponse"),
        Shape(ChatCompletionChunk, "CreateChatCompletionStreamResponse"),
        done=True,
    ),
    ("GET", "/chat/completions"): Contract(Shape(SyncCursorPage[ChatCompletion], "ChatCompletionList")),
    ("GET", "/chat/completions/{completion_id}"): Contract(Shape(ChatCompletion, "CreateChatCompletionResponse")),
    ("POST", "/chat/completions/{completion_id}"): Contract(Shape(ChatCompletion, "CreateChatCompletionResponse")),
    ("DELETE", "/chat/completions/{completion_id}"): Contract(Shape(ChatCompletionDeleted, "ChatCompletionDeleted")),
    ("GET", "/chat/completions/{completion_id}/messages"): Contract(
        Shape(
            SyncCursorPage[ChatCompletionStoreMessage],
            "ChatCompletionMessageList",
            _as_assistant_messages,
            _as_assistant_messages,
        )
    ),
    ("POST", "/completions"): Contract(
        Shape(Completion, "CreateCompletionResponse"),
        # WIRE-level deviation shared by the SDK type and the spec: finish_reason null mid-stream.
        Shape(Completion, "CreateCompletionResponse", spec_completion_chunk, spec_completion_chunk),
        done=True,
    ),
    ("POST", "/responses"): Contract(
        Shape(Response, "Response", spec_view=spec_response),
        Shape(ResponseStreamEvent, _responses_event_schema, spec_view=_spec_event),
    ),
    ("GET", "/responses/{response_id}"): Contract(
        Shape(Response, "Response", spec_view=spec_response),
        Shape(ResponseStreamEvent, _responses_event_schema, spec_view=_spec_event),
    ),
    ("DELETE", "/responses/{response_id}"): Contract(_SPEC_ONLY),
    ("POST", "/responses/{response_id}/cancel"): Contract(Shape(Response, "Response", spec_view=spec_response)),
    ("POST", "/responses/input_tokens"): Contract(Shape(InputTokenCountResponse, "TokenCountsResource")),
    ("GET", "/responses/{response_id}/input_items"): Contract(Shape(ResponseItemList, "ResponseItemList")),
    ("POST", "/embeddings"): Contract(
        Shape(CreateEmbeddingResponse, "CreateEmbeddingResponse", _decoded_embeddings, _decoded_embeddings)
    ),
    ("POST", "/moderations"): Contract(Shape(ModerationCreateResponse, "CreateModerationResponse")),
    ("GET", "/models"): Contract(Shape(SyncPage[Model], "ListModelsResponse")),
    ("GET", "/models/{model}"): Contract(Shape(Model, "Model")),
    ("DELETE", "/models/{model}"): Contract(Shape(ModelDeleted, "DeleteModelResponse")),
    ("POST", "/files"): Contract(Shape(FileObject, "OpenAIFile", spec_view=_without_nulls)),
    ("GET", "/files"): Contract(Shape(SyncCursorPage[FileObject], "ListFilesResponse", spec_view=_without_nulls)),
    ("GET", "/files/{file_id}"): Contract(Shape(FileObject, "OpenAIFile", spec_view=_without_nulls)),
    ("DELETE", "/files/{file_id}"): Contract(Shape(FileDeleted, "DeleteFileResponse")),
    ("GET", "/files/{file_id}/content"): Contract(_BINARY),
    ("POST", "/uploads"): Contract(Shape(Upload, "Upload", spec_view=_without_nulls)),
    ("POST", "/uploads/{upload_id}/parts"): Contract(Shape(UploadPart, "UploadPart")),
    ("POST", "/uploads/{upload_id}/complete"): Contract(Shape(Upload, "Upload", spec_view=_without_nulls)),
    ("POST", "/uploads/{upload_id}/cancel"): Contract(Shape(Upload, "Upload", spec_view=_without_nulls)),
    ("POST", "/batches"): Contract(Shape(Batch, "Batch", spec_view=_without_nulls)),
    ("GET", "/batches"): Contract(Shape(SyncCursorPage[Batch], "ListBatchesResponse", spec_view=_without_nulls)),
    ("GET", "/batches/{batch_id}"): Contract(Shape(Batch, "Batch", spec_view=_without_nulls)),
    ("POST", "/batches/{batch_id}/cancel"): Contract(Shape(Batch, "Batch", spec_view=_without_nulls)),
    # media
    ("POST", "/images/generations"): Contract(
        Shape(ImagesResponse, "ImagesResponse", spec_view=_images_response),
        Shape(ImageGenStreamEvent, _media_event_schema, spec_view=_image_event),
    ),
    ("POST", "/images/edits"): Contract(
        Shape(ImagesResponse, "ImagesResponse", spec_view=_images_response),
        Shape(ImageEditStreamEvent, _media_event_schema, spec_view=_image_event),
    ),
    ("POST", "/images/variations"): Contract(Shape(ImagesResponse, "ImagesResponse", spec_view=_images_response)),
    ("POST", "/audio/speech"): Contract(_SPEC_ONLY, Shape(None, _media_event_schema), raw=_speech),
    ("POST", "/audio/transcriptions"): Contract(
        _Transcription(), Shape(TranscriptionStreamEvent, _media_event_schema), raw=_transcript_text
    ),
    ("POST", "/audio/translations"): Contract(_Translation(), raw=_transcript_text),
    # vector stores (endpoints/vector_stores.py)
    ("POST", "/vector_stores"): Contract(Shape(VectorStore, "VectorStoreObject")),
    ("GET", "/vector_stores"): Contract(Shape(SyncCursorPage[VectorStore], "ListVectorStoresResponse")),
    ("GET", "/vector_stores/{vector_store_id}"): Contract(Shape(VectorStore, "VectorStoreObject")),
    ("POST", "/vector_stores/{vector_store_id}"): Contract(Shape(VectorStore, "VectorStoreObject")),
    ("DELETE", "/vector_stores/{vector_store_id}"): Contract(Shape(VectorStoreDeleted, "DeleteVectorStoreResponse")),
    ("POST", "/vector_stores/{vector_store_id}/search"): Contract(
        Shape(SyncPage[VectorStoreSearchResponse], "VectorStoreSearchResultsPage")
    ),
    ("POST", "/vector_stores/{vector_store_id}/files"): Contract(Shape(VectorStoreFile, "VectorStoreFileObject")),
    ("GET", "/vector_stores/{vector_store_id}/files"): Contract(
        Shape(SyncCursorPage[VectorStoreFile], "ListVectorStoreFilesResponse")
    ),
    ("GET", "/vector_stores/{vector_store_id}/files/{file_id}"): Contract(
        Shape(VectorStoreFile, "VectorStoreFileObject")
    ),
    ("POST", "/vector_stores/{vector_store_id}/files/{file_id}"): Contract(
        Shape(VectorStoreFile, "VectorStoreFileObject")
    ),
    ("DELETE", "/vector_stores/{vector_store_id}/files/{file_id}"): Contract(
        Shape(VectorStoreFileDeleted, "DeleteVectorStoreFileResponse")
    ),
    ("GET", "/vector_stores/{vector_store_id}/files/{file_id}/content"): Contract(
        Shape(SyncPage[FileContentResponse], "VectorStoreFileContentResponse")
    ),
    ("POST", "/vector_stores/{vector_store_id}/file_batches"): Contract(
        Shape(VectorStoreFileBatch, "VectorStoreFileBatchObject")
    ),
    ("GET", "/vector_stores/{vector_store_id}/file_batches/{batch_id}"): Contract(
        Shape(VectorStoreFileBatch, "VectorStoreFileBatchObject")
    ),
    ("POST", "/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel"): Contract(
        Shape(VectorStoreFileBatch, "VectorStoreFileBatchObject")
    ),
    ("GET", "/vector_stores/{vector_store_id}/file_batches/{batch_id}/files"): Contract(
        Shape(SyncCursorPage[VectorStoreFile], "ListVectorStoreFilesResponse")
    ),
}
#: Any error answer: the SDK's ErrorObject for the inner object, the spec's ErrorResponse for the body.
ERROR = Shape(ErrorObject, "ErrorResponse", sdk_view=lambda body: body["error"])


def _route(request: fakeopenai.Request) -> tuple[str, str]:
    for route in ROUTES:
        pattern = route.pattern()
        if route.method == request.method and (
            route.path == request.endpoint if pattern is None else pattern.match(request.endpoint)
        ):
            return route.method, route.path
    raise AssertionError(f"no route of the fake answers {request.method} {request.endpoint}")


def emitted(request: fakeopenai.Request) -> tuple[Any, list[dict[str, Any]] | None]:
    """(JSON body, None) or (None, stream events' JSON) of what the fake sent for ``request``."""
    response = request.response
    assert response is not None, f"{request.method} {request.path}: no response recorded"
    if response.events is None:
        if request.status == 200 and CONTRACTS[_route(request)].raw is not None:
            content_type = dict(response.headers)["content-type"]
            if not content_type.startswith("application/json"):
                return response.body, None  # audio or a plain-text transcript
        return json.loads(response.body), None
    data = b"".join(event.data for event in response.events)
    payloads = sse_payloads(data)
    contract = CONTRACTS[_route(request)]
    if contract.done:
        assert payloads[-1] == (None, "[DONE]"), "the stream must end with data: [DONE]"
        payloads = payloads[:-1]
    events = []
    for name, payload in payloads:
        event = json.loads(payload)
        assert name == (event.get("type") if not contract.done else None), f"event: line {name!r} for {event}"
        events.append(event)
    return None, events


def conform(request: fakeopenai.Request, counts: Counter[str]) -> None:
    """Check what the fake sent for ``request`` against the SDK's types and the spec."""
    what = f"{request.method} {request.path}"
    if request.status == 200 and CONTRACTS[_route(request)].body is _BINARY:
        _binary(request)
        counts["binary bodies"] += 1
        return
    body, events = emitted(request)
    if request.status != 200:
        ERROR.check(body, f"{what} -> {request.status}")
        counts["error bodies"] += 1
        return
    contract = CONTRACTS[_route(request)]
    if isinstance(body, bytes):
        assert contract.raw is not None
        contract.raw(request, body)
        counts["raw bodies"] += 1
        return
    if events is None:
        if contract.body is _SPEC_ONLY:
            _deleted_response(body)
        else:
            contract.body.check(body, what)
        counts["bodies"] += 1
        return
    assert contract.event is not None, f"{what}: streamed, but its contract has no events"
    assert events, f"{what}: an empty stream"
    for i, event in enumerate(events):
        contract.event.check(event, f"{what} event {i}")
    counts["events"] += len(events)
    counts["streams"] += 1


# -- the same bytes the SDK parsed ---------------------------------------------------------------


def _dump(parsed: Any) -> Any:
    return parsed.model_dump(mode="json", by_alias=True, exclude_unset=True, warnings=False)


def assert_sdk_saw(request: fakeopenai.Request, result: Any) -> None:
    """What the SDK returned was parsed from exactly the recorded bytes (not from something else)."""
    body, events = emitted(request)
    if isinstance(body, bytes):  # audio (the SDK's binary content) or a transcript the SDK returns as str
        assert (result if isinstance(result, str) else result.content) == (
            body.decode() if isinstance(result, str) else body
        )
    elif events is not None and hasattr(result, "content"):  # speech events: the SDK hands back the bytes
        assert [json.loads(data) for _, data in sse_payloads(result.content)] == events
    elif events is not None:
        assert [_dump(item) for item in result] == events
    elif isinstance(result, pydantic.BaseModel) and not isinstance(result, CreateEmbeddingResponse):
        assert _dump(result) == body
    elif isinstance(result, CreateEmbeddingResponse):  # the SDK decodes base64 it asked for by default
        assert _dump(result) in (body, _decoded_embeddings(body))
    elif hasattr(result, "data"):  # a page
        assert [_dump(item) for item in result.data] == body["data"]
    else:
        assert result is None  # responses.delete: the SDK casts the body to None


class Conformance:
    """Drives the real SDK through ``api`` and checks every answer as it comes."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.counts: Counter[str] = Counter()
        self._checked = 0

    async def __call__(self, path: str, /, **kwargs: Any) -> Any:
        result = await self.api(path, **kwargs)
        if kwargs.get("stream") is True:
            result = await self.api.collect(result)
        request = self.api.fake.requests.last
        assert request.status == 200, f"{path}: {request.status} {request.response and request.response.body!r}"
        assert_sdk_saw(request, result)
        self.check_new()
        return result

    async def fails(self, error: type[Exception], path: str, /, **kwargs: Any) -> None:
        with pytest.raises(error):
            await self.api(path, **kwargs)
        self.check_new()

    def check_new(self) -> None:
        """Check every response the fake recorded since the last check: nothing escapes."""
        requests = list(self.api.fake.requests)
        new, self._checked = requests[self._checked :], len(requests)
        for request in new:
            conform(request, self.counts)


@pytest.fixture
def run(api: Api) -> Iterator[Conformance]:
    conformance = Conformance(api)
    yield conformance
    conformance.check_new()
    TOTALS.update(conformance.counts)


TOTALS: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_totals() -> Iterator[None]:
    yield
    print(f"\nconformance, openai {openai.__version__}: {dict(TOTALS)}")  # visible with -s


# -- the scenarios: every endpoint, streamed and not --------------------------------------------

HI = [{"role": "user", "content": "Hi"}]
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"] * 5
LONG = " ".join(WORDS)  # 40 tokens
CITY = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city", "population"],
    "additionalProperties": False,
}


def assert_instance(value: Any, schema: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    errors = [error.message for error in Draft202012Validator(schema).iter_errors(value)]
    assert not errors, f"{value!r} is not an instance of the requested schema: {errors}"


CHAT_TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": CITY, "strict": True}},
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}},
]
RESPONSES_TOOLS = [
    {"type": "function", "name": "get_weather", "parameters": CITY, "strict": True},
    {"type": "function", "name": "get_time", "parameters": {"type": "object", "properties": {}}},
]
CALLS = [ToolCall("get_weather", {"city": "Paris", "population": 2}), ToolCall("get_time")]

CHAT_CASES: dict[str, tuple[Reply | None, dict[str, Any]]] = {
    "text": (Reply("Hello there!"), {}),
    "tool calls": (Reply(tool_calls=CALLS), {"tools": CHAT_TOOLS}),
    "text then a tool call": (Reply("Let me check.", tool_calls=["get_weather"]), {"tools": CHAT_TOOLS}),
    "n=3": (Reply(["one", "two three", "four five six"]), {"n": 3}),
    "refusal": (Reply(refusal="I can't help with that."), {}),
    "json_schema": (
        None,  # the fake's default reply: a schema-valid instance
        {"response_format": {"type": "json_schema", "json_schema": {"name": "city", "schema": CITY, "strict": True}}},
    ),
    "json_object": (None, {"response_format": {"type": "json_object"}}),
    "logprobs": (Reply("Hi there"), {"logprobs": True, "top_logprobs": 2}),
    "cut by max_completion_tokens": (Reply(LONG), {"max_completion_tokens": 5}),
}


@pytest.mark.parametrize("case", list(CHAT_CASES))
async def test_chat_completions(run: Conformance, case: str) -> None:
    reply, options = CHAT_CASES[case]
    for stream_options in (None, {"include_usage": True}, {"include_usage": True, "include_obfuscation": False}):
        if reply is not None:
            run.api.fake.reply(reply)
        if stream_options is None:
            completion = await run("chat.completions.create", model="gpt-4o-mini", messages=HI, **options)
            if case == "json_schema":  # structured output: the content is an instance of the schema
                assert_instance(json.loads(completion.choices[0].message.content), CITY)
            continue
        if stream_options.get("include_obfuscation") is False and OPENAI_MAJOR < 2:
            stream_options = {"include_usage": True}  # openai 1.x's params lack include_obfuscation
        await run(
            "chat.completions.create",
            model="gpt-4o-mini",
            messages=HI,
            stream=True,
            stream_options=stream_options,
            **options,
        )
    assert run.counts["bodies"] == 1 and run.counts["streams"] == 2


RESPONSES_CASES: dict[str, tuple[Reply | None, dict[str, Any]]] = {
    "text": (Reply("Hello there!"), {}),
    "function calls": (Reply(tool_calls=CALLS), {"tools": RESPONSES_TOOLS}),
    "reasoning summary, text, logprobs and a call": (
        Reply("Checking.", tool_calls=["get_weather"], reasoning="The user wants the weather."),
        {
            "tools": RESPONSES_TOOLS,
            "reasoning": {"effort": "low", "summary": "auto"},
            "include": ["reasoning.encrypted_content", "message.output_text.logprobs"],
            "top_logprobs": 2,
            "instructions": "Be brief.",
        },
    ),
    "refusal": (Reply(refusal="I can't help with that."), {}),
    "incomplete": (Reply(LONG), {"max_output_tokens": 16}),
    "json_schema": (
        None,
        {"text": {"format": {"type": "json_schema", "name": "city", "schema": CITY, "strict": True}}},
    ),
    "echoed parameters": (
        Reply("Fine."),
        {
            "temperature": 0.3,
            "top_p": 0.9,
            "metadata": {"k": "v"},
            "parallel_tool_calls": False,
            "tool_choice": "none",
            "truncation": "auto",
            "user": "u-1",
            "service_tier": "auto",
            "text": {"verbosity": "low"},
        },
    ),
}


@pytest.mark.parametrize("case", list(RESPONSES_CASES))
async def test_responses_create(run: Conformance, case: str) -> None:
    reply, options = RESPONSES_CASES[case]
    for stream in (False, True):
        if reply is not None:
            run.api.fake.reply(reply)
        result = await run("responses.create", model="gpt-4.1", input="Hi", stream=stream, **options)
        if case == "json_schema":  # structured output: the text is an instance of the schema
            final = result[-1].response if stream else result
            assert_instance(json.loads(final.output_text), CITY)
    assert run.counts["bodies"] == 1 and run.counts["streams"] == 1


_LISTS_REASONING_ITEMS = "ResponseReasoningItem" in _describe(_strip(ResponseItem))


async def test_responses_stored(run: Conformance) -> None:
    """retrieve (and its replayed stream), input_items.list through a chain, delete."""
    # openai 1.x's ResponseItem union has no reasoning item (the spec's ItemResource and 3.x do): the
    # strict SDK itself would refuse the listing, so the reasoning item is left out there.
    run.api.fake.reply("Paris.", reasoning="Easy." if _LISTS_REASONING_ITEMS else None)
    first = await run(
        "responses.create",
        model="o4-mini",
        input="Capital of France?",
        instructions="Be brief.",
        reasoning={"summary": "auto"},
        include=["message.output_text.logprobs"],
    )
    run.api.fake.reply(tool_calls=CALLS)
    second = await run(
        "responses.create",
        model="gpt-4.1",
        previous_response_id=first.id,
        tools=RESPONSES_TOOLS,
        input=[
            {"role": "user", "content": [{"type": "input_text", "text": "Population?"}]},
            {"role": "user", "content": [{"type": "input_image", "image_url": "https://example.com/a.png"}]},
            {"role": "assistant", "content": "Let me look."},
            {"type": "function_call", "call_id": "call_1", "name": "get_time", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "noon"},
            {"role": "developer", "content": "Answer in French."},
        ],
    )
    await run("responses.retrieve", response_id=first.id)
    await run("responses.retrieve", response_id=first.id, stream=True)
    await run("responses.retrieve", response_id=second.id, stream=True)
    await run("responses.retrieve", response_id=second.id, stream=True, starting_after=3)
    for order in ("desc", "asc"):
        await run("responses.input_items.list", response_id=second.id, order=order)
    await run("responses.input_items.list", response_id=second.id, limit=2)
    await run("responses.delete", response_id=second.id)
    await run.fails(openai.NotFoundError, "responses.retrieve", response_id=second.id)
    assert run.counts["bodies"] == 7 and run.counts["streams"] == 3 and run.counts["error bodies"] == 1


async def test_responses_cancel_and_input_tokens(run: Conformance) -> None:
    """cancel (a background response; a synchronous one gets a 400) and input_tokens.count."""
    background = await run("responses.create", model="gpt-4.1", input="Hi", background=True)
    cancelled = await run("responses.cancel", response_id=background.id)
    assert cancelled.id == background.id and cancelled.background is True
    plain = await run("responses.create", model="gpt-4.1", input="Hi")
    await run.fails(openai.BadRequestError, "responses.cancel", response_id=plain.id)
    await run.fails(openai.NotFoundError, "responses.cancel", response_id="resp_nope")
    assert run.counts["bodies"] == 3 and run.counts["error bodies"] == 2
    if InputTokenCountResponse is None:
        pytest.skip(f"openai {openai.__version__} has no responses.input_tokens")
    count = await run(
        "responses.input_tokens.count", model="gpt-4.1", input="Hi", instructions="Be brief.", tools=RESPONSES_TOOLS
    )
    assert count.input_tokens > 0
    await run("responses.input_tokens.count", model="gpt-4.1", previous_response_id=plain.id, input=HI)
    assert run.counts["bodies"] == 5


async def test_chat_completions_stored(run: Conformance) -> None:
    """store=True (streamed and not), list (filters, pages), retrieve, update, messages, delete."""
    run.api.fake.reply(Reply(tool_calls=CALLS))
    first = await run(
        "chat.completions.create",
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "Be brief."}, *HI],
        tools=CHAT_TOOLS,
        store=True,
        metadata={"topic": "weather"},
    )
    parts = [{"type": "text", "text": "What is "}, {"type": "text", "text": "this?"}]
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    await run(
        "chat.completions.create",
        model="gpt-4o",
        messages=[{"role": "user", "content": [*parts, image], "name": "ann"}],
        store=True,
        stream=True,
        stream_options={"include_usage": True},
    )
    for options in ({}, {"order": "desc", "limit": 1}, {"model": "gpt-4o"}, {"metadata": {"topic": "weather"}}):
        await run("chat.completions.list", **options)
    await run("chat.completions.retrieve", completion_id=first.id)
    await run("chat.completions.update", completion_id=first.id, metadata={"topic": "rain"})
    await run.fails(openai.NotFoundError, "chat.completions.update", completion_id="chatcmpl-nope", metadata={})
    # The SDK's own type refuses the real roles of stored request messages (see _as_assistant_messages).
    run.api = run.api.with_options(_strict_response_validation=False)
    await run("chat.completions.messages.list", completion_id=first.id)
    await run("chat.completions.messages.list", completion_id=first.id, order="desc", limit=1)
    await run("chat.completions.delete", completion_id=first.id)
    await run.fails(openai.NotFoundError, "chat.completions.messages.list", completion_id=first.id)
    assert run.counts["bodies"] == 10 and run.counts["streams"] == 1 and run.counts["error bodies"] == 2


COMPLETIONS_CASES: dict[str, tuple[Reply, dict[str, Any]]] = {
    "text": (Reply("Hello there!"), {"prompt": "Say hello"}),
    "n, echo, logprobs, two prompts": (
        Reply(["a b", "c d"]),
        {"prompt": ["P:", "Q:"], "n": 2, "echo": True, "logprobs": 2},
    ),
    "cut by max_tokens": (Reply(LONG), {"prompt": "Go", "max_tokens": 5}),
    "token prompt": (Reply("ok"), {"prompt": [1, 2, 3]}),
}


@pytest.mark.parametrize("case", list(COMPLETIONS_CASES))
async def test_completions(run: Conformance, case: str) -> None:
    # The SDK's CompletionChoice rejects the real stream's finish_reason: null (see test_completions).
    run.api = run.api.with_options(_strict_response_validation=False)
    reply, options = COMPLETIONS_CASES[case]
    for stream_options in (None, {}, {"include_usage": True}):
        run.api.fake.reply(reply)
        if stream_options is None:
            await run("completions.create", model="gpt-3.5-turbo-instruct", **options)
        else:
            extra = {"stream_options": stream_options} if stream_options else {}
            await run("completions.create", model="gpt-3.5-turbo-instruct", stream=True, **options, **extra)
    assert run.counts["bodies"] == 1 and run.counts["streams"] == 2


async def test_embeddings(run: Conformance) -> None:
    model = "text-embedding-3-small"
    floats = await run("embeddings.create", model=model, input="Hello", encoding_format="float")
    assert len(floats.data[0].embedding) == 1536
    await run("embeddings.create", model="text-embedding-ada-002", input=[[1, 2, 3], [4]], encoding_format="float")
    await run.fails(openai.BadRequestError, "embeddings.create", model=model, input="x", dimensions=0)
    # WIRE.md §0.3: strict response validation rejects the SDK's own base64 path (its type says floats),
    # so base64 goes through a lenient client; the checks here decode it as the SDK does.
    run.api = run.api.with_options(_strict_response_validation=False)
    await run("embeddings.create", model=model, input=["a", "b"], encoding_format="base64", dimensions=8)
    default = await run("embeddings.create", model=model, input="Hello")  # the SDK asks for base64, decodes
    assert run.api.fake.requests.last.json["encoding_format"] == "base64"
    assert default.data[0].embedding == pytest.approx(floats.data[0].embedding)
    assert run.counts["bodies"] == 4 and run.counts["error bodies"] == 1


async def test_models(run: Conformance) -> None:
    page = await run("models.list")
    assert len(page.data) > 10
    await run("models.retrieve", model="gpt-4o-mini")
    await run("models.delete", model="gpt-4o-mini")
    await run.fails(openai.NotFoundError, "models.retrieve", model="gpt-4o-mini")
    assert run.counts["bodies"] == 3 and run.counts["error bodies"] == 1


async def test_moderations(run: Conformance) -> None:
    run.api.fake.moderate(["violence", "harassment/threatening"], contains="hurt")
    await run("moderations.create", input="I will hurt you")
    await run("moderations.create", input=["fine", "also fine"], model="omni-moderation-latest")
    parts = [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]
    await run("moderations.create", input=parts, model="omni-moderation-latest")
    assert run.counts["bodies"] == 3


BATCH_LINES = [
    {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "gpt-4o", "messages": HI}},
    {"custom_id": "b", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "gpt-4o"}},
]


def _jsonl(lines: list[Any]) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


async def test_files_and_uploads(run: Conformance) -> None:
    """files: create (with expires_after), list, retrieve, content, delete; uploads: create, parts, complete, cancel."""
    first = await run("files.create", file=("notes.txt", b"hello"), purpose="assistants")
    await run(
        "files.create",
        file=("in.jsonl", _jsonl(BATCH_LINES)),
        purpose="batch",
        expires_after={"anchor": "created_at", "seconds": 3600},
    )
    for options in ({}, {"purpose": "batch"}, {"order": "asc", "limit": 1}):
        await run("files.list", **options)
    await run("files.retrieve", file_id=first.id)
    data = await run.api("files.content", file_id=first.id)
    assert data.content == b"hello"
    run.check_new()
    await run("files.delete", file_id=first.id)
    await run.fails(openai.NotFoundError, "files.retrieve", file_id=first.id)
    await run.fails(openai.BadRequestError, "files.create", file=("a.txt", b"x"), purpose="batch")
    upload = await run("uploads.create", bytes=6, filename="a.txt", mime_type="text/plain", purpose="assistants")
    part = await run("uploads.parts.create", upload_id=upload.id, data=b"abcdef")
    await run("uploads.complete", upload_id=upload.id, part_ids=[part.id])
    other = await run("uploads.create", bytes=1, filename="b.txt", mime_type="text/plain", purpose="assistants")
    await run("uploads.cancel", upload_id=other.id)
    assert run.counts["bodies"] == 12 and run.counts["binary bodies"] == 1 and run.counts["error bodies"] == 2


async def test_batches(run: Conformance) -> None:
    """batches: create, retrieve to completed (output and error files), list, cancel, a failed input."""
    stored = await run("files.create", file=("in.jsonl", _jsonl(BATCH_LINES)), purpose="batch")
    batch = await run(
        "batches.create",
        input_file_id=stored.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"k": "v"},
    )
    for _ in range(3):
        batch = await run("batches.retrieve", batch_id=batch.id)
    assert batch.status == "completed" and batch.output_file_id and batch.error_file_id
    for file_id, status in ((batch.output_file_id, 200), (batch.error_file_id, 400)):
        content = await run.api("files.content", file_id=file_id)
        for raw in content.content.decode().splitlines():  # each body as the direct endpoint's contract says
            answer = json.loads(raw)
            assert list(answer) == ["id", "custom_id", "response", "error"] and answer["error"] is None
            assert answer["response"]["status_code"] == status
            shape = CONTRACTS["POST", "/chat/completions"].body if status == 200 else ERROR
            shape.check(answer["response"]["body"], f"batch line {answer['custom_id']}")
    run.check_new()
    await run("batches.list")
    chat = "/v1/chat/completions"
    cancelled = await run("batches.create", input_file_id=stored.id, endpoint=chat, completion_window="24h")
    await run("batches.cancel", batch_id=cancelled.id)
    await run("batches.retrieve", batch_id=cancelled.id)
    bad = await run("files.create", file=("bad.jsonl", b"{not json\n"), purpose="batch")
    failed = await run("batches.create", input_file_id=bad.id, endpoint=chat, completion_window="24h")
    failed = await run("batches.retrieve", batch_id=failed.id)
    assert failed.status == "failed" and failed.errors.data[0].code == "invalid_json_line"
    await run("batches.list", limit=2)
    await run.fails(openai.NotFoundError, "batches.retrieve", batch_id="batch_nope")
    assert run.counts["error bodies"] == 2  # the invalid chat line (recorded as a direct request) and the 404
async def test_vector_stores(run: Conformance) -> None:
    """Every vector store route: stores, files, batches (finished, cancelled, failed files), search."""
    fake = run.api.fake
    ids = [fake.add_file(text, filename=name, purpose="assistants")["id"] for name, text in FILES]
    store = await run(
        "vector_stores.create",
        name="kb",
        file_ids=ids[:2],
        metadata={"k": "v"},
        expires_after={"anchor": "last_active_at", "days": 3},
        chunking_strategy={"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 0}},
    )
    await run("vector_stores.retrieve", vector_store_id=store.id)
    await run("vector_stores.update", vector_store_id=store.id, name="kb2", expires_after=None)
    await run("vector_stores.list")
    await run("vector_stores.files.create", vector_store_id=store.id, file_id=ids[2], attributes={"n": 1, "b": True})
    await run("vector_stores.files.retrieve", file_id=ids[2], vector_store_id=store.id)
    await run("vector_stores.files.update", file_id=ids[2], vector_store_id=store.id, attributes={"s": "x"})
    await run("vector_stores.files.list", vector_store_id=store.id, filter="failed")
    await run("vector_stores.files.list", vector_store_id=store.id, order="asc", limit=1)
    await run("vector_stores.files.content", file_id=ids[0], vector_store_id=store.id)
    batch = await run("vector_stores.file_batches.create", vector_store_id=store.id, file_ids=ids[:1])
    await run("vector_stores.file_batches.cancel", batch_id=batch.id, vector_store_id=store.id)
    await run("vector_stores.file_batches.retrieve", batch_id=batch.id, vector_store_id=store.id)
    await run("vector_stores.file_batches.list_files", batch_id=batch.id, vector_store_id=store.id)
    await run(
        "vector_stores.search",
        vector_store_id=store.id,
        query=["return policy", "shipping"],
        filters={
            "type": "or",
            "filters": [{"type": "eq", "key": "n", "value": 1}, {"type": "ne", "key": "n", "value": 2}],
        },
        ranking_options={"ranker": "none", "score_threshold": 0.1},
        rewrite_query=True,
    )
    await run("vector_stores.files.delete", file_id=ids[2], vector_store_id=store.id)
    await run("vector_stores.delete", vector_store_id=store.id)
    await run.fails(openai.NotFoundError, "vector_stores.files.retrieve", file_id=ids[0], vector_store_id=store.id)
    assert run.counts["bodies"] == 17 and run.counts["error bodies"] == 1


FILES = [
    ("policy.txt", "Our return policy: items can be returned within 30 days."),
    ("shipping.md", "Shipping takes 5 business days."),
    ("table.csv", "a,b"),  # a type file search does not read: ingestion fails
]


async def test_file_search_tool(run: Conformance) -> None:
    """The Responses file_search tool: the call item (with and without results), citations, events."""
    store = run.api.fake.seed("/vector_stores", {"name": "kb"}, files={name: text.encode() for name, text in FILES[:2]})
    tool = {"type": "file_search", "vector_store_ids": [store["id"]], "ranking_options": {"score_threshold": 0.0}}
    for stream in (False, True):
        for include in ([], ["file_search_call.results"]):
            run.api.fake.reply("Within 30 days.")
            last = await run(
                "responses.create", model="gpt-4.1", input="return policy", tools=[tool], include=include, stream=stream
            )
    previous = last[-1].response.id
    follow_up = await run("responses.create", model="gpt-4.1", input="And shipping?", previous_response_id=previous)
    await run("responses.input_items.list", response_id=follow_up.id)
    await run("responses.retrieve", response_id=follow_up.id)
    assert run.counts["bodies"] == 5 and run.counts["streams"] == 2


async def test_images(run: Conformance) -> None:
    await run("images.generate", model="gpt-image-1", prompt="a fox", size="1024x1536", quality="low")
    await run("images.generate", model="gpt-image-1", prompt="a fox", n=2, output_format="jpeg", background="opaque")
    await run("images.generate", model="gpt-image-1", prompt="a fox", output_format="webp", background="transparent")
    await run("images.generate", model="dall-e-2", prompt="a fox", size="256x256")
    await run("images.generate", model="dall-e-3", prompt="a fox", response_format="b64_json")
    await run("images.generate", model="gpt-image-1", prompt="a fox", stream=True, partial_images=3)
    picture = ("a.png", b"picture", "image/png")
    await run("images.edit", model="gpt-image-1", image=[picture, picture], mask=picture, prompt="hat")
    await run("images.edit", model="gpt-image-1", image=picture, prompt="hat", stream=True, partial_images=1)
    with warnings.catch_warnings():  # openai 3.x deprecates create_variation
        warnings.simplefilter("ignore", DeprecationWarning)
        await run("images.create_variation", image=picture, n=2, size="512x512")
        await run("images.create_variation", image=picture, response_format="b64_json")
    await run.fails(openai.BadRequestError, "images.generate", model="gpt-image-1", prompt="a fox", size="0x0")
    assert run.counts["bodies"] == 8 and run.counts["streams"] == 2 and run.counts["error bodies"] == 1


@pytest.mark.parametrize("response_format", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
async def test_speech(run: Conformance, response_format: str) -> None:
    await run("audio.speech.create", model="tts-1", voice="alloy", input="Hello there", response_format=response_format)
    await run("audio.speech.create", model="gpt-4o-mini-tts", voice="coral", input="Hi", stream_format="sse",
              response_format=response_format)
    assert run.counts["raw bodies"] == 1 and run.counts["streams"] == 1


async def test_transcriptions_and_translations(run: Conformance) -> None:
    audio = ("speech.wav", fakeopenai.speech_for("Hello there. How are you?", response_format="wav"), "audio/wav")
    diarized = TranscriptionDiarized is not None  # openai 1.x does not know diarized_json
    for model, response_format in [
        ("whisper-1", "json"),
        ("whisper-1", "verbose_json"),
        ("gpt-4o-transcribe", "json"),
        *([("gpt-4o-transcribe-diarize", "diarized_json")] if diarized else []),
        ("whisper-1", "text"),
        ("whisper-1", "srt"),
        ("whisper-1", "vtt"),
    ]:
        await run("audio.transcriptions.create", model=model, file=audio, response_format=response_format)
    await run("audio.transcriptions.create", model="whisper-1", file=audio, response_format="verbose_json",
              timestamp_granularities=["word", "segment"])
    await run("audio.transcriptions.create", model="gpt-4o-mini-transcribe", file=audio, include=["logprobs"])
    await run("audio.transcriptions.create", model="gpt-4o-transcribe", file=audio, stream=True, include=["logprobs"])
    if diarized:
        await run("audio.transcriptions.create", model="gpt-4o-transcribe-diarize", file=audio, stream=True,
                  response_format="diarized_json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for response_format in ("json", "verbose_json", "text", "srt", "vtt"):
            await run("audio.translations.create", model="whisper-1", file=audio, response_format=response_format)
    assert run.counts["bodies"] == 7 + diarized and run.counts["raw bodies"] == 6
    assert run.counts["streams"] == 1 + diarized


async def test_request_errors(run: Conformance) -> None:
    """The fake's own 400s and 404s are OpenAI error bodies too."""
    await run.fails(openai.BadRequestError, "chat.completions.create", model="m", messages=[])
    await run.fails(openai.BadRequestError, "responses.create", model="m", input="Hi", temperature="hot")
    await run.fails(openai.NotFoundError, "responses.input_items.list", response_id="resp_nope")
    assert run.counts["error bodies"] == 3


# -- fine-tuning, containers, conversations, responses.compact ----------------------------------

from openai.types import ContainerCreateResponse, ContainerListResponse, ContainerRetrieveResponse  # noqa: E402
from openai.types.containers import FileCreateResponse, FileListResponse, FileRetrieveResponse  # noqa: E402
from openai.types.conversations import Conversation, ConversationItem, ConversationItemList  # noqa: E402
from openai.types.conversations.conversation_deleted_resource import ConversationDeletedResource  # noqa: E402
from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent  # noqa: E402
from openai.types.fine_tuning.alpha import GraderRunResponse, GraderValidateResponse  # noqa: E402
from openai.types.fine_tuning.checkpoints import (  # noqa: E402
    PermissionCreateResponse,
    PermissionDeleteResponse,
    PermissionRetrieveResponse,
)
from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint  # noqa: E402

try:  # openai 1.x has no responses.compact: its answer is checked against the spec only there
    from openai.types.responses import CompactedResponse
except ImportError:  # pragma: no cover - depends on the installed SDK
    CompactedResponse = None

for _page, _fields, _why in (
    ("SyncCursorPage[FineTuningJob]", ("object",), "spec ListPaginatedFineTuningJobsResponse requires it"),
    ("SyncCursorPage[FineTuningJobEvent]", ("object",), "spec ListFineTuningJobEventsResponse requires it"),
    ("SyncCursorPage[FineTuningJobCheckpoint]", ("object", "first_id", "last_id"), "spec ListFineTuningJobCheckpoints"),
    ("SyncPage[PermissionCreateResponse]", ("has_more", "first_id", "last_id"), "spec ListFineTuningCheckpoint..."),
    ("SyncCursorPage[ContainerListResponse]", ("object", "first_id", "last_id"), "spec ContainerListResource"),
    ("SyncCursorPage[FileListResponse]", ("object", "first_id", "last_id"), "spec ContainerFileListResource"),
):
    for _field in _fields:
        SDK_EXTRAS[_page, _field] = _why
for _container in ("ContainerCreateResponse", "ContainerRetrieveResponse", "ContainerListResponse"):
    for _field in ("last_active_at", "memory_limit", "network_policy"):  # openai 1.x lacks them
        SDK_EXTRAS[_container, _field] = "spec ContainerResource has it (openai 1.x lacks it)"


def _deleted(kind: str) -> Any:
    """The ``{id, object, deleted}`` answer of a delete the SDK casts to None (the spec has its example only)."""
    return pydantic.create_model(
        f"Deleted[{kind}]", id=(str, ...), object=(typing.Literal[kind], ...), deleted=(bool, ...)  # type: ignore[call-overload]
    )


CONTRACTS.update(
    {
        ("POST", "/fine_tuning/jobs"): Contract(Shape(FineTuningJob, "FineTuningJob")),
        ("GET", "/fine_tuning/jobs"): Contract(
            Shape(SyncCursorPage[FineTuningJob], "ListPaginatedFineTuningJobsResponse")
        ),
        ("GET", "/fine_tuning/jobs/{fine_tuning_job_id}"): Contract(Shape(FineTuningJob, "FineTuningJob")),
        ("POST", "/fine_tuning/jobs/{fine_tuning_job_id}/cancel"): Contract(Shape(FineTuningJob, "FineTuningJob")),
        ("POST", "/fine_tuning/jobs/{fine_tuning_job_id}/pause"): Contract(Shape(FineTuningJob, "FineTuningJob")),
        ("POST", "/fine_tuning/jobs/{fine_tuning_job_id}/resume"): Contract(Shape(FineTuningJob, "FineTuningJob")),
        ("GET", "/fine_tuning/jobs/{fine_tuning_job_id}/events"): Contract(
            Shape(SyncCursorPage[FineTuningJobEvent], "ListFineTuningJobEventsResponse")
        ),
        ("GET", "/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints"): Contract(
            Shape(SyncCursorPage[FineTuningJobCheckpoint], "ListFineTuningJobCheckpointsResponse")
        ),
        ("POST", "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions"): Contract(
            Shape(SyncPage[PermissionCreateResponse], "ListFineTuningCheckpointPermissionResponse")
        ),
        ("GET", "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions"): Contract(
            Shape(PermissionRetrieveResponse, "ListFineTuningCheckpointPermissionResponse")
        ),
        ("DELETE", "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions/{permission_id}"): Contract(
            Shape(PermissionDeleteResponse, "DeleteFineTuningCheckpointPermissionResponse")
        ),
        ("POST", "/fine_tuning/alpha/graders/run"): Contract(Shape(GraderRunResponse, "RunGraderResponse")),
        ("POST", "/fine_tuning/alpha/graders/validate"): Contract(
            Shape(GraderValidateResponse, "ValidateGraderResponse")
        ),
        ("POST", "/containers"): Contract(Shape(ContainerCreateResponse, "ContainerResource")),
        ("GET", "/containers"): Contract(Shape(SyncCursorPage[ContainerListResponse], "ContainerListResource")),
        ("GET", "/containers/{container_id}"): Contract(Shape(ContainerRetrieveResponse, "ContainerResource")),
        ("DELETE", "/containers/{container_id}"): Contract(Shape(_deleted("container.deleted"), None)),
        ("POST", "/containers/{container_id}/files"): Contract(Shape(FileCreateResponse, "ContainerFileResource")),
        ("GET", "/containers/{container_id}/files"): Contract(
            Shape(SyncCursorPage[FileListResponse], "ContainerFileListResource")
        ),
        ("GET", "/containers/{container_id}/files/{file_id}"): Contract(
            Shape(FileRetrieveResponse, "ContainerFileResource")
        ),
        ("DELETE", "/containers/{container_id}/files/{file_id}"): Contract(
            Shape(_deleted("container.file.deleted"), None)
        ),
        ("POST", "/conversations"): Contract(Shape(Conversation, "ConversationResource")),
        ("GET", "/conversations/{conversation_id}"): Contract(Shape(Conversation, "ConversationResource")),
        ("POST", "/conversations/{conversation_id}"): Contract(Shape(Conversation, "ConversationResource")),
        ("DELETE", "/conversations/{conversation_id}"): Contract(
            Shape(ConversationDeletedResource, "DeletedConversationResource")
        ),
        ("POST", "/conversations/{conversation_id}/items"): Contract(
            Shape(ConversationItemList, "ConversationItemList")
        ),
        ("GET", "/conversations/{conversation_id}/items"): Contract(  # the SDK's list type (its page lacks ids)
            Shape(ConversationItemList, "ConversationItemList")
        ),
        ("GET", "/conversations/{conversation_id}/items/{item_id}"): Contract(
            Shape(ConversationItem, "ConversationItem")
        ),
        ("DELETE", "/conversations/{conversation_id}/items/{item_id}"): Contract(
            Shape(Conversation, "ConversationResource")
        ),
        ("GET", "/containers/{container_id}/files/{file_id}/content"): Contract(_BINARY),
        ("POST", "/responses/compact"): Contract(Shape(CompactedResponse, "CompactResource")),
    }
)


async def test_fine_tuning(run: Conformance) -> None:
    """create, retrieve through every status, list, events, checkpoints, pause/resume, cancel, permissions."""
    training = await run("files.create", file=("train.jsonl", b'{"messages": []}\n' * 4), purpose="fine-tune")
    job = await run(
        "fine_tuning.jobs.create",
        model="gpt-4o-mini",
        training_file=training.id,
        suffix="custom",
        metadata={"team": "a"},
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.1}}},
    )
    await run("fine_tuning.jobs.pause", fine_tuning_job_id=job.id)
    await run("fine_tuning.jobs.resume", fine_tuning_job_id=job.id)
    while job.status != "succeeded":
        job = await run("fine_tuning.jobs.retrieve", fine_tuning_job_id=job.id)
    await run("fine_tuning.jobs.list", limit=5)
    await run("fine_tuning.jobs.list", metadata={"team": "a"})
    await run("fine_tuning.jobs.list_events", fine_tuning_job_id=job.id, limit=3)
    await run("fine_tuning.jobs.checkpoints.list", fine_tuning_job_id=job.id)
    other = await run("fine_tuning.jobs.create", model="gpt-4o-mini", training_file=training.id)
    await run("fine_tuning.jobs.cancel", fine_tuning_job_id=other.id)
    await run.fails(openai.BadRequestError, "fine_tuning.jobs.cancel", fine_tuning_job_id=other.id)
    await run.fails(openai.NotFoundError, "fine_tuning.jobs.retrieve", fine_tuning_job_id="ftjob-nope")
    await run.fails(openai.BadRequestError, "fine_tuning.jobs.create", model="gpt-4o-mini", training_file="file-x")
    checkpoint = job.fine_tuned_model
    shared = await run(
        "fine_tuning.checkpoints.permissions.create", fine_tuned_model_checkpoint=checkpoint, project_ids=["proj_a"]
    )
    with warnings.catch_warnings():  # openai 3.x deprecates retrieve for list; the route is the same
        warnings.simplefilter("ignore", DeprecationWarning)
        await run("fine_tuning.checkpoints.permissions.retrieve", fine_tuned_model_checkpoint=checkpoint)
    await run(
        "fine_tuning.checkpoints.permissions.delete",
        fine_tuned_model_checkpoint=checkpoint,
        permission_id=shared.data[0].id,
    )
    assert run.counts["bodies"] == 16 and run.counts["error bodies"] == 3


async def test_graders(run: Conformance) -> None:
    check = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}", "reference": "{{item.a}}"}
    check["operation"] = "eq"
    similar = {
        "type": "text_similarity",
        "name": "close",
        "input": "{{sample.output_text}}",
        "reference": "Paris!",
        "evaluation_metric": "fuzzy_match",
    }
    result = await run("fine_tuning.alpha.graders.run", grader=check, model_sample="Paris", item={"a": "Paris"})
    assert result.reward == 1.0
    named = {"exact": check, "close": similar}
    multi = {"type": "multi", "name": "both", "graders": named, "calculate_output": "exact"}
    result = await run("fine_tuning.alpha.graders.run", grader=multi, model_sample="Paris", item={"a": "Rome"})
    assert result.sub_rewards["exact"] == 0.0 and 0 < result.reward < 1
    multi["graders"] = similar  # one grader, as the SDK's type has it
    result = await run("fine_tuning.alpha.graders.run", grader=multi, model_sample="Paris", item={"a": "Rome"})
    assert result.sub_rewards == {"close": result.reward}
    await run("fine_tuning.alpha.graders.validate", grader=similar)
    assert run.counts["bodies"] == 4


async def test_containers(run: Conformance) -> None:
    """containers and container files: create (upload and file_id), list, retrieve, content, delete."""
    uploaded = await run("files.create", file=("a.py", b"print(1)"), purpose="user_data")
    expires = {"anchor": "last_active_at", "minutes": 5}
    container = await run("containers.create", name="box", file_ids=[uploaded.id], expires_after=expires)
    await run("containers.retrieve", container_id=container.id)
    await run("containers.list", order="asc", limit=2)
    made = await run("containers.files.create", container_id=container.id, file=("b.txt", b"hello"))
    await run("containers.files.create", container_id=container.id, file_id=uploaded.id)
    await run("containers.files.list", container_id=container.id)
    await run("containers.files.retrieve", container_id=container.id, file_id=made.id)
    content = await run.api("containers.files.content.retrieve", container_id=container.id, file_id=made.id)
    assert content.content == b"hello"
    await run("containers.files.delete", container_id=container.id, file_id=made.id)
    await run.fails(openai.NotFoundError, "containers.files.retrieve", container_id=container.id, file_id=made.id)
    await run("containers.delete", container_id=container.id)
    await run.fails(openai.NotFoundError, "containers.retrieve", container_id=container.id)
    assert run.counts["bodies"] == 10 and run.counts["binary bodies"] == 1 and run.counts["error bodies"] == 2


async def test_conversations(run: Conformance) -> None:
    """conversations, items, responses in a conversation (streamed and not), and the 400 with both ids."""
    fake = run.api.fake
    conversation = await run(
        "conversations.create", items=[{"role": "user", "content": "Hi"}], metadata={"topic": "demo"}
    )
    await run("conversations.retrieve", conversation_id=conversation.id)
    await run("conversations.update", conversation_id=conversation.id, metadata={"topic": "other"})
    fake.reply(Reply("Checking.", tool_calls=CALLS))
    response = await run(
        "responses.create", model="gpt-4.1", input="Weather?", conversation=conversation.id, tools=RESPONSES_TOOLS
    )
    fake.reply("Sunny.")
    await run("responses.create", model="gpt-4.1", input="And?", conversation={"id": conversation.id}, stream=True)
    added = await run(
        "conversations.items.create",
        conversation_id=conversation.id,
        items=[{"type": "function_call_output", "call_id": "call_1", "output": "noon"}],
    )
    await run("conversations.items.list", conversation_id=conversation.id)
    await run("conversations.items.list", conversation_id=conversation.id, order="asc", limit=2)
    await run("conversations.items.retrieve", conversation_id=conversation.id, item_id=added.data[0].id)
    await run("conversations.items.delete", conversation_id=conversation.id, item_id=added.data[0].id)
    await run.fails(
        openai.BadRequestError,
        "responses.create",
        model="gpt-4.1",
        input="x",
        conversation=conversation.id,
        previous_response_id=response.id,
    )
    await run("conversations.delete", conversation_id=conversation.id)
    await run.fails(openai.NotFoundError, "conversations.retrieve", conversation_id=conversation.id)
    assert run.counts["bodies"] == 10 and run.counts["streams"] == 1 and run.counts["error bodies"] == 2


async def test_responses_compact(run: Conformance) -> None:
    if CompactedResponse is None:
        pytest.skip(f"openai {openai.__version__} has no responses.compact")
    first = await run("responses.create", model="gpt-4.1", input="Remember the number 7.")
    compacted = await run("responses.compact", model="gpt-4.1", input="And?", previous_response_id=first.id)
    assert [item.type for item in compacted.output] == ["compaction"]
    await run("responses.create", model="gpt-4.1", input=[*[i.to_dict() for i in compacted.output], *HI])
    assert run.counts["bodies"] == 3


#: Routes that answer without a body, so nothing to check: trace ingestion (204, not in the spec).
BODILESS = {("POST", "/traces/ingest")}


def test_every_route_has_a_contract_and_a_scenario() -> None:
    """A route the fake serves without a contract here would escape conformance: fail instead."""
    routes = {(route.method, route.path) for route in ROUTES} - BODILESS
    assert routes == set(CONTRACTS), f"routes without a contract: {routes - set(CONTRACTS)}"


# -- the checks can fail -------------------------------------------------------------------------


def _client(fake: fakeopenai.FakeOpenAI) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", http_client=fake.client(), max_retries=0)


def _sent_chat_completion(fake: fakeopenai.FakeOpenAI) -> dict[str, Any]:
    _client(fake).chat.completions.create(model="gpt-4o-mini", messages=HI)  # type: ignore[arg-type]
    body, _ = emitted(fake.requests.last)
    CONTRACTS["POST", "/chat/completions"].body.check(body, "as sent")  # passes as sent
    return body  # type: ignore[no-any-return]


def _sent_response_events(fake: fakeopenai.FakeOpenAI) -> list[dict[str, Any]]:
    list(_client(fake).responses.create(model="gpt-4.1", input="Hi", stream=True))
    _, events = emitted(fake.requests.last)
    assert events
    return events


def _without(body: dict[str, Any], *path: str | int) -> dict[str, Any]:
    copy = json.loads(json.dumps(body))
    target = copy
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return copy  # type: ignore[no-any-return]


def test_removed_field_fails_both_checks(fake: fakeopenai.FakeOpenAI) -> None:
    shape = CONTRACTS["POST", "/chat/completions"].body
    broken = _without(_sent_chat_completion(fake), "created")
    with pytest.raises(AssertionError, match=r"created: missing, but required by the SDK's ChatCompletion"):
        check_sdk(broken, ChatCompletion, "chat completion without created")
    with pytest.raises(AssertionError, match=r"<root>: 'created' is a required property"):
        assert_valid(broken, "CreateChatCompletionResponse")
    with pytest.raises(AssertionError):
        shape.check(broken, "chat completion without created")


def test_removed_event_field_fails_both_checks(fake: fakeopenai.FakeOpenAI) -> None:
    shape = CONTRACTS["POST", "/responses"].event
    assert shape is not None
    events = _sent_response_events(fake)
    delta = next(e for e in events if e["type"] == "response.output_text.delta")
    broken = _without(delta, "sequence_number")
    with pytest.raises(
        AssertionError, match=r"sequence_number: missing, but required by the SDK's ResponseTextDeltaEvent"
    ):
        check_sdk(broken, ResponseStreamEvent, "delta without sequence_number")
    with pytest.raises(AssertionError, match=r"<root>: 'sequence_number' is a required property"):
        assert_valid(broken, response_event_schemas()[broken["type"]])
    completed = _without(events[-1], "response", "output", 0, "content", 0, "annotations")
    with pytest.raises(AssertionError, match=r"response\.output\[0\]\.content\[0\]\.annotations: missing"):
        check_sdk(completed, ResponseStreamEvent, "completed event without annotations deep inside")


def test_walker_alone_finds_what_pydantic_would_default_or_keep(fake: fakeopenai.FakeOpenAI) -> None:
    """The recursive walk catches missing required fields and unknown keys by itself, at any depth."""
    body = _sent_chat_completion(fake)
    assert sdk_problems(body, ChatCompletion) == []
    assert sdk_problems(_without(body, "choices", 0, "finish_reason"), ChatCompletion) == [
        "choices[0].finish_reason: missing, but required by the SDK's Choice"
    ]
    typo = json.loads(json.dumps(body))
    typo["choices"][0]["message"]["contnet"] = "Hi"  # pydantic keeps it as an extra, silently
    ChatCompletion.model_validate(typo, strict=True)
    assert sdk_problems(typo, ChatCompletion) == [
        "choices[0].message.contnet: unknown to the SDK's ChatCompletionMessage"
    ]
    event = next(e for e in _sent_response_events(fake) if e["type"] == "response.output_item.added")
    wrong = {**event, "item": {**event["item"], "type": "no_such_item"}}
    assert sdk_problems(wrong, ResponseStreamEvent)[0].startswith("item: object fits no member of the SDK's Union[")


def test_spec_only_fields_fail_the_spec_check(fake: fakeopenai.FakeOpenAI) -> None:
    """Fields the SDK lets default but the spec requires (WIRE.md §8.3) are caught by (b)."""
    body = _without(_sent_chat_completion(fake), "choices", 0, "message", "refusal")
    check_sdk(body, ChatCompletion, "the SDK defaults refusal")
    with pytest.raises(AssertionError, match=r"choices/0/message: 'refusal' is a required property"):
        assert_valid(body, "CreateChatCompletionResponse")


def test_media_checks_fail_on_wrong_bytes(fake: fakeopenai.FakeOpenAI) -> None:
    """The checks of audio and image bytes catch a file that is not what the answer says it is."""
    import wave

    client = _client(fake)
    client.audio.speech.create(model="tts-1", voice="alloy", input="Hi", response_format="wav")
    request = fake.requests.last
    body, _ = emitted(request)
    _speech(request, body)  # passes as sent
    with pytest.raises((AssertionError, EOFError, wave.Error)):
        _speech(request, body[:30])
    client.images.generate(model="gpt-image-1", prompt="x", size="1024x1536")
    sent, _ = emitted(fake.requests.last)
    _images_response(sent)
    with pytest.raises(AssertionError, match="reported as 1024x1024"):
        _images_response({**sent, "size": "1024x1024"})
    with pytest.raises(AssertionError):
        _images_response({**sent, "output_format": "jpeg"})
