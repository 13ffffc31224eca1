"""Legacy completions through the real SDK: sync and async, every HTTP stack, streamed and not."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai.types import Completion

import fakeopenai
from fakeopenai import Reply

from .conftest import Api
from .spec import assert_valid, spec_completion_chunk, sse_payloads

MODEL = "gpt-3.5-turbo-instruct"
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"] * 5
LONG = " ".join(WORDS)  # 40 tokens


def raw_chunks(fake: fakeopenai.FakeOpenAI) -> list[str]:
    """The data lines of the last streamed answer, as sent."""
    response = fake.requests.last.response
    assert response is not None
    assert response.events is not None
    payloads = sse_payloads(b"".join(e.data for e in response.events))
    assert all(event is None for event, _ in payloads)
    return [data for _, data in payloads]


def lenient(api: Api) -> Api:
    """The same fake and stack without strict validation: the SDK's type rejects the real stream."""
    return api.with_options(_strict_response_validation=False)


async def test_text_completion(api: Api) -> None:
    api.fake.reply("Hello there!")
    completion = await api("completions.create", model=MODEL, prompt="Say hello")
    assert isinstance(completion, Completion)
    assert completion.object == "text_completion"
    assert completion.id.startswith("cmpl-")
    assert len(completion.id) == 34
    assert completion.model == MODEL
    (choice,) = completion.choices
    assert choice.text == "Hello there!"
    assert choice.index == 0
    assert choice.logprobs is None
    assert choice.finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 3
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + 3
    body = json.loads(api.fake.requests.last.response.body)  # type: ignore[union-attr]
    assert list(body) == ["id", "object", "created", "model", "choices", "usage"]
    assert list(body["usage"]) == ["prompt_tokens", "completion_tokens", "total_tokens"]
    assert body["choices"][0]["logprobs"] is None


async def test_max_tokens_defaults_to_16(api: Api) -> None:
    api.fake.reply(LONG)
    cut = await api("completions.create", model=MODEL, prompt="Go")
    assert cut.choices[0].finish_reason == "length"
    assert cut.choices[0].text == " ".join(WORDS[:16])
    assert cut.usage.completion_tokens == 16

    api.fake.reply(LONG)
    short = await api("completions.create", model=MODEL, prompt="Go", max_tokens=3)
    assert short.choices[0].text == "alpha beta gamma"
    assert short.choices[0].finish_reason == "length"

    api.fake.reply(LONG)
    whole = await api("completions.create", model=MODEL, prompt="Go", max_tokens=100)
    assert whole.choices[0].text == LONG
    assert whole.choices[0].finish_reason == "stop"


async def test_n_choices_per_prompt(api: Api) -> None:
    api.fake.reply(["one", "two", "three", "four"])
    completion = await api("completions.create", model=MODEL, prompt=["a", "b"], n=2)
    assert [c.index for c in completion.choices] == [0, 1, 2, 3]
    assert [c.text for c in completion.choices] == ["one", "two", "three", "four"]
    assert completion.usage.completion_tokens == 4


async def test_token_prompts(api: Api) -> None:
    completion = await api("completions.create", model=MODEL, prompt=[1, 2, 3, 4, 5])
    assert completion.usage.prompt_tokens == 5
    completion = await api("completions.create", model=MODEL, prompt=[[1, 2], [3]])
    assert completion.usage.prompt_tokens == 3
    assert len(completion.choices) == 2


async def test_echo_and_logprobs(api: Api) -> None:
    api.fake.reply(" world!")
    completion = await api("completions.create", model=MODEL, prompt="Hello", echo=True, logprobs=2)
    choice = completion.choices[0]
    assert choice.text == "Hello world!"
    assert choice.logprobs is not None
    assert choice.logprobs.tokens == [" world", "!"]
    assert choice.logprobs.text_offset == [5, 11]
    assert all(lp <= 0 for lp in choice.logprobs.token_logprobs or [])
    assert all(1 <= len(top) <= 2 for top in choice.logprobs.top_logprobs or [])


async def test_stream(api: Api) -> None:
    api = lenient(api)
    api.fake.reply("Hello there!")
    stream = await api(
        "completions.create", model=MODEL, prompt="Hi", stream=True, stream_options={"include_usage": True}
    )
    chunks = await api.collect(stream)
    assert all(isinstance(c, Completion) for c in chunks)
    assert len({c.id for c in chunks}) == 1
    *tokens, finish, usage = chunks
    assert [c.choices[0].text for c in tokens] == ["Hello", " there", "!"]
    assert all(c.choices[0].finish_reason is None for c in tokens)
    assert finish.choices[0].text == ""
    assert finish.choices[0].finish_reason == "stop"
    assert usage.choices == []
    assert usage.usage is not None
    assert usage.usage.completion_tokens == 3

    data = raw_chunks(api.fake)
    assert data[-1] == "[DONE]"
    first = json.loads(data[0])
    assert list(first) == ["id", "object", "created", "choices", "model", "usage"]  # the real wire's order
    assert first["usage"] is None
    assert not any("obfuscation" in chunk for chunk in data)


