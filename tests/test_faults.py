"""Faults in streams, as a real failure surfaces in the SDK: error events, broken connections, stalls."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from fakeopenai import Reply

from .conftest import Api, mid_stream_errors

HI = [{"role": "user", "content": "Hi"}]


async def read_into(stream: Any, received: list[str]) -> None:
    """Read a sync or async chat stream, keeping each delta's content until it raises."""
    if hasattr(stream, "__aiter__"):
        async for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    else:
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")


async def test_error_event_after_n_chunks(api: Api) -> None:
    api.fake.reply("one two three four five six", error_after=3)
    stream = await api("chat.completions.create", model="m", messages=HI, stream=True)
    received: list[str] = []
    with pytest.raises(openai.APIError) as caught:
        await read_into(stream, received)
    assert received == ["", "one", " two"]  # the role chunk and two tokens, then the error
    assert caught.value.message.startswith("The server had an error")
    assert not isinstance(caught.value, openai.APIStatusError)  # no status: it came inside a 200


async def test_dropped_connection_mid_stream(api: Api) -> None:
    api.fake.reply("one two three four", drop_after=2)
    stream = await api("chat.completions.create", model="m", messages=HI, stream=True)
    with pytest.raises(mid_stream_errors("drop")):
        await api.collect(stream)


async def test_dropped_connection_before_answer_is_retried(api: Api) -> None:
    api.fake.reply(Reply("lost", drop_after=0))
    api.fake.reply("second attempt")
    retrying = api.with_options(max_retries=1)
    completion = await retrying("chat.completions.create", model="m", messages=HI)
    assert completion.choices[0].message.content == "second attempt"
    assert len(api.fake.requests) == 2


async def test_error_in_non_streamed_generation_is_a_500(api: Api) -> None:
    api.fake.reply("x", error_after=0, error_message="The model produced invalid content.")
    with pytest.raises(openai.InternalServerError, match="invalid content"):
        await api("chat.completions.create", model="m", messages=HI)


async def test_stall_mid_stream_fires_the_client_timeout(api: Api) -> None:
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def async_sleep(seconds: float) -> None:
        slept.append(seconds)

    api.fake.sleep, api.fake.async_sleep = sleep, async_sleep
    api.fake.reply("one two three", stall_after=2, stall=60)
    stream = await api("chat.completions.create", model="m", messages=HI, stream=True, timeout=0.5)
    with pytest.raises(mid_stream_errors("timeout")):
        await api.collect(stream)
    assert slept == [0.5]


async def test_reply_queued_after_a_fault_is_delivered(api: Api) -> None:
    api.fake.fail(503)
    api.fake.reply("broken", drop_after=1)
    api.fake.reply("fine")
    with pytest.raises(openai.InternalServerError):
        await api("chat.completions.create", model="m", messages=HI)
    stream = await api("chat.completions.create", model="m", messages=HI, stream=True)
    with pytest.raises(mid_stream_errors("drop")):
        await api.collect(stream)
    completion = await api("chat.completions.create", model="m", messages=HI)
    assert completion.choices[0].message.content == "fine"


async def test_responses_stream_error_event_is_yielded_not_raised(api: Api) -> None:
    """As on the real API (WIRE.md §0 fact 6): an ``error`` event is yielded as an event."""
    api.fake.reply("one two three four", error_after=4)
    stream = await api("responses.create", model="gpt-4.1", input="Hi", stream=True)
    events = await api.collect(stream)
    assert [e.type for e in events][:2] == ["response.created", "response.in_progress"]
    assert events[-1].type == "error"
    assert events[-1].sequence_number == 4
    assert "response.completed" not in [e.type for e in events]


async def test_responses_dropped_stream(api: Api) -> None:
    api.fake.reply("one two three four", drop_after=3)
    stream = await api("responses.create", model="gpt-4.1", input="Hi", stream=True)
    with pytest.raises(mid_stream_errors("drop")):
        await api.collect(stream)


async def test_resilience_assertions(api: Api) -> None:
    api.fake.fail(429, retry_after_ms=50, times=2)
    retrying = api.with_options(max_retries=2)
    await retrying("chat.completions.create", model="m", messages=HI)
    requests = api.fake.requests
    assert requests.retry_counts == [0, 1, 2]
    assert all(gap >= 0.045 for gap in requests.gaps())  # the SDK honoured retry-after-ms
    assert requests.last.idempotency_key is None  # OpenAI() sends none (WIRE.md §5)
