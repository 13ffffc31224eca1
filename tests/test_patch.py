"""patch(): every OpenAI client made inside talks to the fake; other hosts are untouched."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator

import httpx
import openai
import pytest

import fakeopenai

from .conftest import FLAVOURS

HI = [{"role": "user", "content": "Hi"}]


@pytest.fixture(scope="module")
def local_server() -> Iterator[str]:
    """A real HTTP server on loopback, to prove non-OpenAI traffic still reaches the network."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"real server"
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_patch_routes_default_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with fakeopenai.patch() as fake:
        fake.reply("patched")
        client = openai.OpenAI()  # no key, no http_client: exactly what library code does
        assert client.chat.completions.create(model="m", messages=HI).choices[0].message.content == "patched"  # type: ignore[arg-type]
        assert fake.requests.last.headers["authorization"] == "Bearer sk-fakeopenai"
    assert "OPENAI_API_KEY" not in os.environ


async def test_patch_routes_async_clients() -> None:
    with fakeopenai.patch() as fake:
        fake.reply("async patched", token_delay=0.001)
        client = openai.AsyncOpenAI(api_key="sk")
        stream = await client.chat.completions.create(model="m", messages=HI, stream=True)  # type: ignore[arg-type]
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "async patched"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_patch_covers_user_built_http_clients(flavour: str) -> None:
    module = __import__(flavour)
    with fakeopenai.patch() as fake, module.Client() as http:
        response = http.post("https://api.openai.com/v1/chat/completions", json={"model": "m", "messages": HI})
    assert response.status_code == 200
    assert response.json()["object"] == "chat.completion"
    assert len(fake.requests) == 1


def test_other_hosts_untouched(local_server: str) -> None:
    with fakeopenai.patch() as fake:
        assert httpx.get(local_server).text == "real server"
    assert len(fake.requests) == 0


@pytest.mark.parametrize("flavour", FLAVOURS)
async def test_clients_built_in_the_block_make_no_pool_until_another_host_needs_one(
    flavour: str, local_server: str
) -> None:
    """No SSL context or connection pool for traffic the fake answers; other hosts work as before,
    during the block and after it, sync and async."""
    module = __import__(flavour)
    with fakeopenai.patch():
        client, aclient = module.Client(), module.AsyncClient()
        openai_client = openai.OpenAI(http_client=client)
        assert openai_client.models.list().data
        assert type(client._transport._pool).__name__ == "_LazyPool"  # the fake answered: no pool made
        assert client.get(local_server).text == "real server"
        assert type(client._transport._pool).__name__ != "_LazyPool"
        async with aclient:
            assert type(aclient._transport._pool).__name__ == "_LazyPool"
        late = module.Client()
    assert late.get(local_server).text == "real server"  # made in the block, used after it
    late.close()
    client.close()
    with module.Client() as plain:  # outside any block: the stack's own transport, untouched
        assert type(plain._transport._pool).__name__ != "_LazyPool"


def test_base_url_and_azure_are_claimed(local_server: str) -> None:
    with fakeopenai.patch(base_url=local_server + "/v1") as fake:
        client = openai.OpenAI(api_key="sk", base_url=local_server + "/v1")
        fake.reply("from my base_url")
        completion = client.chat.completions.create(model="m", messages=HI)  # type: ignore[arg-type]
        assert completion.choices[0].message.content == "from my base_url"
        azure = openai.AzureOpenAI(
            api_key="k", api_version="2024-10-21", azure_endpoint="https://my-res.openai.azure.com"
        )
        fake.reply("from azure")
        completion = azure.chat.completions.create(model="gpt-4o-mini", messages=HI)  # type: ignore[arg-type]
        assert completion.choices[0].message.content == "from azure"
        assert httpx.get(local_server).text == "real server"  # outside base_url: untouched
    assert fake.requests[0].path == "/v1/chat/completions"
    azure_request = fake.requests.last
    assert azure_request.path == "/openai/deployments/gpt-4o-mini/chat/completions"
    assert azure_request.endpoint == "/chat/completions"
    assert azure_request.query["api-version"] == "2024-10-21"


def test_nesting_and_restore_on_exception() -> None:
    original = httpx.HTTPTransport.handle_request
    with pytest.raises(RuntimeError), fakeopenai.patch() as outer:
        client = openai.OpenAI(api_key="sk")
        with fakeopenai.patch() as inner:
            inner.reply("inner")
            assert client.chat.completions.create(model="m", messages=HI).choices[0].message.content == "inner"  # type: ignore[arg-type]
        outer.reply("outer")
        assert client.chat.completions.create(model="m", messages=HI).choices[0].message.content == "outer"  # type: ignore[arg-type]
        raise RuntimeError("boom")
    assert httpx.HTTPTransport.handle_request is original
    assert len(inner.requests) == 1 and len(outer.requests) == 1


def test_patch_with_a_given_fake_from_threads() -> None:
    fake = fakeopenai.FakeOpenAI()
    results: list[str] = []
    with fakeopenai.patch(fake):
        client = openai.OpenAI(api_key="sk")
        fake.on().reply("same for all")

        def call() -> None:
            results.append(str(client.chat.completions.create(model="m", messages=HI).choices[0].message.content))  # type: ignore[arg-type]

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == ["same for all"] * 4


def test_respx_side_effect(fake: fakeopenai.FakeOpenAI) -> None:
    """People who already mock with respx can hand OpenAI calls to a fake."""
    import respx

    fake.reply("via respx")
    with respx.mock(assert_all_called=True) as router:
        router.route(host="api.openai.com").mock(side_effect=fake)
        client = openai.OpenAI(api_key="sk", http_client=httpx.Client())  # type: ignore[arg-type]
        completion = client.chat.completions.create(model="m", messages=HI)  # type: ignore[arg-type]
    assert completion.choices[0].message.content == "via respx"
