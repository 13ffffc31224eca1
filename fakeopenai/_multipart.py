"""Multipart form bodies (file uploads, transcriptions, image edits), parsed with python-multipart.

The SDK sends ``multipart/form-data`` for every request that carries a file. A :class:`Form` holds
its text fields and its files; :meth:`Form.as_object` reads the SDK's bracket notation
(``expires_after[anchor]``, ``timestamp_granularities[]``) back into the JSON object the same
request would have had, with every leaf a string as the form sent it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ._wire import MAX_DEPTH

__all__ = ["Form", "MultipartError", "Upload", "parse"]


class MultipartError(ValueError):
    """The body is not a well-formed multipart form."""


@dataclass(frozen=True)
class Upload:
    """One file part of a form."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class Form:
    """A parsed ``multipart/form-data`` body: text fields and files, by field name, in order."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, list[Upload]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        """The first text value of ``name`` (``None`` when absent)."""
        values = self.fields.get(name)
        return values[0] if values else None

    def getlist(self, name: str) -> list[str]:
        """Every text value of ``name`` (also read as ``name[]``)."""
        return [*self.fields.get(name, ()), *self.fields.get(name + "[]", ())]

    def file(self, name: str) -> Upload | None:
        """The first file sent as ``name`` (``None`` when absent)."""
        uploads = self.files.get(name) or self.files.get(name + "[]")
        return uploads[0] if uploads else None

    def as_object(self) -> dict[str, Any]:
        """The text fields as the JSON object they encode (``a[b]=1`` -> ``{"a": {"b": "1"}}``)."""
        out: dict[str, Any] = {}
        for name, values in self.fields.items():
            path = list(_path(name))
            if len(path) > MAX_DEPTH:  # as deep a JSON body is refused; nothing may recurse that far
                continue
            for value in values:
                _put(out, path, value)
        return out


def _path(name: str) -> Iterator[str]:
    """``a[b][]`` -> ``a``, ``b``, ``""`` (an empty segment appends to a list)."""
    head, _, rest = name.partition("[")
    yield head
    while rest:
        segment, _, rest = rest.partition("]")
        yield segment
        rest = rest[1:] if rest.startswith("[") else ""


def _put(target: dict[str, Any], path: list[str], value: str) -> None:
    node: Any = target
    for position, key in enumerate(path):
        last = position == len(path) - 1
        following = None if last else path[position + 1]
        empty: Any = [] if following in ("", "0") or (following or "").isdigit() else {}
        if isinstance(node, list):
            if key == "" or not key.isdigit() or int(key) >= len(node):
                node.append(value if last else empty)
                node = node[-1]
            else:
                if last:
                    node[int(key)] = value
                node = node[int(key)]
            continue
        if not isinstance(node, dict):
            return  # a field that is both a value and an object: keep the value
        if last:
            node[key] = value
        else:
            node = node.setdefault(key, empty)


def parse(content_type: str, body: bytes) -> Form:
    """Parse a ``multipart/form-data`` body; :class:`MultipartError` when it is malformed."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise MultipartError("no boundary in the Content-Type header")
    form = Form()
    headers: list[tuple[bytes, bytes]] = []
    name_buffer = bytearray()
    value_buffer = bytearray()
    data = bytearray()

    def on_part_begin() -> None:
        headers.clear()
        data.clear()

    def on_header_field(chunk: bytes, start: int, end: int) -> None:
        name_buffer.extend(chunk[start:end])

    def on_header_value(chunk: bytes, start: int, end: int) -> None:
        value_buffer.extend(chunk[start:end])

    def on_header_end() -> None:
        headers.append((bytes(name_buffer).lower(), bytes(value_buffer)))
        name_buffer.clear()
        value_buffer.clear()

    def on_part_data(chunk: bytes, start: int, end: int) -> None:
        data.extend(chunk[start:end])

    def on_part_end() -> None:
        disposition = next((value for key, value in headers if key == b"content-disposition"), b"")
        _, params = parse_options_header(disposition)
        name = params.get(b"name", b"").decode("utf-8", "replace")
        filename = params.get(b"filename")
        if filename is None:
            form.fields.setdefault(name, []).append(bytes(data).decode("utf-8", "replace"))
            return
        part_type = next((value for key, value in headers if key == b"content-type"), None)
        upload = Upload(
            filename.decode("utf-8", "replace"),
            part_type.decode("latin-1") if part_type is not None else None,
            bytes(data),
        )
        form.files.setdefault(name, []).append(upload)

    callbacks: Any = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }
    parser = MultipartParser(boundary, callbacks, max_header_count=64)
    try:
        parser.write(body)
        parser.finalize()
    except Exception as error:  # python-multipart raises its own errors for every malformed body
        raise MultipartError(str(error)) from None
    return form
