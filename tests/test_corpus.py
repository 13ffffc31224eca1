"""The corpus: request bodies that widely used libraries built on the OpenAI API really send.

Each ``tests/corpus/<library>/<scenario>.json`` holds what one library sent for one scenario (plain,
streamed, tools, structured output, images, the Responses API, embeddings), captured by
``tests/corpus/capture.py``; ``NOTE.md`` beside them names the versions. The real API answers every
one of them, so the fake, with its default settings, must not refuse any: sync and async, over every
HTTP stack the installed SDK takes, through a raw HTTP client of that stack.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import fakeopenai

from .conftest import FLAVOURS

CORPUS = Path(__file__).resolve().parent / "corpus"
FILES = sorted(CORPUS.glob("*/*.json"))
LIBRARIES = sorted({path.parent.name for path in FILES})


def requests_of(path: Path) -> list[dict[str, Any]]:
    requests: list[dict[str, Any]] = json.loads(path.read_text())["requests"]
    return requests


def test_the_corpus_covers_what_the_issue_asks() -> None:
    assert len(LIBRARIES) >= 6
    endpoints = {request["endpoint"] for path in FILES for request in requests_of(path)}
    assert {"/chat/completions", "/responses", "/embeddings"} <= endpoints
    bodies = [request["body"] for path in FILES for request in requests_of(path)]
    assert any(body.get("stream") for body in bodies)
    assert any(body.get("tools") for body in bodies)
    assert any(body.get("response_format") for body in bodies)
    assert any("image_url" in json.dumps(body) for body in bodies)
    for library in LIBRARIES:  # each library's versions are recorded beside its bodies
        assert "Captured" in (CORPUS / library / "NOTE.md").read_text()


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
async def test_no_corpus_body_is_refused(path: Path, is_async: bool, flavour: str) -> None:
    fake = fakeopenai.FakeOpenAI(seed=1)
    for request in requests_of(path):
        url = "https://api.openai.com/v1" + request["endpoint"]
        if is_async:
            async with fake.async_client(flavour) as client:
                answer = await client.post(url, json=request["body"])
                await answer.aread()
        else:
            with fake.client(flavour) as client:
                answer = client.post(url, json=request["body"])
                answer.read()
        assert answer.status_code == 200, (request["endpoint"], answer.text)
    assert [r.status for r in fake.requests] == [200] * len(requests_of(path))
