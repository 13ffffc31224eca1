"""``POST /embeddings``: deterministic unit vectors, as floats or base64 (see ``shared/WIRE.md`` §4).

The same input to the same model at the same size always gets the same vector; different inputs get
practically orthogonal ones. A vector is a fixed, normalised Gaussian basis of the requested size,
rotated by an offset and with signs flipped, both taken from a BLAKE2b hash of the model and the input:
rotation and sign flips keep the length exactly, so nothing is normalised per request, and the
work is a few big-integer operations (tens of microseconds for 1536 dimensions).

``base64`` answers carry little-endian float32 bytes, the SDK's default; ``float`` answers carry the
same float32 values printed in their shortest form, as the real API prints them.
"""

from __future__ import annotations

import array
import base64
import hashlib
import math
import operator
import random
import struct
import sys
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from .._catalogue import embedding_dimensions
from .._errors import bad_request
from .._state import JSON, State
from .._tokens import count_tokens
from .._validation import check_enum, check_range, check_type, require
from .._wire import Request, Response
from ._common import enc, json_object

__all__ = ["create", "embedding_for"]

_MAX_INPUTS = 2048
_SIGNS = bytes.maketrans(b"01", b"\x00\x80")  # a '1' flips the sign bit (top bit of byte 3, little-endian)
_BITS = bytes.maketrans(b"01", b"\x00\x01")
# Models that answer under another name.
_REPORTED = {"text-embedding-ada-002": "text-embedding-ada-002-v2"}


@dataclass(frozen=True)
class _Basis:
    size: int
    value: int  # the float32 little-endian bytes of the basis vector, as an integer
    full: int  # all 32 * size bits set
    values: array.array[float]

    @cached_property
    def texts(self) -> list[tuple[str, str]]:
        """(positive, negative) JSON text of each value, twice over; only ``float`` answers need them."""
        texts = [_signed(_shortest(x)) for x in self.values]
        return texts + texts


@lru_cache(maxsize=32)
def _basis(size: int) -> _Basis:
    rng = random.Random(f"fakeopenai-embedding-{size}")
    gauss = [rng.gauss(0.0, 1.0) for _ in range(size)]
    norm = math.sqrt(math.fsum(x * x for x in gauss))
    values = array.array("f", [x / norm for x in gauss])
    if sys.byteorder == "big":
        values.byteswap()
    raw = values.tobytes()
    if sys.byteorder == "big":
        values.byteswap()
    return _Basis(size, int.from_bytes(raw, "little"), (1 << (32 * size)) - 1, values)


def _signed(text: str) -> tuple[str, str]:
    """The text of a value and of its negation (printing is symmetric in the sign)."""
    return (text, text[1:]) if text.startswith("-") else (text, "-" + text)


def _shortest(value: float) -> str:
    """The shortest decimal text that reads back as the same float32."""
    target = struct.pack("<f", value)
    for digits in range(6, 10):
        text = f"{value:.{digits}g}"
        if struct.pack("<f", float(text)) == target:
            break
    return text


def _key(model: str, item: str | list[int]) -> bytes:
    if isinstance(item, str):
        return model.encode() + b"\x00" + item.encode()
    return model.encode() + b"\x01" + ",".join(map(str, item)).encode()


def _signs(key: bytes, size: int) -> tuple[int, bytes]:
    """(rotation, ``size`` ASCII '0'/'1' sign flags) derived from ``key``."""
    digest = hashlib.blake2b(key, digest_size=16).digest()
    bits = int.from_bytes(hashlib.shake_128(digest).digest((size + 7) // 8), "little")
    return int.from_bytes(digest[:8], "little") % size, format(bits, f"0{size}b")[-size:].encode()


def _vector_bytes(key: bytes, size: int) -> bytes:
    basis = _basis(size)
    shift, flags = _signs(key, size)
    bits = 32 * shift
    rotated = ((basis.value >> bits) | (basis.value << (32 * size - bits))) & basis.full
    mask = bytearray(4 * size)
    mask[3::4] = flags.translate(_SIGNS)
    return (rotated ^ int.from_bytes(mask, "little")).to_bytes(4 * size, "little")


def _vector_json(key: bytes, size: int) -> str:
    basis = _basis(size)
    shift, flags = _signs(key, size)
    return "[" + ",".join(map(operator.getitem, basis.texts[shift : shift + size], flags.translate(_BITS))) + "]"


def embedding_for(
    item: str | list[int], model: str = "text-embedding-3-small", dimensions: int | None = None
) -> list[float]:
    """The vector the fake answers for ``item`` (a text or token ids), as the SDK decodes it."""
    size = dimensions or embedding_dimensions(model)[0]
    return array.array("f", _vector_bytes(_key(model, item), size)).tolist()


def _inputs(value: Any) -> list[str | list[int]]:
    """The inputs as a list of texts / token lists, or the real API's 400 for an invalid ``input``."""
    items: list[Any]
    if isinstance(value, str) or (isinstance(value, list) and value and all(map(_is_token, value))):
        items = [value]
    elif isinstance(value, list):
        items = value
    else:
        raise _invalid_input()
    if not items:
        raise _invalid_input()
    if len(items) > _MAX_INPUTS:
        raise bad_request(
            f"Invalid 'input': array too long. Expected an array with maximum length {_MAX_INPUTS}, "
            f"but got an array with length {len(items)} instead.",
            param="input",
            code="array_above_max_length",
        )
    for item in items:
        if isinstance(item, str):
            if not item:
                raise _invalid_input()
        elif not (isinstance(item, list) and item and all(map(_is_token, item))):
            raise _invalid_input()
    return items


def _is_token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _invalid_input() -> Exception:
    return bad_request(
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."
    )


def _size(body: dict[str, Any], model: str) -> int:
    native, adjustable = embedding_dimensions(model)
    if "dimensions" not in body:
        return native
    if not adjustable:
        raise bad_request("This model does not support specifying dimensions.")
    dimensions = body["dimensions"]
    if dimensions is None:
        return native
    check_type(dimensions, "dimensions", "integer")
    check_range(dimensions, "dimensions", 1, native)
    return int(dimensions)


def create(state: State, request: Request) -> Response:
    """Answer an embeddings request."""
    body = json_object(request)
    model = require(body, "model", "string")
    if body.get("input") is None:
        require(body, "input")
    items = _inputs(body["input"])
    encoding = body.get("encoding_format")
    check_enum(encoding, "encoding_format", ("float", "base64"))
    size = _size(body, model)
    state.check_model(model)
    as_base64 = encoding == "base64"
    data = []
    tokens = 0
    for index, item in enumerate(items):
        key = _key(model, item)
        if as_base64:
            vector = '"' + base64.b64encode(_vector_bytes(key, size)).decode() + '"'
        else:
            vector = _vector_json(key, size)
        data.append('{"object":"embedding","index":' + str(index) + ',"embedding":' + vector + "}")
        tokens += count_tokens(item, model) if isinstance(item, str) else len(item)
    payload = (
        '{"object":"list","data":[' + ",".join(data) + '],"model":' + enc(_REPORTED.get(model, model))
        + ',"usage":{"prompt_tokens":' + str(tokens) + ',"total_tokens":' + str(tokens) + "}}"
    )
    return Response(200, state.headers(JSON), payload.encode())
