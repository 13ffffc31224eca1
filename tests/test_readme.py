"""Every Python block in README.md and docs/*.md runs: plain blocks are executed, test functions run under pytest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: Pages whose blocks another test runs, and why not here.
RUN_ELSEWHERE = {"server.md": "tests/test_examples.py runs its blocks against a real server"}
PAGES = [README, *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name not in RUN_ELSEWHERE)]
#: (page, code) of every ```python block, in page order.
BLOCKS = [
    (page, code) for page in PAGES for code in re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL)
]


def block_id(block: tuple[Path, str]) -> str:
    page, code = block
    return f"{page.name}:{code.split(chr(10))[0][:40]}"


def test_readme_has_examples() -> None:
    assert len([code for page, code in BLOCKS if page == README]) >= 5
    assert len([code for page, code in BLOCKS if page.name == "faults.md"]) >= 10


@pytest.mark.parametrize("block", [b for b in BLOCKS if "def test_" not in b[1]], ids=block_id)
def test_readme_block_runs(
    block: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page, code = block
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    exec(compile(code, str(page), "exec"), {"__name__": "readme"})


@pytest.mark.parametrize("block", [b for b in BLOCKS if "def test_" in b[1]], ids=block_id)
def test_readme_test_block_passes(block: tuple[Path, str], pytester: pytest.Pytester) -> None:
    code = block[1]
    pytester.makepyfile(code)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=code.count("def test_"))
