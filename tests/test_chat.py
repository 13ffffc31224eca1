"""Chat completions through the real SDK: sync and async, every HTTP stack, streamed and not."""

from __future__ import annotations

import json

import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from pydantic import BaseModel

import fakeopenai
from fakeopenai import Reply, ToolCall

from .conftest import OPENAI_MAJOR, Api
from .spec import assert_valid, sse_payloads

HI = [{"role": "user", "content": "Hi"}]


async def test_text_reply(api: Api) -> None:
    api.fake.reply("Hello there!")
    completion = await api("chat.completions.create", model="gpt-4o-mini", messages=HI)
    assert isinstance(completion, ChatCompletion)
    assert completion.object == "chat.completion"
    assert completion.id.startswith("chatcmpl-")
    assert completion.model == "gpt-4o-mini"
    choice = completion.choices[0]
    assert choice.message.content == "Hello there!"
    assert choice.message.role == "assistant"
    assert choice.finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 3  # "Hello", " there", "!": counted, not invented
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    assert completion._request_id is not None
    assert completion._request_id.startswith("req_")


async def test_default_reply_is_deterministic(api: Api) -> None:
    first = await api("chat.completions.create", model="gpt-4o-mini", messages=HI)
    second = await api("chat.completions.create", model="gpt-4o-mini", messages=HI)
    other = await api("chat.completions.create", model="gpt-4o-mini", messages=[{"role": "user", "content": "Yo"}])
    assert first.choices[0].message.content == second.choices[0].message.content
    assert first.choices[0].message.content
    assert other.choices[0].message.content != first.choices[0].message.content


async def test_tool_call_reply(api: Api) -> None:
    api.fake.reply(tool_calls=[ToolCall("get_weather", {"city": "Paris"})])
    completion = await api("chat.completions.create", model="gpt-4o-mini", messages=HI)
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.type == "function"
    assert call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}


async def test_refusal_n_choices_and_length(api: Api) -> None:
    api.fake.reply(refusal="I can't help with that.")
    refused = await api("chat.completions.create", model="m", messages=HI)
    assert refused.choices[0].message.refusal == "I can't help with that."
    assert refused.choices[0].message.content is None

    api.fake.reply(["one", "two", "three"])
    many = await api("chat.completions.create", model="m", messages=HI, n=3)
    assert [c.message.content for c in many.choices] == ["one", "two", "three"]
    assert [c.index for c in many.choices] == [0, 1, 2]

    api.fake.reply("a long answer that the token limit cuts short")
    cut = await api("chat.completions.create", model="m", messages=HI, max_completion_tokens=3)
    assert cut.choices[0].finish_reason == "length"
    assert cut.choices[0].message.content == "a long answer"
    assert cut.usage.completion_tokens == 3


