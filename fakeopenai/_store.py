"""The one store of a fake: every object the API keeps (responses, files, batches, ...), by id.

Endpoints keep their objects here as small classes of their own (``StoredResponse``,
``StoredChatCompletion``...) and find them by id and class. Insertion order is creation order, which
is what list endpoints page through. ``fake.reset()`` empties it.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["Store"]

T = TypeVar("T")


class Store(dict[str, Any]):
    """Objects by id, in creation order."""

    def all(self, kind: type[T]) -> list[T]:
        """Every object of class ``kind``, oldest first."""
        return [value for value in list(self.values()) if isinstance(value, kind)]

    def find(self, obj_id: str, kind: type[T]) -> T | None:
        """The object ``obj_id`` if it is a ``kind``, else ``None``."""
        value = self.get(obj_id)
        return value if isinstance(value, kind) else None