async def test_stream_n_echo_logprobs_and_length(api: Api) -> None:
    api = lenient(api)
    api.fake.reply(["a b", "c d"])
    stream = await api("completions.create", model=MODEL, prompt="P:", stream=True, n=2, echo=True, logprobs=1)
    chunks = await api.collect(stream)
    texts = {0: "", 1: ""}
    tokens: dict[int, list[str]] = {0: [], 1: []}
    for chunk in chunks:
        for choice in chunk.choices:
            texts[choice.index] += choice.text
            if choice.logprobs is not None:
                tokens[choice.index] += choice.logprobs.tokens or []
    assert texts == {0: "P:a b", 1: "P:c d"}
    assert tokens == {0: ["a", " b"], 1: ["c", " d"]}
    assert [c.choices[0].index for c in chunks[:2]] == [0, 1]  # choices interleave
    assert "usage" not in json.loads(raw_chunks(api.fake)[0])

    api.fake.reply(LONG)
    chunks = await api.collect(await api("completions.create", model=MODEL, prompt="Go", stream=True, max_tokens=5))
    assert chunks[-1].choices[0].finish_reason == "length"
    assert len(chunks) == 6


async def test_strict_sdk_types_reject_the_real_stream(api: Api) -> None:
    """The real API streams ``finish_reason: null``; the SDK's ``CompletionChoice`` says it is never null."""
    api.fake.reply("Hi")
    stream = await api("completions.create", model=MODEL, prompt="Hi", stream=True)
    with pytest.raises(openai.APIResponseValidationError):
        await api.collect(stream)


async def test_request_validation(api: Api) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await api("completions.create", model=MODEL, prompt="Hi", temperature="hot")
    assert caught.value.code == "invalid_type"
    assert caught.value.param == "temperature"
    with pytest.raises(openai.BadRequestError) as caught:
        await api("completions.create", model=MODEL, prompt="Hi", logprobs=9)
    assert caught.value.param == "logprobs"
    with pytest.raises(openai.BadRequestError) as caught:
        await api("completions.create", model=MODEL, prompt="Hi", n=0)
    assert caught.value.param == "n"
    with pytest.raises(openai.BadRequestError) as caught:
        await api("completions.create", model=MODEL, prompt="Hi", stream_options={"include_usage": True})
    assert caught.value.param == "stream_options"
    completion = await api("completions.create", model=MODEL, prompt=None)  # the API's default prompt
    assert completion.usage.prompt_tokens == 1


async def test_recorded_request(api: Api) -> None:
    await api("completions.create", model=MODEL, prompt="Once upon")
    request = api.fake.requests.last
    assert request.endpoint == "/completions"
    assert request.model == MODEL
    assert request.last_user_message == "Once upon"
    assert request.status == 200


def test_missing_prompt_is_a_400(fake: fakeopenai.FakeOpenAI) -> None:
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), max_retries=0)
    with pytest.raises(openai.BadRequestError) as caught:
        client.post("/completions", body={"model": MODEL}, cast_to=Completion)
    assert caught.value.code == "missing_required_parameter"
    assert caught.value.param == "prompt"


def test_delays_follow_the_reply(fake: fakeopenai.FakeOpenAI) -> None:
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), max_retries=0)
    fake.sleep = lambda seconds: None
    fake.reply("one two three", ttft=0.5, token_delay=0.1)
    client.completions.create(model=MODEL, prompt="Hi")
    response = fake.requests.last.response
    assert response is not None
    assert response.delay == pytest.approx(0.7)

    fake.reply("one two three", ttft=0.5, token_delay=0.1)
    list(client.completions.create(model=MODEL, prompt="Hi", stream=True))
    events = fake.requests.last.response.events  # type: ignore[union-attr]
    assert events is not None
    assert [e.delay for e in events] == [0.5, 0.1, 0.1, 0.0, 0.0]


def test_emitted_bodies_match_sdk_types_and_spec(fake: fakeopenai.FakeOpenAI) -> None:
    """Every body and chunk validates against the SDK's types (strict) and the OpenAPI schema."""
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client())
    for reply in (Reply("Hello there!"), Reply(LONG), Reply(["x", "y z"])):
        for stream in (False, True):
            for options in ({}, {"echo": True, "logprobs": 3, "n": 2, "prompt": ["a", "b"]}):
                fake.reply(reply)
                kwargs: dict[str, Any] = {"prompt": "Hi", **options}
                if stream:
                    kwargs["stream_options"] = {"include_usage": True}
                result = client.completions.create(model=MODEL, stream=stream, **kwargs)
                if not stream:
                    body = json.loads(fake.requests.last.response.body)  # type: ignore[union-attr]
                    Completion.model_validate(body, strict=True)
                    assert_valid(body, "CreateCompletionResponse")
                    continue
                list(result)
                for data in raw_chunks(fake)[:-1]:
                    chunk = spec_completion_chunk(json.loads(data))
                    Completion.model_validate(chunk, strict=True)
                    assert_valid(chunk, "CreateCompletionResponse")
