"""Files, uploads and batches over a real ``serve``: the main flows, seeding by control API and scenario."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.server import app

from .test_server import Served, control, sdk

pytest.importorskip("uvicorn")

CHAT = "/v1/chat/completions"
LINES = [
    {
        "custom_id": f"r{i}",
        "method": "POST",
        "url": CHAT,
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"q{i}"}]},
    }
    for i in range(3)
]


def _file(filename: str, **content: str) -> dict[str, Any]:
    return {"file": {"filename": filename, **content}}
INPUT = b"".join(json.dumps(line).encode() + b"\n" for line in LINES)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with Served(app(FakeOpenAI(seed=2), keep_requests=500)) as running:
        yield running


@pytest.fixture
def server(served: Served) -> Iterator[Served]:
    served.app.reset()
    yield served
    errors = [r.answer for r in served.fake.requests if isinstance(r.answer, Exception)]
    assert not errors, f"internal errors in the fake: {errors!r}"


def test_upload_and_download_bytes(server: Served) -> None:
    blob = bytes(range(256)) * 4
    with sdk(server) as client:
        created = client.files.create(file=("blob.bin", blob), purpose="user_data")
        assert created.bytes == 1024
        raw = httpx.get(f"{server.base}/v1/files/{created.id}/content")
        assert raw.status_code == 200 and raw.content == blob
        assert raw.headers["content-type"] == "application/octet-stream"
        assert client.files.content(created.id).content == blob
        upload = client.uploads.create(bytes=6, filename="a.txt", mime_type="text/plain", purpose="assistants")
        first = client.uploads.parts.create(upload.id, data=b"abc")
        second = client.uploads.parts.create(upload.id, data=b"def")
        done = client.uploads.complete(upload.id, part_ids=[second.id, first.id])
        assert done.file is not None and client.files.content(done.file.id).content == b"defabc"
        client.files.delete(created.id)
        with pytest.raises(openai.NotFoundError):
            client.files.retrieve(created.id)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_batch_to_completion(server: Served, is_async: bool) -> None:
    control(server, "POST", "replies", [{"text": "A0"}, {"text": "A1"}, {"text": "A2"}])
    client = sdk(server, is_async)
    try:
        stored = client.files.create(file=("in.jsonl", INPUT), purpose="batch")
        stored = await stored if is_async else stored
        batch = client.batches.create(input_file_id=stored.id, endpoint=CHAT, completion_window="24h")
        batch = await batch if is_async else batch
        statuses = [batch.status]
        while batch.status not in ("completed", "failed"):
            batch = client.batches.retrieve(batch.id)
            batch = await batch if is_async else batch
            statuses.append(batch.status)
        assert statuses == ["validating", "in_progress", "finalizing", "completed"]
        content = client.files.content(batch.output_file_id)
        content = await content if is_async else content
        answers = [json.loads(raw) for raw in content.content.decode().splitlines()]
        texts = [a["response"]["body"]["choices"][0]["message"]["content"] for a in answers]
        assert [a["custom_id"] for a in answers] == ["r0", "r1", "r2"] and texts == ["A0", "A1", "A2"]
    finally:
        result = client.close()
        if is_async:
            await result
    logged = control(server, "GET", "requests").json()["data"]
    assert [entry["path"] for entry in logged].count("/v1/chat/completions") == 3


def test_seeding_through_the_control_api(server: Served) -> None:
    seeded = control(
        server,
        "POST",
        "seed",
        [
            {
                "path": "/files",
                "body": {"purpose": "batch"},
                "files": _file("in.jsonl", text=INPUT.decode()),
                "id": "file-in",
            },
            {
                "path": "/files",
                "body": {"purpose": "user_data"},
                "files": _file("b.bin", base64=base64.b64encode(b"\x00\xff").decode()),
            },
            {
                "path": "/batches",
                "body": {"input_file_id": "file-in", "endpoint": CHAT, "completion_window": "24h"},
                "id": "batch_seeded",
            },
        ],
    )
    assert seeded.status_code == 200, seeded.text
    created = seeded.json()["data"]
    assert [c["object"] for c in created] == ["file", "file", "batch"] and created[0]["id"] == "file-in"
    with sdk(server) as client:
        assert client.files.content("file-in").content == INPUT
        assert client.files.content(created[1]["id"]).content == b"\x00\xff"
        assert client.batches.retrieve("batch_seeded").status == "in_progress"
    wrong = {"path": "/files", "body": {"purpose": "batch"}, "files": _file("a.txt", text="x")}
    bad = control(server, "POST", "seed", wrong)
    assert bad.status_code == 400 and "Must be .jsonl" in bad.json()["error"]["message"]


def test_scenario_seeds_files_and_any_id(tmp_path: Path) -> None:
    from fakeopenai.server._cli import build_app

    scenario: dict[str, Any] = {
        "any_id": True,
        "lifecycle": {"batch": {"validating": 0, "in_progress": 0, "finalizing": 0}},
        "seed": [
            {"path": "/files", "body": {"purpose": "user_data"}, "files": _file("k.txt", text="kept"), "id": "file-k"},
        ],
    }
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    with Served(build_app({"scenario": str(path)})) as running, sdk(running) as client:
        assert client.files.content("file-k").content == b"kept"
        assert client.files.retrieve("file_id").id == "file_id"  # any_id: every id exists
        assert client.batches.retrieve("batch_id").status == "completed"  # durations of 0: done at once
        control(running, "POST", "reset")
        assert client.files.content("file-k").content == b"kept"  # reset seeds again


def test_serve_any_id_flag() -> None:
    from fakeopenai.server._cli import build_app, parser

    options = vars(parser().parse_args(["--any-id"]))
    with Served(build_app(options)) as running, sdk(running) as client:
        assert client.files.retrieve("file_id").id == "file_id"
        assert client.uploads.cancel("upload_abc123").status == "cancelled"
    with (
        Served(build_app(vars(parser().parse_args([])))) as running,
        sdk(running) as client,
        pytest.raises(openai.NotFoundError),
    ):
        client.files.retrieve("file_id")
