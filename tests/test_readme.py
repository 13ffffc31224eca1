"""Every Python code block in README.md runs: plain blocks are executed, test functions run under pytest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("code", [b for b in BLOCKS if "def test_" not in b], ids=lambda c: c.split("\n")[0][:40])
def test_readme_block_runs(code: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    exec(compile(code, str(README), "exec"), {"__name__": "readme"})


@pytest.mark.parametrize("code", [b for b in BLOCKS if "def test_" in b], ids=lambda c: c.split("\n")[0][:40])
def test_readme_test_block_passes(code: str, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(code)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=code.count("def test_"))
