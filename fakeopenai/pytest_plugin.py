"""The ``fake_openai`` pytest fixture (registered through the ``pytest11`` entry point).

``def test_it(fake_openai): ...`` runs the test inside :func:`fakeopenai.patch`: every OpenAI client
made during the test, by the test or by a library, answers from ``fake_openai``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._fake import FakeOpenAI
from ._patch import patch

__all__ = ["fake_openai"]


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A fresh :class:`~fakeopenai.FakeOpenAI`, patched in for the duration of the test."""
    with patch() as fake:
        yield fake
