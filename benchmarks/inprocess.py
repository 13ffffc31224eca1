"""What fakeopenai costs on top of the openai SDK itself, in-process.

For a non-streamed chat completion and a 200-token stream, through the real SDK, it times:
  floor      the SDK with the stack's MockTransport returning pre-built bytes (nothing cheaper exists)
  fakeopenai the SDK with fakeopenai's transport (the real fake: reply queue, rendering, recording)
  respx      the SDK with respx returning the same pre-built bytes (httpx stack only: respx does not
             patch httpx2)
  pytest-httpx  the same with pytest-httpx's ``HTTPXMock``, when it is installed (httpx stack only)
and prints each cost as a ratio of the floor; then 200 concurrent async streams (wall time of the
whole gather, same contenders), ``OpenAI()`` built inside ``patch()`` and a call under ``patch()``
against one through ``fake.client()``, and what ``import fakeopenai`` adds to ``import openai``.
Rounds are interleaved so that machine noise hits every contender alike; the best round counts.

    python benchmarks/inprocess.py [--calls 300] [--rounds 7]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import openai

import fakeopenai

MESSAGES = [{"role": "user", "content": "Tell me something."}]
SHORT = "Hello there! This is a short answer of about twenty tokens, as a typical reply would be."
LONG = " ".join(f"word{i % 50}" for i in range(200))  # 200 tokens once split


def prebuilt(flavour: str, text: str, stream: bool) -> tuple[bytes, list[tuple[str, str]]]:
    """The exact bytes and headers fakeopenai would answer, rendered once."""
    fake = fakeopenai.FakeOpenAI(seed=0)
    fake.reply(text)
    client = openai.OpenAI(api_key="sk", http_client=fake.client(flavour), max_retries=0)  # type: ignore[arg-type]
    result = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=stream)  # type: ignore[call-overload]
    if stream:
        chunks = list(result)
        assert len(chunks) >= (200 if text is LONG else 1)
    response = fake.requests.last.response
    assert response is not None
    body = b"".join(e.data for e in response.events) if response.events is not None else response.body
    return body, [(k, v) for k, v in response.headers]


def sdk_client(flavour: str, transport: Any) -> openai.OpenAI:
    module = __import__(flavour)
    return openai.OpenAI(
        api_key="sk",
        max_retries=0,
        http_client=module.Client(transport=transport),  # type: ignore[arg-type]
    )


def floor_client(flavour: str, body: bytes, headers: list[tuple[str, str]]) -> openai.OpenAI:
    module = __import__(flavour)
    return sdk_client(
        flavour, module.MockTransport(lambda request: module.Response(200, headers=headers, content=body))
    )


def fake_client(flavour: str, text: str) -> openai.OpenAI:
    fake = fakeopenai.FakeOpenAI(seed=0)
    fake.on().reply(text)  # a rule: answers every request, like a queue that never runs dry
    client = openai.OpenAI(api_key="sk", max_retries=0, http_client=fake.client(flavour))  # type: ignore[arg-type]
    client._fake = fake  # type: ignore[attr-defined]
    return client


def respx_client(body: bytes, headers: list[tuple[str, str]]) -> tuple[openai.OpenAI, Any]:
    import httpx
    import respx

    router = respx.mock(assert_all_called=False)
    router.start()
    router.post("https://api.openai.com/v1/chat/completions").mock(
        return_value=httpx.Response(200, headers=headers, content=body)
    )
    client = openai.OpenAI(api_key="sk", max_retries=0, http_client=httpx.Client())  # type: ignore[arg-type]
    return client, router


def pytest_httpx_client(body: bytes, headers: list[tuple[str, str]]) -> tuple[openai.OpenAI, Any] | None:
    """The SDK with pytest-httpx's mock answering (its fixture's patch, made by hand); ``None`` if absent."""
    try:
        import httpx
        from pytest_httpx import HTTPXMock
        from pytest_httpx._options import _HTTPXMockOptions

        mock = HTTPXMock(
            _HTTPXMockOptions(assert_all_responses_were_requested=False, can_send_already_matched_responses=True)
        )
    except Exception:  # not installed, or another version's internals
        return None
    mock.add_response(url="https://api.openai.com/v1/chat/completions", headers=headers, content=body, is_reusable=True)
    originals = (httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request)

    async def handle_async(transport: Any, request: Any) -> Any:
        return await mock._handle_async_request(transport, request)

    httpx.HTTPTransport.handle_request = lambda transport, request: mock._handle_request(transport, request)  # type: ignore[method-assign]
    httpx.AsyncHTTPTransport.handle_async_request = handle_async  # type: ignore[method-assign]

    def stop() -> None:
        httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request = originals  # type: ignore[method-assign]

    client = openai.OpenAI(api_key="sk", max_retries=0, http_client=httpx.Client())  # type: ignore[arg-type]
    client._stop = stop  # type: ignore[attr-defined]
    return client, mock


def call(client: openai.OpenAI, stream: bool) -> Callable[[], None]:
    create = client.chat.completions.create
    if stream:

        def run() -> None:
            for _ in create(model="gpt-4o-mini", messages=MESSAGES, stream=True):  # type: ignore[call-overload]
                pass
    else:

        def run() -> None:
            create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[call-overload]

    return run


def per_call(run: Callable[[], None], calls: int, after: Callable[[], None] | None = None) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        run()
    elapsed = time.perf_counter() - start
    if after is not None:
        after()
    return elapsed / calls


def bench_case(flavour: str, stream: bool, calls: int, rounds: int) -> dict[str, float]:
    text = LONG if stream else SHORT
    body, headers = prebuilt(flavour, text, stream)
    contenders: dict[str, tuple[Callable[[], None], Callable[[], None] | None]] = {}
    contenders["floor"] = (call(floor_client(flavour, body, headers), stream), None)
    fake = fake_client(flavour, text)
    contenders["fakeopenai"] = (call(fake, stream), fake._fake.requests.clear)  # type: ignore[attr-defined]
    router = None
    stops = []
    if flavour == "httpx":
        client, router = respx_client(body, headers)
        contenders["respx"] = (call(client, stream), router.calls.clear)
        made = pytest_httpx_client(body, headers)
        if made is not None:
            contenders["pytest-httpx"] = (call(made[0], stream), made[1]._requests.clear)
            stops.append(made[0]._stop)  # type: ignore[attr-defined]
    best: dict[str, float] = {name: float("inf") for name in contenders}
    try:
        for run, after in contenders.values():  # warm up
            per_call(run, max(5, calls // 10), after)
        for _ in range(rounds):
            for name, (run, after) in contenders.items():
                best[name] = min(best[name], per_call(run, calls, after))
    finally:
        for stop in stops:
            stop()
        if router is not None:
            router.stop()
    return best


def bench_concurrent(flavour: str, streams: int, rounds: int) -> dict[str, float]:
    """Wall time of ``streams`` 200-token streams gathered at once on one ``AsyncOpenAI``, per contender."""
    import asyncio

    module = __import__(flavour)
    body, headers = prebuilt(flavour, LONG, True)

    def sdk(http_client: Any) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(api_key="sk", max_retries=0, http_client=http_client)

    async def floor_handler(request: Any) -> Any:
        return module.Response(200, headers=headers, content=body)

    fake = fakeopenai.FakeOpenAI(seed=0)
    fake.on().reply(LONG)
    limits = module.Limits(max_connections=None, max_keepalive_connections=None)
    contenders: dict[str, tuple[openai.AsyncOpenAI, Callable[[], None] | None]] = {
        "floor": (sdk(module.AsyncClient(transport=module.MockTransport(floor_handler), limits=limits)), None),
        "fakeopenai": (sdk(fake.async_client(flavour, limits=limits)), fake.requests.clear),  # type: ignore[arg-type]
    }
    router = None
    if flavour == "httpx":
        import httpx
        import respx

        router = respx.mock(assert_all_called=False)
        router.start()
        router.post("https://api.openai.com/v1/chat/completions").mock(
            return_value=httpx.Response(200, headers=headers, content=body)
        )
        contenders["respx"] = (sdk(httpx.AsyncClient(limits=limits)), router.calls.clear)

    async def gather(client: openai.AsyncOpenAI) -> None:
        async def one() -> None:
            async for _ in await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True):  # type: ignore[call-overload]
                pass

        await asyncio.gather(*(one() for _ in range(streams)))

    async def timed(client: openai.AsyncOpenAI) -> float:
        gc.collect()
        start = time.perf_counter()
        await gather(client)
        return time.perf_counter() - start

    async def run() -> dict[str, float]:
        best = dict.fromkeys(contenders, float("inf"))
        for client, after in contenders.values():  # warm up
            await gather(client)
            if after is not None:
                after()
        for _ in range(rounds):
            for name, (client, after) in contenders.items():
                best[name] = min(best[name], await timed(client))
                if after is not None:
                    after()
        return best

    try:
        return asyncio.run(run())
    finally:
        if router is not None:
            router.stop()


def bench_patch(rounds: int, calls: int) -> tuple[float, float, float]:
    """(ms to build ``OpenAI()`` inside ``patch()``, µs per call under it, µs per call via ``fake.client()``)."""
    fake = fakeopenai.FakeOpenAI(seed=0)
    fake.on().reply(SHORT)
    direct = call(openai.OpenAI(api_key="sk", max_retries=0, http_client=fake.client()), False)
    with fakeopenai.patch(fake):
        build = min(per_call(lambda: openai.OpenAI(), 20) for _ in range(rounds))
        patched = call(openai.OpenAI(max_retries=0), False)
        best = {"patch": float("inf"), "client": float("inf")}
        for run in (patched, direct):
            per_call(run, max(5, calls // 10), fake.requests.clear)
        for _ in range(rounds):
            best["patch"] = min(best["patch"], per_call(patched, calls, fake.requests.clear))
            best["client"] = min(best["client"], per_call(direct, calls, fake.requests.clear))
    return build * 1e3, best["patch"] * 1e6, best["client"] * 1e6


def import_cost(repeats: int) -> tuple[float, float]:
    """Median wall time of ``import openai`` and of ``import openai, fakeopenai`` in fresh interpreters.

    Both run from compiled bytecode, as after a wheel install: an editable checkout under
    ``PYTHONDONTWRITEBYTECODE`` would otherwise recompile fakeopenai on every import (about 35 ms).
    """
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache

        def timed(code: str) -> float:
            program = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
            samples = []
            for attempt in range(repeats + 1):
                out = subprocess.run(
                    [sys.executable, "-c", program], check=True, capture_output=True, text=True, env=env
                )
                if attempt:  # the first run writes the bytecode cache
                    samples.append(float(out.stdout))
            return statistics.median(samples)

        base = timed("import openai")
        both = timed("import openai; import fakeopenai")
    return base, both


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300, help="calls per round (streams: a fifth of it)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--imports", type=int, default=9, help="fresh interpreters per import timing")
    parser.add_argument("--streams", type=int, default=200, help="concurrent async streams")
    options = parser.parse_args()

    flavours = (
        ["httpx2", "httpx"]
        if importlib.util.find_spec("httpx2") and fakeopenai.default_flavour() == "httpx2"
        else ["httpx"]
    )
    print(f"openai {openai.__version__}, python {sys.version.split()[0]}; best of {options.rounds} interleaved rounds")
    print(
        f"{'case':34} {'floor':>10} {'fakeopenai':>12} {'ratio':>7} {'respx':>10} {'ratio':>7}"
        f" {'pytest-httpx':>12} {'ratio':>7}"
    )
    worst = 0.0
    for flavour in flavours:
        for stream in (False, True):
            calls = options.calls // 5 if stream else options.calls
            best = bench_case(flavour, stream, calls, options.rounds)
            unit, scale = ("µs/chunk", 1e6 / 203) if stream else ("µs/call", 1e6)
            floor = best["floor"]
            ratio = best["fakeopenai"] / floor
            worst = max(worst, ratio)
            line = (
                f"{flavour + (' 200-token stream' if stream else ' non-streamed'):34} "
                f"{floor * scale:9.1f} {best['fakeopenai'] * scale:11.1f}  {ratio:6.3f}x"
            )
            for peer in ("respx", "pytest-httpx"):
                if peer in best:
                    line += f" {best[peer] * scale:{9 if peer == 'respx' else 11}.1f}  {best[peer] / floor:6.3f}x"
            print(line + f"   ({unit})")
        best = bench_concurrent(flavour, options.streams, options.rounds)
        floor = best["floor"]
        worst = max(worst, best["fakeopenai"] / floor)
        line = (
            f"{flavour + f' {options.streams} async streams':34} {floor * 1e3:9.1f} {best['fakeopenai'] * 1e3:11.1f}"
            f"  {best['fakeopenai'] / floor:6.3f}x"
        )
        if "respx" in best:
            line += f" {best['respx'] * 1e3:9.1f}  {best['respx'] / floor:6.3f}x"
        print(line + "   (ms, all at once)")
    build, patched, direct = bench_patch(options.rounds, options.calls)
    print(
        f"OpenAI() inside patch(): {build:.2f} ms; a call under patch() {patched:.1f} µs, "
        f"through fake.client() {direct:.1f} µs ({patched / direct:.3f}x)"
    )
    base, both = import_cost(options.imports)
    print(
        f"import openai {base * 1000:.0f} ms; import openai + fakeopenai {both * 1000:.0f} ms "
        f"(+{(both / base - 1) * 100:.1f}%)"
    )
    targets = "non-streamed <= 1.05x, per chunk <= 1.03x, 200 streams <= 1.05x"
    print(f"worst fakeopenai ratio {worst:.3f}x (issue 14's targets: {targets})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
