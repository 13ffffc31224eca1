"""Faults in streams, as a real failure surfaces in the SDK: error events, broken connections, stalls."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Awaitable, Callable

import openai
import pytest

import fakeopenai
from fakeopenai import Reply, Request, RequestLog, Response

from .conftest import OPENAI_MAJOR, Api, mid_stream_errors, read_into

HI = [{"role": "user", "content": "Hi"}]


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
    requests.assert_honoured_retry_after()
    assert requests.last.idempotency_key is None  # OpenAI() sends none (WIRE.md §5)


# -- schedules: a sequence, a rate, a rule --------------------------------------------------------


async def test_fail_twice_then_succeed(api: Api) -> None:
    api.fake.fail(503, times=2, retry_after_ms=1)
    api.fake.reply("third attempt")
    completion = await api.with_options(max_retries=2)("chat.completions.create", model="m", messages=HI)
    assert completion.choices[0].message.content == "third attempt"
    requests = api.fake.requests
    assert requests.statuses == [503, 503, 200]
    assert requests.retry_counts == [0, 1, 2]
    requests.assert_retried(times=2)
    requests.assert_honoured_retry_after()


async def test_retries_exhausted_then_the_queued_reply_answers_the_next_call(api: Api) -> None:
    api.fake.fail(500, times=3, retry_after_ms=1)
    api.fake.reply("next call")
    retrying = api.with_options(max_retries=2)
    with pytest.raises(openai.InternalServerError):
        await retrying("chat.completions.create", model="m", messages=HI)
    api.fake.requests.assert_retried(times=2)
    completion = await retrying("chat.completions.create", model="m", messages=HI)
    assert completion.choices[0].message.content == "next call"
    assert [len(call) for call in api.fake.requests.calls] == [3, 1]
    api.fake.requests.assert_retried(times=0)
    api.fake.assert_all_consumed()


async def test_long_retry_after_is_where_sdk_majors_differ(api: Api) -> None:
    """openai 3.x gives up at once when retry-after exceeds 120 s; 1.x backs off and retries anyway."""
    api.fake.fail(429, retry_after=300)
    api.fake.reply("after the backoff")
    retrying = api.with_options(max_retries=1)
    if OPENAI_MAJOR >= 3:
        with pytest.raises(openai.RateLimitError):
            await retrying("chat.completions.create", model="m", messages=HI)
        api.fake.requests.assert_retried(times=0)
    else:
        completion = await retrying("chat.completions.create", model="m", messages=HI)
        assert completion.choices[0].message.content == "after the backoff"
        api.fake.requests.assert_retried(times=1)


async def test_rate_limit_and_insufficient_quota_are_both_rate_limit_errors(api: Api) -> None:
    retrying = api.with_options(max_retries=1)
    api.fake.fail(429, code="insufficient_quota", retry_after_ms=1, times=2)
    with pytest.raises(openai.RateLimitError) as quota:
        await retrying("chat.completions.create", model="m", messages=HI)
    api.fake.requests.assert_retried(times=1)  # the SDK retries it like any 429
    assert (quota.value.code, quota.value.type) == ("insufficient_quota", "insufficient_quota")
    api.fake.fail(429)
    with pytest.raises(openai.RateLimitError) as limited:
        await api("chat.completions.create", model="m", messages=HI)
    assert (limited.value.code, limited.value.type) == ("rate_limit_exceeded", "requests")


def failing_indices(fake: fakeopenai.FakeOpenAI) -> list[int]:
    return [index for index, status in enumerate(fake.requests.statuses) if status != 200]


async def test_failure_rate_is_seeded(api: Api) -> None:
    api.fake.fail_rate(0.25, status=500, seed=7)
    for _ in range(40):
        with contextlib.suppress(openai.InternalServerError):
            await api("chat.completions.create", model="m", messages=HI)
    draws = random.Random(7)
    expected = [index for index in range(40) if draws.random() < 0.25]
    assert failing_indices(api.fake) == expected
    assert 4 <= len(expected) <= 16  # a share, not all or nothing

    def run(seed: int) -> list[int]:
        fake = fakeopenai.FakeOpenAI()
        fake.fail_rate(0.25, seed=seed)
        client = openai.OpenAI(api_key="sk-test", http_client=fake.client(api.flavour), max_retries=0)  # type: ignore[arg-type]
        for _ in range(40):
            with contextlib.suppress(openai.InternalServerError):
                client.chat.completions.create(model="m", messages=HI)  # type: ignore[arg-type]
        return failing_indices(fake)

    assert run(7) == expected
    assert run(8) != expected


async def test_failure_rate_consumes_nothing_queued(api: Api) -> None:
    api.fake.fail_rate(0.5, status=503, seed=3)
    api.fake.reply("a").reply("b").reply("c")
    answers = []
    while len(answers) < 3:
        with contextlib.suppress(openai.InternalServerError):
            completion = await api("chat.completions.create", model="m", messages=HI)
            answers.append(completion.choices[0].message.content)
    assert answers == ["a", "b", "c"]
    assert 503 in api.fake.requests.statuses


async def test_failure_rate_limited_to_models_and_endpoints(api: Api) -> None:
    api.fake.fail_rate(1.0, status=502, model="flaky-*")
    api.fake.fail_rate(1.0, status=504, endpoint="/embeddings")
    await api("chat.completions.create", model="steady", messages=HI)
    with pytest.raises(openai.InternalServerError) as caught:
        await api("chat.completions.create", model="flaky-1", messages=HI)
    assert caught.value.status_code == 502
    with pytest.raises(openai.InternalServerError) as caught:
        await api("embeddings.create", model="text-embedding-3-small", input="Hi", encoding_format="float")
    assert caught.value.status_code == 504
    await api("models.list")
    assert api.fake.requests.statuses == [200, 502, 504, 200]
    with pytest.raises(ValueError, match="between 0 and 1"):
        api.fake.fail_rate(1.5)


async def test_failures_by_rule(api: Api) -> None:
    api.fake.on(contains="boom").fail(500)
    api.fake.on(model="gpt-4o*").fail(503, times=1)
    with pytest.raises(openai.InternalServerError, match="The server had an error"):
        await api("chat.completions.create", model="m", messages=[{"role": "user", "content": "say boom"}])
    with pytest.raises(openai.InternalServerError, match="overloaded"):
        await api("chat.completions.create", model="gpt-4o-mini", messages=HI)
    await api("chat.completions.create", model="gpt-4o-mini", messages=HI)  # times=1: spent
    await api("chat.completions.create", model="m", messages=HI)
    assert api.fake.requests.statuses == [500, 503, 200, 200]


# -- did the client read the stream to the end? ---------------------------------------------------


async def test_a_stream_read_to_the_end(api: Api) -> None:
    stream = await api("chat.completions.create", model="m", messages=HI, stream=True)
    assert api.fake.requests.last.read_to_end is False  # handed over, not read yet
    await api.collect(stream)
    assert api.fake.requests.last.read_to_end is True
    stream = await api("responses.create", model="gpt-4.1", input="Hi", stream=True)
    await api.collect(stream)
    assert api.fake.requests.last.read_to_end is True
    await api("chat.completions.create", model="m", messages=HI)
    assert api.fake.requests.last.read_to_end is None  # not a stream


async def test_a_stream_given_up_half_way(api: Api) -> None:
    api.fake.sleep, api.fake.async_sleep = recorded_sleeps()
    api.fake.reply("one two three four five", token_delay=0.05)
    stream = await api("chat.completions.create", model="m", messages=HI, stream=True)
    received = []
    if api.is_async:
        async for chunk in stream:
            received.append(chunk.choices[0].delta.content)
            if len(received) == 3:
                break
        await stream.close()
    else:
        for chunk in stream:
            received.append(chunk.choices[0].delta.content)
            if len(received) == 3:
                break
        stream.close()
    assert received == ["", "one", " two"]
    assert api.fake.requests.last.read_to_end is False


async def test_broken_streams_are_not_read_to_the_end(api: Api) -> None:
    api.fake.sleep, api.fake.async_sleep = recorded_sleeps()
    api.fake.reply("one two three", drop_after=2)
    api.fake.reply("one two three", stall_after=2, stall=60)
    api.fake.reply("one two three", error_after=2)
    stream = await api("chat.completions.create", model="m", messages=HI, stream=True)
    with pytest.raises(mid_stream_errors("drop")):
        await api.collect(stream)
    stream = await api("chat.completions.create", model="m", messages=HI, stream=True, timeout=1.0)
    with pytest.raises(mid_stream_errors("timeout")):
        await api.collect(stream)
    stream = await api("chat.completions.create", model="m", messages=HI, stream=True)
    with pytest.raises(openai.APIError):
        await api.collect(stream)
    # The error event is the last thing the fake sends: that stream did reach its end.
    assert [r.read_to_end for r in api.fake.requests] == [False, False, True]


def recorded_sleeps() -> tuple[Callable[[float], None], Callable[[float], Awaitable[None]]]:
    def sleep(seconds: float) -> None:
        pass

    async def async_sleep(seconds: float) -> None:
        pass

    return sleep, async_sleep


# -- the helpers fail when they should --------------------------------------------------------------


def logged(*attempts: tuple[int, int, float, dict[str, str]]) -> RequestLog:
    """A log of chat requests: (retry count, status, arrival time, answer headers)."""
    log = RequestLog()
    for count, status, at, headers in attempts:
        request = Request("POST", "u", "/v1/chat/completions", {"x-stainless-retry-count": str(count)}, {}, b"{}")
        request.endpoint, request.status, request.received_at = "/chat/completions", status, at
        request.response = Response(status, list(headers.items()))
        log.append(request)
    return log


def test_assert_retried_fails_when_the_count_differs() -> None:
    log = logged((0, 503, 0.0, {}), (1, 200, 1.0, {}))
    log.assert_retried(times=1)
    with pytest.raises(AssertionError, match=r"retried 2 time\(s\); its attempts had retry counts \[0, 1\]"):
        log.assert_retried(times=2)
    with pytest.raises(AssertionError, match="retried 0 time"):
        log.assert_retried(times=0)
    with pytest.raises(AssertionError, match="no request"):
        RequestLog().assert_retried(times=0)


def test_assert_honoured_retry_after_fails_on_an_early_retry() -> None:
    on_time = logged((0, 429, 10.0, {"retry-after-ms": "500", "retry-after": "1"}), (1, 200, 10.5, {}))
    on_time.assert_honoured_retry_after()
    early = logged((0, 429, 10.0, {"retry-after": "2"}), (1, 200, 11.0, {}))
    with pytest.raises(AssertionError, match=r"retry 1 came 1.000s after a 429 that asked to wait 2.000s"):
        early.assert_honoured_retry_after()
    with pytest.raises(AssertionError, match="no retry followed"):
        logged((0, 500, 0.0, {}), (1, 200, 0.1, {})).assert_honoured_retry_after()
