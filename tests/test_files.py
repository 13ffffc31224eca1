"""Files and uploads through the real SDK: create, list, retrieve, content, delete, expiry, seeding, parts."""

from __future__ import annotations

import hashlib
from typing import Any

import openai
import pytest

import fakeopenai
from fakeopenai import FakeOpenAI, ManualClock

from .conftest import Api

BINARY = bytes(range(256)) * 3  # not UTF-8: must come back byte for byte


async def _ids(api: Api, **options: Any) -> list[str]:
    """Every id the SDK's auto-pagination yields (it follows has_more with after=<last id>)."""
    page = await api("files.list", **options)
    if api.is_async:
        return [item.id async for item in page]
    return [item.id for item in page]


def _on_clock(api: Api, clock: ManualClock) -> Api:
    return Api(FakeOpenAI(seed=1, clock=clock), api.is_async, api.flavour)


async def test_create_retrieve_content_delete(api: Api) -> None:
    created = await api("files.create", file=("blob.bin", BINARY), purpose="user_data")
    assert (created.object, created.bytes, created.filename, created.purpose) == ("file", 768, "blob.bin", "user_data")
    assert created.status == "processed" and created.expires_at is None and created.id.startswith("file-")
    request = api.fake.requests.last
    assert request.form is not None and request.form.get("purpose") == "user_data"  # a real multipart body
    assert await api("files.retrieve", file_id=created.id) == created
    content = await api("files.content", file_id=created.id)
    assert content.content == BINARY
    response = api.fake.requests.last.response
    assert response is not None and dict(response.headers)["content-type"] == "application/octet-stream"
    deleted = await api("files.delete", file_id=created.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (created.id, "file", True)
    for method in ("files.retrieve", "files.content", "files.delete"):
        with pytest.raises(openai.NotFoundError) as caught:
            await api(method, file_id=created.id)
        assert caught.value.body == {  # type: ignore[comparison-overlap]
            "message": f"No such File object: {created.id}",
            "type": "invalid_request_error",
            "param": "id",
            "code": None,
        }
    assert await _ids(api) == []


async def test_retrieve_content_is_the_text(api: Api) -> None:
    created = await api("files.create", file=("notes.txt", "héllo\n".encode()), purpose="assistants")
    with pytest.deprecated_call():
        text = await api("files.retrieve_content", file_id=created.id)
    assert text == "héllo\n"
    processed = await api("files.wait_for_processing", id=created.id)  # the SDK's polling helper
    assert processed.status == "processed"


async def test_list_filters_orders_and_pages(api: Api) -> None:
    ids = []
    for i in range(5):
        name, purpose = ("in.jsonl", "batch") if i % 2 else ("doc.txt", "assistants")
        ids.append((await api("files.create", file=(name, b"{}"), purpose=purpose)).id)
    assert await _ids(api) == ids[::-1]  # newest first by default
    assert await _ids(api, order="asc", limit=2) == ids  # three pages, followed by the SDK
    assert await _ids(api, purpose="batch") == [ids[3], ids[1]]
    first = await api("files.list", limit=2)
    assert [f.id for f in first.data] == [ids[4], ids[3]] and first.has_more is True
    after = await api("files.list", after=ids[3])
    assert [f.id for f in after.data] == ids[2::-1] and after.has_more is False
    with pytest.raises(openai.BadRequestError, match="limit"):
        await api("files.list", limit=0)


async def test_expires_after_on_the_fakes_clock(api: Api) -> None:
    clock = ManualClock()
    api = _on_clock(api, clock)
    policy = {"anchor": "created_at", "seconds": 3600}
    short = await api("files.create", file=("a.txt", b"a"), purpose="assistants", expires_after=policy)
    kept = await api("files.create", file=("b.txt", b"b"), purpose="assistants")
    batch = await api("files.create", file=("in.jsonl", b"{}"), purpose="batch")
    assert short.expires_at == short.created_at + 3600 and kept.expires_at is None
    assert batch.expires_at == batch.created_at + 30 * 24 * 3600  # batch files expire after 30 days by default
    clock.advance(3599)
    assert (await api("files.retrieve", file_id=short.id)).id == short.id
    clock.advance(1)
    with pytest.raises(openai.NotFoundError):
        await api("files.content", file_id=short.id)
    assert await _ids(api) == [batch.id, kept.id]
    clock.advance(30 * 24 * 3600)
    assert await _ids(api) == [kept.id]


async def test_bad_uploads_get_the_real_400s(api: Api) -> None:
    with pytest.raises(openai.BadRequestError, match="is not one of") as caught:
        await api("files.create", file=("a.txt", b"a"), purpose="answers")
    assert caught.value.body["param"] is None  # type: ignore[index]
    with pytest.raises(openai.BadRequestError, match=r"Invalid file format for Batch API\. Must be \.jsonl"):
        await api("files.create", file=("a.txt", b"a"), purpose="batch")
    bad_policy = {"anchor": "created_at", "seconds": 60}
    with pytest.raises(openai.BadRequestError, match=r"expires_after\.seconds"):
        await api("files.create", file=("a.txt", b"a"), purpose="assistants", expires_after=bad_policy)
    assert await _ids(api) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"purpose": "assistants"}, "'file' is a required property"), ({}, "'purpose' is a required property")],
)
def test_a_form_without_file_or_purpose(fake: FakeOpenAI, fields: dict[str, str], message: str) -> None:
    http = fake.client("httpx")
    files = {"file": ("a.txt", b"a")} if not fields else {"other": ("a.txt", b"a")}
    answer = http.post("https://api.openai.com/v1/files", data=fields, files=files)
    assert answer.status_code == 400
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    assert answer.json() == {"error": error}
    json_body = http.post("https://api.openai.com/v1/files", json={"purpose": "assistants"})
    assert json_body.status_code == 400 and "multipart/form-data" in json_body.json()["error"]["message"]


