"""Rate limits through the real SDK: the real headers, the real 429s, time moved by hand."""

from __future__ import annotations

import json
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openai
import pytest

import fakeopenai
from fakeopenai import ManualClock, RateLimit, Request
from fakeopenai._ratelimit import go_duration

from .conftest import Api

HI = [{"role": "user", "content": "Hi"}]
LEARN_MORE = "Visit https://platform.openai.com/account/rate-limits to learn more."


def limits_of(headers: Any) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.startswith("x-ratelimit-")}


async def raw(api: Api, **kwargs: Any) -> Any:
    """A chat completion through ``with_raw_response``, to read the answer's headers."""
    kwargs.setdefault("model", "gpt-4o-mini")
    kwargs.setdefault("messages", HI)
    return await api("chat.completions.with_raw_response.create", **kwargs)


async def test_requests_per_minute_count_down_then_429(api: Api) -> None:
    clock = ManualClock()
    api.fake.rate_limit(rpm=3, clock=clock)
    seen = [limits_of((await raw(api)).headers) for _ in range(3)]
    assert [h["x-ratelimit-remaining-requests"] for h in seen] == ["2", "1", "0"]
    assert [h["x-ratelimit-reset-requests"] for h in seen] == ["20s", "40s", "1m0s"]
    assert {h["x-ratelimit-limit-requests"] for h in seen} == {"3"}

    api.fake.reply("kept for the first request that gets through")
    with pytest.raises(openai.RateLimitError) as caught:
        await api("chat.completions.create", model="gpt-4o-mini", messages=HI)
    error = caught.value
    assert error.body["message"] == (
        "Rate limit reached for gpt-4o-mini in organization org-fakeopenai on requests per min (RPM): "
        f"Limit 3, Used 3, Requested 1. Please try again in 20s. {LEARN_MORE}"
    )
    assert (error.code, error.type, error.status_code) == ("rate_limit_exceeded", "requests", 429)
    assert error.response.headers["retry-after"] == "20"
    assert error.response.headers["retry-after-ms"] == "20000"
    assert limits_of(error.response.headers)["x-ratelimit-remaining-requests"] == "0"
    assert len(api.fake.pending) == 1  # a refused request consumes nothing

    clock.advance(19.9)
    with pytest.raises(openai.RateLimitError, match=r"Please try again in 100ms\."):
        await api("chat.completions.create", model="gpt-4o-mini", messages=HI)
    clock.advance(0.1)
    completion = await api("chat.completions.create", model="gpt-4o-mini", messages=HI)
    assert completion.choices[0].message.content == "kept for the first request that gets through"
    assert api.fake.requests.statuses == [200, 200, 200, 429, 429, 200]
    assert api.fake.limits is not None and api.fake.limits.remaining("gpt-4o-mini") == (0, None)


async def test_tokens_per_minute(api: Api) -> None:
    clock = ManualClock()
    api.fake.rate_limit(tpm=100, clock=clock)
    forty = [{"role": "user", "content": "x" * 40}]  # 10 tokens by the limiter's estimate, +40 max_tokens
    first = limits_of((await raw(api, messages=forty, max_tokens=40)).headers)
    assert first["x-ratelimit-limit-tokens"] == "100"
    assert first["x-ratelimit-remaining-tokens"] == "50"
    assert first["x-ratelimit-reset-tokens"] == "30s"
    second = limits_of((await raw(api, messages=forty, max_completion_tokens=40)).headers)
    assert second["x-ratelimit-remaining-tokens"] == "0"
    assert second["x-ratelimit-reset-tokens"] == "1m0s"

    clock.advance(15)  # 25 tokens back: 75 used, 50 asked, 25 too many = 15 s more
    with pytest.raises(openai.RateLimitError) as caught:
        await api("chat.completions.create", model="gpt-4o-mini", messages=forty, max_tokens=40)
    assert caught.value.body["message"] == (
        "Rate limit reached for gpt-4o-mini in organization org-fakeopenai on tokens per min (TPM): "
        f"Limit 100, Used 75, Requested 50. Please try again in 15s. {LEARN_MORE}"
    )
    assert caught.value.type == "tokens"
    assert caught.value.response.headers["retry-after-ms"] == "15000"
    clock.advance(15)
    await api("chat.completions.create", model="gpt-4o-mini", messages=forty, max_tokens=40)


