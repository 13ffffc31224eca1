"""Containers and container files through the real SDK, in-process and over ``serve``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

from fakeopenai import FakeOpenAI

from .conftest import Api


async def test_container_lifecycle(api: Api) -> None:
    uploaded = await api("files.create", file=("script.py", b"print('hi')\n"), purpose="user_data")
    container = await api(
        "containers.create",
        name="sandbox",
        file_ids=[uploaded.id],
        expires_after={"anchor": "last_active_at", "minutes": 5},
    )
    assert container.status == "running" and container.name == "sandbox"
    assert container.id.startswith("cntr_") and container.expires_after.minutes == 5
    assert (await api("containers.retrieve", container_id=container.id)).id == container.id

    copied = (await api("containers.files.list", container_id=container.id)).data
    assert [(f.path, f.bytes, f.source) for f in copied] == [("/mnt/data/script.py", 12, "user")]
    made = await api("containers.files.create", container_id=container.id, file=("data.csv", b"a,b\n1,2\n"))
    assert made.path == "/mnt/data/data.csv" and made.bytes == 8 and made.container_id == container.id
    from_id = await api("containers.files.create", container_id=container.id, file_id=uploaded.id)
    listed = (await api("containers.files.list", container_id=container.id)).data
    assert [f.id for f in listed] == [from_id.id, made.id, copied[0].id]  # newest first
    content = await api("containers.files.content.retrieve", container_id=container.id, file_id=made.id)
    assert content.content == b"a,b\n1,2\n"
    assert (await api("containers.files.retrieve", container_id=container.id, file_id=made.id)).bytes == 8

    await api("containers.files.delete", container_id=container.id, file_id=made.id)
    with pytest.raises(openai.NotFoundError):
        await api("containers.files.retrieve", container_id=container.id, file_id=made.id)

    other = await api("containers.create", name="other")
    assert [c.id for c in (await api("containers.list")).data] == [other.id, container.id]
    assert [c.id for c in (await api("containers.list", order="asc", limit=1)).data] == [container.id]
    named = await api("containers.list", extra_query={"name": "other"})  # openai 1.x lacks name=
    assert [c.id for c in named.data] == [other.id]
    with pytest.raises(openai.NotFoundError):  # a file of one container is not in another
        await api("containers.files.retrieve", container_id=other.id, file_id=from_id.id)

    await api("containers.delete", container_id=container.id)
    with pytest.raises(openai.NotFoundError):
        await api("containers.retrieve", container_id=container.id)
    assert from_id.id not in api.fake._state.store  # its files went with it


async def test_errors(api: Api) -> None:
    with pytest.raises(openai.BadRequestError, match="Missing required parameter: 'name'"):
        await api("containers.create", name=None)
    with pytest.raises(openai.BadRequestError, match="Invalid value: '2g'"):
        await api("containers.create", name="x", extra_body={"memory_limit": "2g"})  # 1.x lacks the parameter
    with pytest.raises(openai.NotFoundError, match="No such File object: file-nope"):
        await api("containers.create", name="x", file_ids=["file-nope"])
    container = await api("containers.create", name="x")
    with pytest.raises(openai.BadRequestError, match="'file' or 'file_id'"):
        await api("containers.files.create", container_id=container.id)
    with pytest.raises(openai.NotFoundError):
        await api("containers.files.list", container_id="cntr_nope")


def test_faults_and_any_id() -> None:
    fake = FakeOpenAI(any_id=True)
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), max_retries=0)
    fake.fail(429, endpoint="/containers*")
    with pytest.raises(openai.RateLimitError):
        client.containers.create(name="x")
    assert client.containers.retrieve("container_id").id == "container_id"
    assert client.containers.files.retrieve("file_id", container_id="container_id").id == "file_id"


@pytest.fixture(scope="module")
def served() -> Iterator[Any]:
    pytest.importorskip("uvicorn")
    from fakeopenai.server import app

    from .test_server import Served

    with Served(app(FakeOpenAI(seed=1))) as running:
        yield running


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_over_serve(served: Any, is_async: bool) -> None:
    from .test_server import call, close, sdk

    served.app.reset()
    client = sdk(served, is_async)
    try:
        container = await call(client, client.containers.create, name="box")
        made = await call(client, client.containers.files.create, container_id=container.id, file=("a.txt", b"hi"))
        content = await call(
            client, client.containers.files.content.retrieve, container_id=container.id, file_id=made.id
        )
        assert content.content == b"hi"
    finally:
        await close(client)
