"""Delays: waits go through the fake's (injectable) sleep; read timeouts raise the stack's own error."""

from __future__ import annotations

import time
from typing import Any

import openai
import pytest

import fakeopenai

from .conftest import Api, mid_stream_errors

HI = [{"role": "user", "content": "Hi"}]


class Recorder:
    """Records waits instead of waiting (both the sync and the async sleep)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(params=[False, True], ids=["sync", "async"])
def timed_api(request: pytest.FixtureRequest, flavour: str, recorder: Recorder) -> Api:
    fake = fakeopenai.FakeOpenAI(seed=1, sleep=recorder.sleep, async_sleep=recorder.async_sleep)
    return Api(fake, bool(request.param), flavour)


async def test_stream_waits_ttft_then_token_delay(timed_api: Api, recorder: Recorder) -> None:
    timed_api.fake.reply("one two three four", ttft=0.2, token_delay=0.05)
    stream = await timed_api("chat.completions.create", model="m", messages=HI, stream=True)
    chunks = await timed_api.collect(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "one two three four"
    assert recorder.waits == [0.2, 0.05, 0.05, 0.05]


async def test_non_streamed_waits_the_whole_generation(timed_api: Api, recorder: Recorder) -> None:
    timed_api.fake.reply("one two three", ttft=0.5, token_delay=0.1)
    await timed_api("chat.completions.create", model="m", messages=HI)
    assert recorder.waits == [pytest.approx(0.7)]


async def test_no_delay_no_wait(timed_api: Api, recorder: Recorder) -> None:
    timed_api.fake.reply("instant answer with several tokens")
    stream = await timed_api("chat.completions.create", model="m", messages=HI, stream=True)
    await timed_api.collect(stream)
    assert recorder.waits == []


async def test_stall_longer_than_read_timeout(timed_api: Api, recorder: Recorder) -> None:
    timed_api.fake.reply("too slow", ttft=30)
    with pytest.raises(openai.APITimeoutError):
        await timed_api("chat.completions.create", model="m", messages=HI, timeout=2.0)
    assert recorder.waits == [2.0]
    timed_api.fake.reply("stalls mid-stream", token_delay=10)
    stream = await timed_api("chat.completions.create", model="m", messages=HI, stream=True, timeout=1.0)
    with pytest.raises(mid_stream_errors("timeout")):
        await timed_api.collect(stream)


def test_real_clock_sync_stream() -> None:
    """One test on the real clock: the wiring to time.sleep works and tokens arrive spread out."""
    fake = fakeopenai.FakeOpenAI()
    client = openai.OpenAI(api_key="sk", http_client=fake.client())
    fake.reply("a b c d", ttft=0.05, token_delay=0.02)
    started = time.perf_counter()
    arrivals = []
    for chunk in client.chat.completions.create(model="m", messages=HI, stream=True):  # type: ignore[arg-type]
        if chunk.choices and chunk.choices[0].delta.content:
            arrivals.append(time.perf_counter() - started)
    assert arrivals[0] >= 0.05
    assert arrivals[-1] - arrivals[0] >= 0.06 - 0.005


async def test_real_clock_async_streams_do_not_block_each_other() -> None:
    import asyncio

    fake = fakeopenai.FakeOpenAI()
    client = openai.AsyncOpenAI(api_key="sk", http_client=fake.async_client())
    for _ in range(10):
        fake.reply("x y", ttft=0.1, token_delay=0.05)

    async def one() -> Any:
        stream = await client.chat.completions.create(model="m", messages=HI, stream=True)  # type: ignore[arg-type]
        return [c async for c in stream]

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(10)))
    elapsed = time.perf_counter() - started
    assert elapsed < 0.15 * 10 / 2  # concurrent, not one after the other (which would take 1.5 s)
