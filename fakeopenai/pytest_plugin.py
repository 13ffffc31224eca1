"""The ``fake_openai`` pytest fixture (registered through the ``pytest11`` entry point).

``def test_it(fake_openai): ...`` runs the test inside :func:`fakeopenai.patch`: every OpenAI client
made during the test, by the test or by a library, answers from ``fake_openai``. A test marked
``@pytest.mark.fakeopenai_cassette`` gets a fake replaying (and recording) its own cassette file;
``--fakeopenai-record=none|once|new|all`` says whether cassettes may record.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from ._fake import FakeOpenAI
from ._patch import patch

__all__ = ["fake_openai"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("fakeopenai").addoption(
        "--fakeopenai-record",
        choices=("none", "once", "new", "all"),
        default=None,
        help="cassettes: none = replay only (default for marked tests), once = record missing files, "
        "new = record what is missing, all = record everything again",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "fakeopenai_cassette(path=None, **options): replay (and record) the test's OpenAI traffic from a "
        "cassette file (default: cassettes/<module>/<test>.yaml next to the test file)",
    )
    mode = config.getoption("--fakeopenai-record", None)
    if mode is not None:
        from ._cassette_patch import force_mode

        force_mode(mode)


def pytest_unconfigure(config: pytest.Config) -> None:
    if config.getoption("--fakeopenai-record", None) is not None:
        from ._cassette_patch import force_mode

        force_mode(None)


def _cassette_path(node: pytest.Item, given: str | None) -> Path:
    folder = Path(str(node.path)).parent
    if given is not None:
        return folder / given
    name = re.sub(r"[^\w.-]+", "_", node.name).strip("_")
    return folder / "cassettes" / Path(str(node.path)).stem / f"{name}.yaml"


@pytest.fixture
def fake_openai(request: pytest.FixtureRequest) -> Iterator[FakeOpenAI]:
    """A fresh :class:`~fakeopenai.FakeOpenAI`, patched in for the duration of the test.

    With the ``fakeopenai_cassette`` marker it replays (and records) the test's cassette.
    """
    marker = request.node.get_closest_marker("fakeopenai_cassette")
    if marker is None:
        with patch() as fake:
            yield fake
        return
    from ._cassette_patch import cassette

    options = {**request.getfixturevalue("fakeopenai_cassette_options"), **marker.kwargs}
    path = _cassette_path(request.node, marker.args[0] if marker.args else options.pop("path", None))
    options.setdefault("record", "none")
    block = cassette(path, **options)
    fake = block.__enter__()
    try:
        yield fake
    finally:
        block.close(check=not _failed(request.node))


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_FAILED] = True
    return report


def _failed(node: pytest.Item) -> bool:
    """Whether the test itself failed (its cassette's misses are then no news)."""
    return node.stash.get(_FAILED, False)


@pytest.fixture
def fakeopenai_cassette_options() -> dict[str, Any]:
    """Options every marked test's cassette gets (the marker's own win): override it in a conftest.py,
    e.g. ``return {"redact_fields": ["email"], "speed": 1.0}``."""
    return {}


@pytest.fixture(autouse=True)
def _fakeopenai_cassette(request: pytest.FixtureRequest) -> None:
    """Marked tests get ``fake_openai`` (and so their cassette) even when they do not ask for it."""
    if request.node.get_closest_marker("fakeopenai_cassette") is not None:
        request.getfixturevalue("fake_openai")
