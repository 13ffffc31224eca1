"""The models the fake knows: what ``GET /models`` lists, and the facts endpoints need about them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Union

__all__ = ["DEFAULT_MODELS", "ModelEntry", "default_models", "embedding_dimensions", "model_object"]

#: A catalogue entry: a model id, or a (partial) model object ``{"id", "created", "owned_by"}``.
ModelEntry = Union[str, Mapping[str, Any]]  # noqa: UP007  (a runtime alias; `|` needs Python 3.10 types)

# (id, created, owned_by), modelled on what the real API lists.
DEFAULT_MODELS: tuple[tuple[str, int, str], ...] = (
    ("gpt-5", 1754425777, "system"),
    ("gpt-5-mini", 1754425928, "system"),
    ("gpt-5-nano", 1754426384, "system"),
    ("gpt-4.1", 1744316542, "system"),
    ("gpt-4.1-mini", 1744318173, "system"),
    ("gpt-4.1-nano", 1744321707, "system"),
    ("gpt-4o", 1715367049, "system"),
    ("gpt-4o-2024-08-06", 1722814719, "system"),
    ("gpt-4o-2024-11-20", 1739331543, "system"),
    ("gpt-4o-mini", 1721172741, "system"),
    ("gpt-4o-mini-2024-07-18", 1721172717, "system"),
    ("chatgpt-4o-latest", 1723515131, "system"),
    ("gpt-4-turbo", 1712361441, "system"),
    ("gpt-4", 1687882411, "openai"),
    ("gpt-3.5-turbo", 1677610602, "openai"),
    ("gpt-3.5-turbo-instruct", 1692901427, "system"),
    ("o1", 1734375816, "system"),
    ("o3", 1744225308, "system"),
    ("o3-mini", 1737146383, "system"),
    ("o4-mini", 1744225351, "system"),
    ("davinci-002", 1692634301, "system"),
    ("babbage-002", 1692634615, "system"),
    ("text-embedding-3-small", 1705948997, "system"),
    ("text-embedding-3-large", 1705953180, "system"),
    ("text-embedding-ada-002", 1671217299, "openai-internal"),
    ("omni-moderation-latest", 1731689265, "system"),
    ("omni-moderation-2024-09-26", 1732734466, "system"),
    ("whisper-1", 1677532384, "openai-internal"),
    ("tts-1", 1681940951, "openai-internal"),
    ("dall-e-3", 1698785189, "system"),
    ("gpt-image-1", 1745517030, "system"),
)

_DEFAULT_CREATED = 1700000000

# Embedding models: (native size, whether the request may set ``dimensions``).
_EMBEDDINGS: dict[str, tuple[int, bool]] = {
    "text-embedding-3-small": (1536, True),
    "text-embedding-3-large": (3072, True),
    "text-embedding-ada-002": (1536, False),
}


def default_models() -> list[ModelEntry]:
    """A fresh copy of the default catalogue (model objects)."""
    return [
        {"id": id_, "object": "model", "created": created, "owned_by": owner} for id_, created, owner in DEFAULT_MODELS
    ]


def model_object(entry: ModelEntry) -> dict[str, Any]:
    """The wire ``model`` object of a catalogue entry (missing fields filled in)."""
    if isinstance(entry, str):
        return {"id": entry, "object": "model", "created": _DEFAULT_CREATED, "owned_by": "system"}
    out = {"id": entry["id"], "object": "model", "created": _DEFAULT_CREATED, "owned_by": "system"}
    out.update({key: value for key, value in entry.items() if key != "object"})
    return out


def model_id(entry: ModelEntry) -> str:
    return entry if isinstance(entry, str) else str(entry["id"])


def embedding_dimensions(model: str) -> tuple[int, bool]:
    """(native dimensions, whether ``dimensions`` may be set) of an embedding model.

    Fine-tuned or unknown models count as ``text-embedding-3-small``.
    """
    return _EMBEDDINGS.get(model, _EMBEDDINGS["text-embedding-3-small"])
