"""The documentation site's shape: every page is in the nav, and every page's Python runs somewhere.

``scripts/docs`` (run by ``scripts/test``) builds the site with ``mkdocs --strict``, which fails on a
broken link or anchor; these tests catch what the build lets through: a page in ``docs/`` that no
nav entry leads to, and a page whose Python blocks no test runs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from . import test_cookbook, test_examples, test_readme

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md"))


def nav_pages(entries: Any) -> list[str]:
    """Every page a ``nav`` (nested lists of ``{title: page or entries}``) names."""
    found: list[str] = []
    for entry in entries:
        values = entry.values() if isinstance(entry, dict) else [entry]
        for value in values:
            found.extend(nav_pages(value) if isinstance(value, list) else [value])
    return found


def test_every_page_is_in_the_nav() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    listed = nav_pages(config["nav"])
    missing = [page for page in PAGES if page not in listed]
    assert missing == [], f"add these pages to the nav in mkdocs.yml: {missing}"
    assert sorted(set(listed)) == sorted(listed), "a page is listed twice"
    assert [page for page in listed if page not in PAGES] == []


def test_every_page_with_python_is_run_by_a_test() -> None:
    run = {page.relative_to(ROOT).as_posix() for page in test_readme.PAGES}
    run |= {test_examples.DOC.relative_to(ROOT).as_posix()}
    run |= {page.relative_to(ROOT).as_posix() for page in test_cookbook.PAGES}
    with_python = [f"docs/{page}" for page in PAGES if "```python" in (DOCS / page).read_text()]
    assert len(with_python) >= 10
    assert [page for page in with_python if page not in run] == []


def test_the_hooks_make_the_readme_the_getting_started_page() -> None:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "scripts" / "docs_hooks.py")
    assert spec is not None and spec.loader is not None
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    page = hooks.on_page_markdown((DOCS / "getting-started.md").read_text(), page=None)
    assert "## Quickstart: patch" in page and "## Quickstart: pytest" in page
    assert "./scripts/test" in page
    assert "](faults.md)" in page and "](docs/" not in page  # README links, made relative to docs/
    home = hooks.on_page_markdown((DOCS / "index.md").read_text(), page=None)
    assert "](../" not in home and "`examples/`" in home  # no link leaves the site
