"""Every cookbook page (``docs/cookbook/*.md``) is a complete test file: run it against the real library.

Each page's Python block is written to a fresh directory and run with pytest in a subprocess, with no
network (a conftest makes every connection outside loopback fail). A page whose library is not
installed next to this openai version skips, saying so; ``scripts/test`` installs each library into
the environment whose openai it takes (:data:`NEEDS`), and in CI a page skipped there fails.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import openai
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs" / "cookbook").glob("*.md"))
OPENAI_MAJOR = int(openai.__version__.split(".")[0])

#: page -> (the module it needs, the openai majors whose environment scripts/test installs it into).
#: Several of these libraries pin openai below 2 or below the newest 3.x release (pip would downgrade
#: the SDK to install them), others need openai 2 or later: each runs where it installs as it is.
NEEDS = {
    "langchain.md": ("langchain_openai", (1, 3)),
    "openai-agents.md": ("agents", (1, 3)),
    "pydantic-ai.md": ("pydantic_ai", (3,)),
    "litellm.md": ("litellm", (3,)),
    "dspy.md": ("dspy", (3,)),
    "llamaindex.md": ("llama_index.llms.openai", (1,)),
    "instructor.md": ("instructor", (1,)),
}

OFFLINE_CONFTEST = """
import socket

_connect = socket.socket.connect


def _loopback_only(sock, address):
    host = address[0] if isinstance(address, tuple) else address
    if host not in ("127.0.0.1", "::1", "localhost") and not isinstance(address, (str, bytes)):
        raise OSError(f"cookbook test: no network ({address!r})")
    return _connect(sock, address)


socket.socket.connect = _loopback_only
"""


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a missing parent package
        return False


def test_every_page_is_known() -> None:
    assert sorted(page.name for page in PAGES) == sorted(NEEDS)


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_the_page_passes(page: Path, pytester: pytest.Pytester) -> None:
    module, majors = NEEDS[page.name]
    if not installed(module):
        where = " and ".join(f"{major}.x" for major in majors)
        if os.environ.get("CI") and OPENAI_MAJOR in majors:
            pytest.fail(f"{module} should be installed here: scripts/test installs it next to openai {where}")
        pytest.skip(
            f"{module} is not installed next to openai {openai.__version__} (scripts/test installs it with {where})"
        )
    (code,) = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL)
    name = re.search(r"A complete test file \(`(test_\w+)\.py`\)", page.read_text())
    assert name is not None, "the page names its file"
    pytester.makeconftest(OFFLINE_CONFTEST)
    pytester.makepyfile(**{name.group(1): code})
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function"
    )
    result.assert_outcomes(passed=len(re.findall(r"^(?:async )?def test_", code, flags=re.MULTILINE)))