async def test_request_larger_than_the_limit(api: Api) -> None:
    api.fake.rate_limit(tpm=100, clock=ManualClock())
    with pytest.raises(openai.RateLimitError) as caught:
        await api("chat.completions.create", model="gpt-4o", messages=HI, max_tokens=200)
    assert caught.value.body["message"] == (
        "Request too large for gpt-4o in organization org-fakeopenai on tokens per min (TPM): Limit 100, "
        f"Requested 201. The input or output tokens must be reduced in order to run successfully. {LEARN_MORE}"
    )
    assert caught.value.code == "rate_limit_exceeded"
    assert "retry-after" not in caught.value.response.headers  # waiting would not help


async def test_each_model_has_its_own_bucket_and_globs_choose_models(api: Api) -> None:
    api.fake.rate_limit(rpm=1, model="gpt-4o*", clock=ManualClock())
    await api("chat.completions.create", model="gpt-4o", messages=HI)
    await api("chat.completions.create", model="gpt-4o-mini", messages=HI)  # another bucket
    with pytest.raises(openai.RateLimitError, match="for gpt-4o in organization"):
        await api("chat.completions.create", model="gpt-4o", messages=HI)
    for _ in range(3):  # not limited: keeps the fake's default headers
        headers = limits_of((await raw(api, model="o3")).headers)
        assert headers["x-ratelimit-limit-requests"] == "10000"
    assert api.fake.requests.statuses == [200, 200, 429, 200, 200, 200]


async def test_every_model_endpoint_counts(api: Api) -> None:
    api.fake.rate_limit(rpm=1, clock=ManualClock())
    await api("responses.create", model="gpt-4.1", input="Hi")
    with pytest.raises(openai.RateLimitError):
        await api("responses.create", model="gpt-4.1", input="Hi", stream=True)
    await api("embeddings.create", model="text-embedding-3-small", input="Hi", encoding_format="float")
    with pytest.raises(openai.RateLimitError, match="for text-embedding-3-small in"):
        await api("embeddings.create", model="text-embedding-3-small", input="Hi", encoding_format="float")
    await api("models.list")  # names no model: not counted
    await api("models.list")
    assert api.fake.requests.statuses == [200, 429, 200, 429, 200, 200]
    assert api.fake.requests[1].endpoint == "/responses"


async def test_the_sdk_retries_after_the_limiters_retry_after(api: Api) -> None:
    """Real time, kept short: a bucket of 70000 tokens a minute refills 1166 tokens a second."""
    api.fake.rate_limit(tpm=70_000)
    retrying = api.with_options(max_retries=1)
    await retrying("chat.completions.create", model="m", messages=HI, max_tokens=69_990)  # 69991 of 70000
    completion = await retrying("chat.completions.create", model="m", messages=HI, max_tokens=60)
    assert completion.choices[0].finish_reason in {"stop", "length"}
    requests = api.fake.requests
    assert requests.statuses == [200, 429, 200]
    assert requests.retry_counts == [0, 0, 1]
    assert [len(call) for call in requests.calls] == [1, 2]
    wait_ms = int(dict(requests[1].response.headers)["retry-after-ms"])  # type: ignore[union-attr]
    assert 0 < wait_ms <= 45  # 52 tokens short at 1166.7 a second, less what refilled meanwhile
    requests.assert_honoured_retry_after()


def test_counting_is_exact_across_threads(fake: fakeopenai.FakeOpenAI) -> None:
    clock = ManualClock()
    fake.rate_limit(rpm=10, tpm=1000, clock=clock)
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), max_retries=0)  # type: ignore[arg-type]
    start = threading.Barrier(8, timeout=30)

    def call(index: int) -> int:
        if index < 8:
            start.wait()
        try:
            client.chat.completions.create(model="m", messages=HI, max_tokens=9)
        except openai.RateLimitError:
            return 429
        return 200

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(call, range(24)))
    assert statuses.count(200) == 10 and statuses.count(429) == 14
    assert fake.limits is not None and fake.limits.remaining("m") == (0, 900)  # 10 x (1 + 9) tokens