async def test_faults_apply_to_files(api: Api) -> None:
    api.fake.fail(503, endpoint="/files")
    with pytest.raises(openai.InternalServerError):
        await api("files.create", file=("a.txt", b"a"), purpose="assistants")
    created = await api("files.create", file=("a.txt", b"a"), purpose="assistants")
    api.fake.on(endpoint="/files/*/content").fail(404, "gone for now", times=1)
    with pytest.raises(openai.NotFoundError, match="gone for now"):
        await api("files.content", file_id=created.id)
    assert (await api("files.content", file_id=created.id)).content == b"a"
    assert [r.status for r in api.fake.requests.where(endpoint="/files*")] == [503, 200, 404, 200]


async def test_seeded_files(api: Api) -> None:
    seeded = api.fake.seed("/files", {"purpose": "batch"}, files={"file": ("in.jsonl", b'{"a": 1}\n')}, id="file-abc")
    assert seeded["id"] == "file-abc" and seeded["bytes"] == 9 and seeded["filename"] == "in.jsonl"
    added = api.fake.add_file("plain text", id="file-text")
    assert (added["filename"], added["purpose"]) == ("file.txt", "user_data")
    jsonl = api.fake.add_file(b"{}\n", purpose="batch")
    assert jsonl["filename"] == "file.jsonl" and jsonl["id"].startswith("file-")
    assert api.fake.requests == []  # seeding is not a request
    assert (await api("files.retrieve", file_id="file-abc")).purpose == "batch"
    assert (await api("files.content", file_id="file-text")).content == b"plain text"
    assert await _ids(api, order="asc") == ["file-abc", "file-text", jsonl["id"]]
    with pytest.raises(ValueError, match="seed /files answered 400: Invalid file format for Batch API"):
        api.fake.add_file(b"{}", filename="in.txt", purpose="batch")


async def test_any_id_makes_every_file_exist(api: Api) -> None:
    api.fake.any_id = True
    made = await api("files.retrieve", file_id="file_id")
    assert made.id == "file_id" and made.object == "file"
    assert (await api("files.content", file_id="file_id")).content == b""
    assert (await api("files.delete", file_id="other_id")).deleted is True
    # A made-up upload has no known history: every step is accepted, again and again (as the
    # generated tests of openai-python, which reuse one placeholder id, expect).
    for _ in range(2):
        assert (await api("uploads.cancel", upload_id="upload_abc123")).status == "cancelled"
        part = await api("uploads.parts.create", upload_id="upload_abc123", data=b"ab")
        done = await api("uploads.complete", upload_id="upload_abc123", part_ids=[part.id, "string"], md5="md5")
        assert done.status == "completed" and done.file is not None and done.file.bytes == 2


# -- uploads ---------------------------------------------------------------------------------------


async def _upload(api: Api, size: int, **options: Any) -> Any:
    options.setdefault("filename", "big.jsonl")
    options.setdefault("mime_type", "application/jsonl")
    options.setdefault("purpose", "batch")
    return await api("uploads.create", bytes=size, **options)