async def test_stream_text_event_order(api: Api) -> None:
    api.fake.reply("Hello there!")
    stream = await api(
        "chat.completions.create",
        model="gpt-4o-mini",
        messages=HI,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = await api.collect(stream)
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert len({c.id for c in chunks}) == 1
    first, *middle, finish, usage = chunks
    assert first.choices[0].delta.role == "assistant"
    assert first.choices[0].delta.content == ""
    assert [c.choices[0].delta.content for c in middle] == ["Hello", " there", "!"]
    assert all(c.choices[0].finish_reason is None for c in [first, *middle])
    assert finish.choices[0].finish_reason == "stop"
    assert usage.choices == []
    assert usage.usage is not None
    assert usage.usage.completion_tokens == 3
    assert all(c.usage is None for c in chunks[:-1])


async def test_stream_wire_format(api: Api) -> None:
    """The raw SSE bytes: data lines only, obfuscation on every chunk, usage null, [DONE] last."""
    api.fake.reply("Hi!")
    stream = await api(
        "chat.completions.create", model="m", messages=HI, stream=True, stream_options={"include_usage": True}
    )
    await api.collect(stream)
    response = api.fake.requests.last.response
    assert response is not None
    assert response.events is not None
    assert ("content-type", "text/event-stream; charset=utf-8") in response.headers
    payloads = sse_payloads(b"".join(e.data for e in response.events))
    assert payloads[-1] == (None, "[DONE]")
    bodies = [json.loads(data) for _, data in payloads[:-1]]
    assert all(event is None for event, _ in payloads)
    assert all("obfuscation" in body for body in bodies)
    assert all("usage" in body for body in bodies)
    assert all(body["usage"] is None for body in bodies[:-1])

    api.fake.reply("Hi!")
    stream = await api(
        "chat.completions.create",
        model="m",
        messages=HI,
        stream=True,
        stream_options={"include_obfuscation": False},
    )
    await api.collect(stream)
    response = api.fake.requests.last.response
    assert response is not None
    assert response.events is not None
    bodies = [json.loads(d) for _, d in sse_payloads(b"".join(e.data for e in response.events))[:-1]]
    assert not any("obfuscation" in body or "usage" in body for body in bodies)


async def test_recorded_stream_events_read_as_a_sequence(api: Api) -> None:
    """A recorded stream's ``events`` (kept as two columns) reads, slices and compares as Events do."""
    api.fake.reply("One two three", ttft=0.001)
    chunks = await api.collect(await api("chat.completions.create", model="m", messages=HI, stream=True))
    response = api.fake.requests.last.response
    assert response is not None and response.events is not None
    events = response.events
    listed = list(events)
    assert all(type(event) is fakeopenai.Event for event in listed)
    assert len(events) == len(listed) == len(chunks) + 1  # every chunk, then [DONE]
    assert events[0] == listed[0] and events[0].delay == 0.001 and events[-1].data == b"data: [DONE]\n\n"
    assert events[1:] == listed[1:] and listed == events and events != listed[1:]
    assert [delay for delay, _ in events] == [0.001] + [0.0] * (len(listed) - 1)
    chunk = json.loads(events[1].data.removeprefix(b"data: "))
    assert chunk["choices"][0]["delta"] == {"content": "One"}


async def test_stream_tool_calls_in_pieces(api: Api) -> None:
    api.fake.reply(
        tool_calls=[ToolCall("get_weather", {"city": "Paris"}), ToolCall("get_time", {"zone": "CET"}, id="call_x")]
    )
    stream = await api("chat.completions.create", model="m", messages=HI, stream=True)
    chunks = await api.collect(stream)
    deltas = [c.choices[0].delta for c in chunks]
    first = deltas[0].tool_calls[0]
    assert first.index == 0
    assert first.id
    assert first.function.name == "get_weather"
    assert first.function.arguments == ""
    arguments: dict[int, str] = {}
    for delta in deltas:
        for call in delta.tool_calls or []:
            arguments[call.index] = arguments.get(call.index, "") + (call.function.arguments or "")
    assert {i: json.loads(a) for i, a in arguments.items()} == {0: {"city": "Paris"}, 1: {"zone": "CET"}}
    pieces = [d for d in deltas if d.tool_calls and d.tool_calls[0].function.arguments]
    assert len(pieces) > 2  # arguments arrive split over several chunks
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    ids = [call.id for d in deltas for call in d.tool_calls or [] if call.id]
    assert ids[1] == "call_x"


async def test_stream_n_choices_interleave(api: Api) -> None:
    api.fake.reply(["a b", "c d"])
    stream = await api("chat.completions.create", model="m", messages=HI, stream=True, n=2)
    chunks = await api.collect(stream)
    texts = {0: "", 1: ""}
    for chunk in chunks:
        for choice in chunk.choices:
            texts[choice.index] += choice.delta.content or ""
    assert texts == {0: "a b", 1: "c d"}
    assert [c.choices[0].index for c in chunks[:2]] == [0, 1]
    assert sorted(c.choices[0].finish_reason for c in chunks if c.choices[0].finish_reason) == ["stop", "stop"]


async def test_logprobs(api: Api) -> None:
    api.fake.reply("Hi there")
    completion = await api("chat.completions.create", model="m", messages=HI, logprobs=True, top_logprobs=2)
    content = completion.choices[0].logprobs.content
    assert [t.token for t in content] == ["Hi", " there"]
    assert all(len(t.top_logprobs) == 2 and t.logprob <= 0 for t in content)


async def test_stream_helper_and_final_completion(api: Api) -> None:
    api.fake.reply("Streaming works.", tool_calls=[ToolCall("lookup", {"q": "x"})])
    manager = api.method("chat.completions.stream")(model="m", messages=HI)
    if api.is_async:
        async with manager as stream:
            events = [event.type async for event in stream]
            final = await stream.get_final_completion()
    else:
        with manager as stream:
            events = [event.type for event in stream]
            final = stream.get_final_completion()
    assert "content.delta" in events
    assert "content.done" in events
    assert "tool_calls.function.arguments.done" in events
    assert final.choices[0].message.content == "Streaming works."
    assert final.choices[0].message.tool_calls[0].function.name == "lookup"


class Answer(BaseModel):
    city: str
    population: int


async def test_parse_with_pydantic_model(api: Api) -> None:
    api.fake.reply(json.dumps({"city": "Paris", "population": 2100000}))
    completion = await api("chat.completions.parse", model="m", messages=HI, response_format=Answer)
    parsed = completion.choices[0].message.parsed
    assert parsed == Answer(city="Paris", population=2100000)
    sent = api.fake.requests.last.json["response_format"]
    assert sent["type"] == "json_schema"
    assert sent["json_schema"]["name"] == "Answer"


async def test_headers_like_the_real_api(api: Api) -> None:
    raw = await api("chat.completions.with_raw_response.create", model="m", messages=HI)
    assert raw.headers["content-type"] == "application/json"
    assert raw.headers["x-request-id"].startswith("req_")
    assert len(raw.headers["x-request-id"]) == 36
    assert raw.headers["openai-version"] == "2020-10-01"
    assert int(raw.headers["openai-processing-ms"]) >= 1
    assert "x-ratelimit-remaining-requests" in raw.headers
    completion = raw.parse()
    if inspect_awaitable(completion):
        completion = await completion
    assert isinstance(completion, ChatCompletion)


def inspect_awaitable(value: object) -> bool:
    import inspect

    return inspect.isawaitable(value)


async def test_recorded_requests(api: Api) -> None:
    await api("chat.completions.create", model="gpt-4o", messages=HI, temperature=0.5)
    request = api.fake.requests[-1]
    assert request.method == "POST"
    assert request.endpoint == "/chat/completions"
    assert request.path == "/v1/chat/completions"
    assert request.json["messages"] == HI
    assert request.model == "gpt-4o"
    assert request.last_user_message == "Hi"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.headers["x-stainless-lang"] == "python"
    assert request.status == 200
    assert api.fake.requests.where(model="gpt-4o", endpoint="/chat/*") == [request]


async def test_recorded_headers_as_sent(api: Api) -> None:
    """Headers read case-insensitively, as sent (``raw``), repeats joined as httpx joins them."""
    await api("chat.completions.create", model="gpt-4o", messages=HI, extra_headers={"X-Trace-Id": "t-1"})
    headers = api.fake.requests[-1].headers
    assert headers["x-trace-id"] == headers["X-TRACE-ID"] == headers.get("X-Trace-Id") == "t-1"
    assert "X-Trace-Id" in headers
    assert "x-absent" not in headers
    assert headers.get("x-absent") is None
    assert (b"x-trace-id", b"t-1") in [(name.lower(), value) for name, value in headers.raw]
    assert ("x-trace-id", "t-1") in headers.multi_items()
    assert dict(headers)["authorization"] == "Bearer sk-test"
    assert len(headers) == len(dict(headers.items())) >= 5
    sent = fakeopenai.Headers.of([("Accept", "a"), ("accept", "b"), (b"X-B", b"c")])
    assert sent["ACCEPT"] == "a, b"
    assert sent.raw == [(b"Accept", b"a"), (b"accept", b"b"), (b"X-B", b"c")]
    assert sent == {"accept": "a, b", "x-b": "c"}


def test_emitted_bodies_match_sdk_types_and_spec(fake: fakeopenai.FakeOpenAI) -> None:
    """Every body and chunk validates against the SDK's types (strict) and the OpenAPI schema."""
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client())
    replies = [
        Reply("Hello there!"),
        Reply(tool_calls=[ToolCall("f", {"a": 1})]),
        Reply("text and", tool_calls=["g"]),
        Reply(refusal="No."),
    ]
    for reply in replies:
        for stream in (False, True):
            fake.reply(reply)
            kwargs = {"stream_options": {"include_usage": True}} if stream else {}
            result = client.chat.completions.create(model="m", messages=HI, stream=stream, n=2, **kwargs)  # type: ignore[call-overload]
            if stream:
                list(result)
            response = fake.requests.last.response
            assert response is not None
            if not stream:
                body = json.loads(response.body)
                ChatCompletion.model_validate(body, strict=True)
                assert_valid(body, "CreateChatCompletionResponse")
                continue
            assert response.events is not None
            for _, data in sse_payloads(b"".join(e.data for e in response.events))[:-1]:
                chunk = json.loads(data)
                parsed = ChatCompletionChunk.model_validate(chunk, strict=True)
                extra = set(parsed.model_extra or {})
                assert extra <= ({"obfuscation"} if OPENAI_MAJOR < 2 else set()), extra
                assert_valid(chunk, "CreateChatCompletionStreamResponse")


@pytest.mark.parametrize("flavour", ["httpx"])
def test_legacy_httpx_client_with_default_sdk(flavour: str) -> None:
    client = openai.OpenAI(api_key="sk-test", http_client=fakeopenai.client(flavour=flavour))  # type: ignore[arg-type]
    assert client.chat.completions.create(model="m", messages=HI).choices[0].message.content
    assert type(client._client).__module__.startswith("httpx")
    assert fakeopenai.fake_of(client).requests.last.status == 200
