"""MkDocs hooks for the documentation site (``mkdocs.yml`` names this file).

The getting-started page is the README itself, so the two never disagree: ``docs/getting-started.md``
holds a marker this hook replaces with the README. Links that leave ``docs/`` (to the README, to
``examples/``) work on GitHub but not on the site: they are rewritten to the page that holds the same
text, or to plain text naming the repository's file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- the README goes here -->"
_OUT_OF_DOCS = re.compile(r"\[([^\]]+)\]\(\.\./([^)#]*)(#[^)]*)?\)")
_README_LINK = re.compile(r"\[([^\]]+)\]\((docs/[^)]*|examples[^)]*)\)")


def _from_docs(match: re.Match[str]) -> str:
    text, target, anchor = match.group(1), match.group(2), match.group(3) or ""
    if target == "README.md":
        return f"[{text}](getting-started.md{anchor})"
    return text  # a file of the repository, not a page of the site


def _from_readme(match: re.Match[str]) -> str:
    text, target = match.group(1), match.group(2)
    if target.startswith("docs/"):
        return f"[{text}]({target.removeprefix('docs/')})"
    return text


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    if MARKER in markdown:
        readme = (ROOT / "README.md").read_text()
        markdown = markdown.replace(MARKER, _README_LINK.sub(_from_readme, readme.split("\n", 1)[1]))
    return _OUT_OF_DOCS.sub(_from_docs, markdown)
