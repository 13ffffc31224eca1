"""``/images/generations``, ``/images/edits``, ``/images/variations``: real, deterministic pictures.

Every image is a checkerboard of two colours taken from the SHA-256 of a key (``_imaging``): the
prompt for generations and edits (``prompt`` then ``#<i>`` for the i-th of ``n`` images after the
first), the uploaded image's bytes for variations. :func:`image_for` gives the exact bytes a request
gets, so a test can compare them.

GPT image models (``gpt-image-*``, ``chatgpt-image-*``) always answer ``b64_json`` in the requested
``output_format`` (png, jpeg, webp; svg as a small SVG document) with ``usage`` and the settings
echoed, and stream ``partial_images`` (coarser boards) then the final image when ``stream`` is set
(any model streams: the SDK's own tests stream without naming one).
DALL·E models answer ``url`` by default: a ``data:image/png;base64,...`` URL of the same picture (no
network needed to read it); ``dall-e-3`` adds a ``revised_prompt``.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from typing import Any

from .._errors import APIError, bad_request
from .._imaging import TILE, Picture, colours, encode
from .._state import JSON, SSE, State
from .._tokens import count_tokens
from .._validation import check_enum, check_range, check_type, require
from .._wire import Event, Request, Response, dumps, sse
from ._common import form_of, json_object

__all__ = ["create_variation", "edit", "generate", "image_for"]

_FORMATS = ("png", "jpeg", "webp", "svg")
_QUALITIES = ("low", "medium", "high", "xhigh", "max")
# Output tokens of one 1024x1024 image by quality (the published GPT image table); others scale by area.
_TOKENS = {"low": 272, "medium": 1056, "high": 4160, "xhigh": 6240, "max": 8320}
_MAX_EDGE = 3840
_MAX_PIXELS = 3840 * 2160
_IMAGE_INPUT_TOKENS = 194  # per input image of an edit
_MIME = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "svg": "image/svg+xml"}


def _is_gpt_image(model: str) -> bool:
    return model.startswith(("gpt-image", "chatgpt-image"))


def _size(value: Any) -> tuple[int, int]:
    if value is None or value == "auto":
        return 1024, 1024
    width, _, height = str(value).partition("x")
    if width.isdigit() and height.isdigit():
        w, h = int(width), int(height)
        if 0 < w <= _MAX_EDGE and 0 < h <= _MAX_EDGE and w * h <= _MAX_PIXELS:
            return w, h
    raise bad_request(
        f"Invalid value: '{value}'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.",
        param="size",
        code="invalid_value",
    )


@lru_cache(maxsize=32)
def _render(key: str, width: int, height: int, output_format: str, transparent: bool, tile: int) -> bytes:
    first, second = colours(key)
    if transparent:
        second = (*second[:3], 0)
    if output_format == "svg":
        return _svg(width, height, first, second, tile)
    return encode(Picture(width, height, first, second, tile), output_format)


def _svg(width: int, height: int, first: tuple[int, ...], second: tuple[int, ...], tile: int) -> bytes:
    def fill(colour: tuple[int, ...]) -> str:
        return f'fill="#{colour[0]:02x}{colour[1]:02x}{colour[2]:02x}" fill-opacity="{colour[3] / 255:g}"'

    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<defs><pattern id="b" width="{2 * tile}" height="{2 * tile}" patternUnits="userSpaceOnUse">'
        f'<rect width="{2 * tile}" height="{2 * tile}" {fill(second)}/>'
        f'<rect width="{tile}" height="{tile}" {fill(first)}/>'
        f'<rect x="{tile}" y="{tile}" width="{tile}" height="{tile}" {fill(first)}/></pattern></defs>'
        f'<rect width="{width}" height="{height}" fill="url(#b)"/></svg>'
    ).encode()


def image_for(
    prompt: str,
    *,
    size: str = "1024x1024",
    output_format: str = "png",
    background: str = "opaque",
    index: int = 0,
) -> bytes:
    """The bytes of the ``index``-th image the fake makes for ``prompt`` (a variation: the
    uploaded bytes' SHA-256 hex digest as ``prompt``)."""
    width, height = _size(size)
    return _render(_key(prompt, index), width, height, output_format, background == "transparent", TILE)


def _key(prompt: str, index: int) -> str:
    return prompt if index == 0 else f"{prompt}#{index}"


class _Job:
    """One image request, its parameters read and checked."""

    def __init__(self, state: State, request: Request, body: dict[str, Any], kind: str, default_model: str) -> None:
        self.state = state
        self.kind = kind
        model = body.get("model")
        check_type(model, "model", "string")
        self.model = str(model or default_model)
        state.check_model(self.model)
        self.gpt = _is_gpt_image(self.model)
        self.n = _integer(body, "n", 1)
        check_range(self.n, "n", 1, 10, "integer")
        for key in ("response_format", "output_format", "quality", "background", "size", "prompt"):
            check_type(body.get(key), key, "string")
        check_enum(body.get("response_format"), "response_format", ("url", "b64_json"))
        self.response_format = "b64_json" if self.gpt else str(body.get("response_format") or "url")
        output_format = body.get("output_format")
        check_enum(output_format, "output_format", ("png", "jpeg", "webp", "gif", "svg"))
        if output_format == "gif":
            raise bad_request("fakeopenai does not make GIF images; ask for png, jpeg, webp or svg.", "output_format")
        self.output_format = str(output_format or "png") if self.gpt else "png"
        self.width, self.height = _size(body.get("size"))
        self.size = f"{self.width}x{self.height}"
        requested_quality = body.get("quality")
        self.quality = requested_quality if requested_quality in _QUALITIES else "high"
        self.background = "transparent" if body.get("background") == "transparent" and self.gpt else "opaque"
        self.stream = body.get("stream") in (True, "true", "True")
        self.partials = _integer(body, "partial_images", 0)
        check_range(self.partials, "partial_images", 0, 3, "integer")
        self.prompt = str(body.get("prompt") or "")
        if self.stream and self.output_format == "svg":
            raise bad_request("SVG output cannot be streamed.", param="stream")

    def picture(self, key: str, tile: int = TILE) -> bytes:
        return _render(key, self.width, self.height, self.output_format, self.background == "transparent", tile)

    def usage(self, images: int) -> dict[str, Any]:
        text = count_tokens(self.prompt, "gpt-4o")
        image_tokens = images * _IMAGE_INPUT_TOKENS
        output = self.n * round(_TOKENS[self.quality] * self.width * self.height / (1024 * 1024))
        return {
            "input_tokens": text + image_tokens,
            "input_tokens_details": {"image_tokens": image_tokens, "text_tokens": text},
            "output_tokens": output,
            "total_tokens": text + image_tokens + output,
        }

    def item(self, key: str) -> dict[str, Any]:
        data = self.picture(key)
        encoded = base64.b64encode(data).decode()
        item: dict[str, Any] = {}
        if self.response_format == "url":
            item["url"] = f"data:{_MIME[self.output_format]};base64,{encoded}"
        else:
            item["b64_json"] = encoded
        if self.model.startswith("dall-e-3"):
            item["revised_prompt"] = f"A detailed illustration of {self.prompt.rstrip('.')}."
        return item

    def answer(self, keys: list[str], images: int) -> Response:
        if self.stream:
            return self._events(keys, images)
        body: dict[str, Any] = {"created": self.state.now()}
        if self.gpt:
            body.update(background=self.background, output_format=self.output_format, quality=self.quality)
            body["size"] = self.size
        body["data"] = [self.item(key) for key in keys]
        if self.gpt:
            body["usage"] = self.usage(images)
        return Response(200, self.state.headers(JSON), dumps(body))

    def _events(self, keys: list[str], images: int) -> Response:
        prefix = "image_generation" if self.kind == "generation" else "image_edit"
        common = {
            "created_at": self.state.now(),
            "size": self.size,
            "quality": self.quality,
            "background": self.background,
            "output_format": self.output_format,
        }
        chunks: list[bytes] = []
        for key in keys:
            for index in range(self.partials):
                # Partial images: the same board in bigger squares, finer with each one.
                tile = TILE << (self.partials - index)
                partial = f"{prefix}.partial_image"
                event = {"type": partial, "b64_json": _b64(self.picture(key, tile)), **common}
                event["partial_image_index"] = index
                chunks.append(sse(event, partial))
            completed = f"{prefix}.completed"
            done = {"type": completed, "b64_json": _b64(self.picture(key)), **common, "usage": self.usage(images)}
            chunks.append(sse(done, completed))
        return Response(200, self.state.headers(SSE), events=[Event(0.0, b"".join(chunks))])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _integer(body: dict[str, Any], key: str, default: int) -> int:
    value = body.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, str):  # a multipart form sends every value as text
        try:
            return int(value)
        except ValueError:
            pass
    check_type(value, key, "integer")
    return int(value)