async def test_upload_parts_complete_in_part_ids_order(api: Api) -> None:
    upload = await _upload(api, 9)
    assert (upload.object, upload.status, upload.file, upload.bytes) == ("upload", "pending", None, 9)
    assert upload.expires_at == upload.created_at + 3600
    parts = [await api("uploads.parts.create", upload_id=upload.id, data=chunk) for chunk in (b"abc", b"def", b"ghi")]
    assert all(p.object == "upload.part" and p.upload_id == upload.id for p in parts)
    assert api.fake.requests.last.form is not None  # parts are multipart `data`
    done = await api("uploads.complete", upload_id=upload.id, part_ids=[parts[2].id, parts[0].id, parts[1].id])
    assert done.status == "completed" and done.file is not None
    assert (done.file.bytes, done.file.filename, done.file.purpose) == (9, "big.jsonl", "batch")
    assert (await api("files.content", file_id=done.file.id)).content == b"ghiabcdef"
    assert await api("files.retrieve", file_id=done.file.id) == done.file
    with pytest.raises(openai.BadRequestError, match="status 'completed'"):
        await api("uploads.parts.create", upload_id=upload.id, data=b"more")


async def test_upload_bytes_must_match_and_md5_is_checked(api: Api) -> None:
    upload = await _upload(api, 6, purpose="assistants", filename="a.txt", mime_type="text/plain")
    first = await api("uploads.parts.create", upload_id=upload.id, data=b"abc")
    with pytest.raises(openai.BadRequestError, match=r"bytes uploaded \(3\) does not match .* \(6\)"):
        await api("uploads.complete", upload_id=upload.id, part_ids=[first.id])
    second = await api("uploads.parts.create", upload_id=upload.id, data=b"def")
    with pytest.raises(openai.BadRequestError, match="md5"):
        await api("uploads.complete", upload_id=upload.id, part_ids=[first.id, second.id], md5="0" * 32)
    md5 = hashlib.md5(b"abcdef").hexdigest()
    done = await api("uploads.complete", upload_id=upload.id, part_ids=[first.id, second.id], md5=md5)
    assert done.status == "completed" and done.file is not None and done.file.bytes == 6


async def test_upload_cancel_and_foreign_parts(api: Api) -> None:
    upload = await _upload(api, 3)
    other = await _upload(api, 3)
    foreign = await api("uploads.parts.create", upload_id=other.id, data=b"xyz")
    with pytest.raises(openai.BadRequestError, match="not a Part of this Upload"):
        await api("uploads.complete", upload_id=upload.id, part_ids=[foreign.id])
    cancelled = await api("uploads.cancel", upload_id=upload.id)
    assert cancelled.status == "cancelled"
    for method, options in (
        ("uploads.parts.create", {"data": b"abc"}),
        ("uploads.complete", {"part_ids": []}),
        ("uploads.cancel", {}),
    ):
        with pytest.raises(openai.BadRequestError, match="status 'cancelled'"):
            await api(method, upload_id=upload.id, **options)
    with pytest.raises(openai.NotFoundError):
        await api("uploads.cancel", upload_id="upload_nope")
    with pytest.raises(openai.BadRequestError, match="Invalid value: 'nope'") as caught:
        await _upload(api, 3, purpose="nope")
    assert caught.value.param == "purpose"


async def test_an_upload_expires_after_an_hour(api: Api) -> None:
    clock = ManualClock()
    api = _on_clock(api, clock)
    upload = await _upload(api, 3)
    clock.advance(3600)
    with pytest.raises(openai.BadRequestError, match="status 'expired'"):
        await api("uploads.parts.create", upload_id=upload.id, data=b"abc")


async def test_upload_file_chunked_helper(api: Api) -> None:
    data = b"0123456789" * 7
    upload = await api(
        "uploads.upload_file_chunked",
        file=data,
        filename="data.jsonl",
        bytes=len(data),
        mime_type="application/jsonl",
        purpose="batch",
        part_size=16,
    )
    assert upload.status == "completed" and upload.file is not None
    assert len(api.fake.requests.where(endpoint="/uploads/*/parts")) == 5
    assert (await api("files.content", file_id=upload.file.id)).content == data


def test_fakeopenai_exports_add_file() -> None:
    assert FakeOpenAI.add_file.__doc__ and fakeopenai.FakeOpenAI is FakeOpenAI