def test_token_estimate() -> None:
    def request(body: dict[str, Any], path: str = "/v1/chat/completions") -> Request:
        return Request("POST", "https://api.openai.com" + path, path, {}, {}, json.dumps(body).encode())

    chat = {"model": "m", "messages": [{"role": "user", "content": "x" * 41}]}
    assert RateLimit.tokens(request(chat)) == 11  # characters / 4, rounded up; nothing asked to generate
    assert RateLimit.tokens(request({**chat, "max_tokens": 5, "n": 3})) == 11 + 15
    assert RateLimit.tokens(request({**chat, "max_completion_tokens": 7})) == 18
    responses = {"model": "m", "input": "y" * 8, "instructions": "z" * 3, "max_output_tokens": 20}
    assert RateLimit.tokens(request(responses, "/v1/responses")) == math.ceil(12 / 4) + 20  # joined with "\n"
    embeddings = {"model": "e", "input": ["a" * 4, "b" * 4]}
    assert RateLimit.tokens(request(embeddings, "/v1/embeddings")) == 3


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.0001, "1ms"),
        (0.006, "6ms"),
        (0.644, "644ms"),
        (1, "1s"),
        (9.816, "9.816s"),
        (18.642, "18.642s"),
        (86.4, "1m26.4s"),
        (360, "6m0s"),
        (3600, "1h0m0s"),
        (3661.5, "1h1m1.5s"),
    ],
)
def test_durations_are_written_as_the_api_writes_them(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


def test_try_again_matches_real_messages() -> None:
    """Real 429s: "Limit 10000, Used 8554, Requested 3082. Please try again in 9.816s."; likewise 644ms."""
    clock = ManualClock()
    for limit, used, requested, wait in [(10_000, 8554, 3082, "9.816s"), (30_000, 29_937, 385, "644ms")]:
        limits = RateLimit(tpm=limit, clock=clock)
        body = {"model": "gpt-4", "messages": [{"role": "user", "content": "x" * 4 * (used - 1)}], "max_tokens": 1}
        filler = Request("POST", "u", "/v1/chat/completions", {}, {}, json.dumps(body).encode())
        admitted = limits.admit(filler)
        assert admitted is not None and admitted.error is None
        body = {"model": "gpt-4", "messages": [{"role": "user", "content": "x" * 4 * requested}]}
        refused = limits.admit(Request("POST", "u", "/v1/chat/completions", {}, {}, json.dumps(body).encode()))
        assert refused is not None and refused.error is not None
        expected = f"Limit {limit}, Used {used}, Requested {requested}. Please try again in {wait}."
        assert expected in refused.error.message


def test_constructor_reset_and_lifting(fake: fakeopenai.FakeOpenAI) -> None:
    clock = ManualClock(start=100.0)
    limited = fakeopenai.FakeOpenAI(rpm=1, tpm=50, clock=clock)
    client = openai.OpenAI(api_key="sk-test", http_client=limited.client(), max_retries=0)  # type: ignore[arg-type]
    client.chat.completions.create(model="m", messages=HI)
    assert limited.limits is not None and limited.limits.clock is clock
    assert limited.limits.remaining("m") == (0, 49)
    limited.reset()  # buckets full again, the limit stays
    assert limited.limits.remaining("m") == (1, 50)
    client.chat.completions.create(model="m", messages=HI)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="m", messages=HI)
    limited.limits = None
    client.chat.completions.create(model="m", messages=HI)

    assert fake.limits is None
    with pytest.raises(ValueError, match="give a limit"):
        fake.rate_limit()
    with pytest.raises(ValueError, match="positive integer"):
        fake.rate_limit(rpm=0)


async def test_manual_clock_runs_the_fakes_delays_in_no_time(api: Api) -> None:
    clock = ManualClock()
    fake = fakeopenai.FakeOpenAI(clock=clock, sleep=clock.sleep, async_sleep=clock.async_sleep)
    on_clock = Api(fake, api.is_async, api.flavour)
    fake.reply("one two three", ttft=0.5, token_delay=0.25)
    stream = await on_clock("chat.completions.create", model="m", messages=HI, stream=True)
    chunks = await on_clock.collect(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "one two three"
    assert clock() == clock.now == pytest.approx(0.5 + 2 * 0.25)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


async def test_scripted_rate_limit_names_the_model(api: Api) -> None:
    api.fake.fail(429)
    with pytest.raises(openai.RateLimitError) as caught:
        await api("chat.completions.create", model="gpt-4.1-nano", messages=HI)
    assert caught.value.body["message"].startswith("Rate limit reached for gpt-4.1-nano in organization org-fakeopenai")
    api.fake.fail(429, endpoint="/embeddings")
    with pytest.raises(openai.RateLimitError, match="for text-embedding-3-large in"):
        await api("embeddings.create", model="text-embedding-3-large", input="Hi", encoding_format="float")