def _missing(field: str) -> APIError:
    """The real API's 400 for a missing multipart field (its validation layer's wording)."""
    return bad_request(f"1 validation error for Request\nbody -> {field}\n  field required (type=value_error.missing)")


def generate(state: State, request: Request) -> Response:
    """``POST /images/generations``."""
    body = json_object(request)
    prompt = require(body, "prompt", "string")
    job = _Job(state, request, body, "generation", "dall-e-2")
    return job.answer([_key(prompt, i) for i in range(job.n)], 0)


def edit(state: State, request: Request) -> Response:
    """``POST /images/edits`` (multipart: ``image`` or ``image[]``, optional ``mask``, ``prompt``)."""
    form = form_of(request)
    images = form.files.get("image", []) + form.files.get("image[]", [])
    if not images:
        raise _missing("image")
    body = form.as_object()
    if not body.get("prompt"):
        raise _missing("prompt")
    job = _Job(state, request, body, "edit", "dall-e-2")
    return job.answer([_key(job.prompt, i) for i in range(job.n)], len(images))


def create_variation(state: State, request: Request) -> Response:
    """``POST /images/variations`` (multipart: ``image``)."""
    form = form_of(request)
    upload = form.file("image")
    if upload is None:
        raise _missing("image")
    job = _Job(state, request, form.as_object(), "variation", "dall-e-2")
    digest = hashlib.sha256(upload.data).hexdigest()
    return job.answer([_key(digest, i) for i in range(job.n)], 1)
