"""The Responses API through the real SDK: sync and async, every HTTP stack, streamed and not."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai.types.responses import Response, ResponseItem, ResponseStreamEvent
from pydantic import BaseModel, TypeAdapter

import fakeopenai
from fakeopenai import Reply, ToolCall

from .conftest import Api
from .spec import assert_valid, response_event_schemas, spec_response, sse_payloads

TEXT_EVENTS = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
]
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"] * 5
LONG = " ".join(WORDS)  # 40 tokens
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


def raw_events(fake: fakeopenai.FakeOpenAI) -> list[tuple[str | None, dict[str, Any]]]:
    """(event line, parsed data) of the last streamed answer, from the bytes the fake sent."""
    response = fake.requests.last.response
    assert response is not None
    assert response.events is not None
    return [(event, json.loads(data)) for event, data in sse_payloads(b"".join(e.data for e in response.events))]


async def test_text_reply(api: Api) -> None:
    api.fake.reply("Hello there!")
    response = await api("responses.create", model="gpt-4.1", input="Hi")
    assert isinstance(response, Response)
    assert response.id.startswith("resp_")
    assert len(response.id) == 53
    assert response.object == "response"
    assert response.status == "completed"
    assert response.model == "gpt-4.1"
    assert response.output_text == "Hello there!"
    (message,) = response.output
    assert message.type == "message"
    assert message.role == "assistant"
    assert message.status == "completed"
    assert message.id.startswith("msg_")
    (part,) = message.content
    assert part.type == "output_text"
    assert part.annotations == []
    assert part.logprobs == []
    assert response.error is None
    assert response.incomplete_details is None
    assert response.completed_at is not None
    assert response.completed_at >= response.created_at
    usage = response.usage
    assert usage is not None
    assert usage.output_tokens == 3  # "Hello", " there", "!"
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert usage.input_tokens_details.cached_tokens == 0
    assert usage.output_tokens_details.reasoning_tokens == 0
    assert response._request_id is not None
    assert response._request_id.startswith("req_")


async def test_defaults_the_real_api_sends(api: Api) -> None:
    await api("responses.create", model="m", input="Hi")
    body = json.loads(api.fake.requests.last.response.body)  # type: ignore[union-attr]
    assert list(body)[:6] == ["id", "object", "created_at", "status", "background", "completed_at"]
    assert body["instructions"] is None
    assert body["max_output_tokens"] is None
    assert body["user"] is None
    assert body["previous_response_id"] is None
    assert body["parallel_tool_calls"] is True
    assert body["temperature"] == 1.0
    assert body["top_p"] == 1.0
    assert body["tool_choice"] == "auto"
    assert body["tools"] == []
    assert body["text"] == {"format": {"type": "text"}, "verbosity": "medium"}
    assert body["reasoning"] == {"effort": None, "summary": None}
    assert body["truncation"] == "disabled"
    assert body["store"] is True
    assert body["service_tier"] == "default"
    assert body["metadata"] == {}
    assert body["top_logprobs"] == 0


async def test_request_parameters_are_echoed(api: Api) -> None:
    response = await api(
        "responses.create",
        model="gpt-4.1",
        input="Hi",
        instructions="Be brief.",
        temperature=0.2,
        top_p=0.5,
        max_output_tokens=100,
        metadata={"k": "v"},
        parallel_tool_calls=False,
        tool_choice="required",
        tools=[{"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}}],
        truncation="auto",
        store=False,
        service_tier="auto",
        user="u-1",
        reasoning={"effort": "low"},
        text={"verbosity": "low"},
    )
    assert response.instructions == "Be brief."
    assert response.temperature == 0.2
    assert response.top_p == 0.5
    assert response.max_output_tokens == 100
    assert response.metadata == {"k": "v"}
    assert response.parallel_tool_calls is False
    assert response.tool_choice == "required"
    (tool,) = response.tools
    assert tool.type == "function"
    assert tool.name == "f"
    assert tool.strict is True
    assert tool.description is None
    assert response.truncation == "auto"
    assert response.service_tier == "default"
    assert response.user == "u-1"
    assert response.reasoning is not None
    assert response.reasoning.effort == "low"
    assert response.text is not None
    assert response.text.verbosity == "low"
    body = json.loads(api.fake.requests.last.response.body)  # type: ignore[union-attr]
    assert body["store"] is False


async def test_tool_calls(api: Api) -> None:
    api.fake.reply(tool_calls=[ToolCall("get_weather", {"city": "Paris"}), ToolCall("get_time", id="call_x")])
    response = await api("responses.create", model="m", input="Weather?", tools=[WEATHER_TOOL])
    first, second = response.output
    assert first.type == "function_call"
    assert first.id.startswith("fc_")
    assert first.status == "completed"
    assert first.call_id.startswith("call_")
    assert len(first.call_id) == 29
    assert first.name == "get_weather"
    assert json.loads(first.arguments) == {"city": "Paris"}
    assert second.call_id == "call_x"
    assert second.arguments == "{}"
    assert response.output_text == ""
    assert response.tools[0].name == "get_weather"


async def test_text_then_tool_call(api: Api) -> None:
    api.fake.reply("Let me check.", tool_calls=["lookup"])
    response = await api("responses.create", model="m", input="Hi")
    assert [item.type for item in response.output] == ["message", "function_call"]
    assert response.output_text == "Let me check."


async def test_refusal(api: Api) -> None:
    api.fake.reply(refusal="I can't help with that.")
    response = await api("responses.create", model="m", input="Hi")
    (part,) = response.output[0].content
    assert part.type == "refusal"
    assert part.refusal == "I can't help with that."
    assert response.output_text == ""


async def test_reasoning_item(api: Api) -> None:
    api.fake.reply("42.", reasoning="The user wants the answer.")
    hidden = await api("responses.create", model="o4-mini", input="Q?")
    reasoning, message = hidden.output
    assert reasoning.type == "reasoning"
    assert reasoning.id.startswith("rs_")
    assert reasoning.summary == []  # the real API sends the summary only when asked for one
    assert message.content[0].text == "42."
    assert hidden.usage.output_tokens_details.reasoning_tokens == 6  # "The", " user", ..., "."
    assert hidden.usage.output_tokens == 6 + 2

    api.fake.reply("42.", reasoning="The user wants the answer.")
    shown = await api(
        "responses.create",
        model="o4-mini",
        input="Q?",
        reasoning={"effort": "high", "summary": "auto"},
        include=["reasoning.encrypted_content"],
    )
    summary = shown.output[0].summary
    assert [s.text for s in summary] == ["The user wants the answer."]
    assert shown.output[0].encrypted_content
    assert shown.reasoning.summary == "auto"


async def test_output_logprobs_when_included(api: Api) -> None:
    api.fake.reply("Hi there")
    response = await api(
        "responses.create", model="m", input="Hi", include=["message.output_text.logprobs"], top_logprobs=2
    )
    logprobs = response.output[0].content[0].logprobs
    assert [entry.token for entry in logprobs] == ["Hi", " there"]
    assert all(len(entry.top_logprobs) == 2 for entry in logprobs)
    assert all(entry.bytes for entry in logprobs)

    api.fake.reply("Hi there")
    stream = await api(
        "responses.create",
        model="m",
        input="Hi",
        include=["message.output_text.logprobs"],
        top_logprobs=2,
        stream=True,
    )
    events = await api.collect(stream)
    deltas = [e for e in events if e.type == "response.output_text.delta"]
    assert [e.logprobs[0].token for e in deltas] == ["Hi", " there"]
    (done,) = [e for e in events if e.type == "response.output_text.done"]
    assert [entry.token for entry in done.logprobs] == ["Hi", " there"]
    # Events carry the spec's ResponseLogProb: no "bytes" at either level (the final part has them).
    raw = [data for _, data in raw_events(api.fake) if data["type"].startswith("response.output_text.d")]
    entries = [entry for data in raw for entry in data["logprobs"]]
    assert len(entries) == 4
    assert all(set(entry) == {"token", "logprob", "top_logprobs"} for entry in entries)
    assert all(set(top) == {"token", "logprob"} for entry in entries for top in entry["top_logprobs"])
    assert events[-1].response.output[0].content[0].logprobs[0].bytes == list(b"Hi")


async def test_max_output_tokens_makes_it_incomplete(api: Api) -> None:
    api.fake.reply(LONG)
    response = await api("responses.create", model="m", input="Hi", max_output_tokens=16)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.output_text == " ".join(WORDS[:16])
    assert response.output[0].status == "incomplete"
    assert response.usage.output_tokens == 16
    assert response.completed_at is None

    api.fake.reply(LONG)
    stream = await api("responses.create", model="m", input="Hi", max_output_tokens=16, stream=True)
    events = await api.collect(stream)
    assert events[-1].type == "response.incomplete"
    assert events[-1].response.incomplete_details.reason == "max_output_tokens"
    assert sum(e.type == "response.output_text.delta" for e in events) == 16

    with pytest.raises(openai.BadRequestError) as caught:
        await api("responses.create", model="m", input="Hi", max_output_tokens=5)
    assert caught.value.code == "integer_below_min_value"
    assert caught.value.param == "max_output_tokens"


async def test_stream_text_event_order(api: Api) -> None:
    api.fake.reply("Hello there!")
    stream = await api("responses.create", model="gpt-4.1", input="Hi", stream=True)
    events = await api.collect(stream)
    assert all(isinstance(event, BaseModel) for event in events)
    assert [event.type for event in events] == TEXT_EVENTS
    assert [event.sequence_number for event in events] == list(range(len(events)))
    created, in_progress, added, part_added, *deltas, text_done, part_done, item_done, completed = events
    assert created.response.status == "in_progress"
    assert created.response.output == []
    assert created.response.usage is None
    assert created.response.id == in_progress.response.id == completed.response.id
    assert added.output_index == 0
    assert added.item.status == "in_progress"
    assert added.item.content == []
    assert part_added.part.text == ""
    item_id = added.item.id
    assert all(e.item_id == item_id for e in [part_added, *deltas, text_done, part_done])
    assert [d.delta for d in deltas] == ["Hello", " there", "!"]
    assert text_done.text == "Hello there!"
    assert part_done.part.text == "Hello there!"
    assert item_done.item.status == "completed"
    assert completed.response.status == "completed"
    assert completed.response.output_text == "Hello there!"
    assert completed.response.usage.output_tokens == 3


async def test_stream_wire_format(api: Api) -> None:
    """event: lines equal to data.type, obfuscation on every delta, usage null while in progress, no [DONE]."""
    api.fake.reply("Hi!", tool_calls=[ToolCall("f", {"a": 1})])
    stream = await api("responses.create", model="m", input="Hi", stream=True)
    await api.collect(stream)
    response = api.fake.requests.last.response
    assert response is not None
    assert ("content-type", "text/event-stream; charset=utf-8") in response.headers
    events = raw_events(api.fake)
    assert all(event == data["type"] for event, data in events)
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    deltas = [data for _, data in events if data["type"].endswith(".delta")]
    assert deltas
    assert all(data["obfuscation"] for data in deltas)
    assert all(data["logprobs"] == [] for data in deltas if data["type"] == "response.output_text.delta")
    assert events[0][1]["response"]["usage"] is None
    assert b"[DONE]" not in b"".join(e.data for e in response.events or ())

    api.fake.reply("Hi!")
    no_padding = {"stream_options": {"include_obfuscation": False}}
    stream = await api("responses.create", model="m", input="Hi", stream=True, extra_body=no_padding)
    await api.collect(stream)
    assert not any("obfuscation" in data for _, data in raw_events(api.fake))


async def test_stream_tool_calls_in_pieces(api: Api) -> None:
    api.fake.reply(tool_calls=[ToolCall("get_weather", {"city": "Paris"}), ToolCall("get_time", {"zone": "CET"})])
    stream = await api("responses.create", model="m", input="Hi", stream=True, tools=[WEATHER_TOOL])
    events = await api.collect(stream)
    added = [e for e in events if e.type == "response.output_item.added"]
    assert [(e.output_index, e.item.type, e.item.arguments) for e in added] == [
        (0, "function_call", ""),
        (1, "function_call", ""),
    ]
    arguments: dict[int, str] = {}
    for event in events:
        if event.type == "response.function_call_arguments.delta":
            arguments[event.output_index] = arguments.get(event.output_index, "") + event.delta
    assert {i: json.loads(a) for i, a in arguments.items()} == {0: {"city": "Paris"}, 1: {"zone": "CET"}}
    done = [e for e in events if e.type == "response.function_call_arguments.done"]
    assert [json.loads(e.arguments) for e in done] == [{"city": "Paris"}, {"zone": "CET"}]
    assert sum(e.type == "response.function_call_arguments.delta" for e in events) > 2
    assert [e.type for e in events if "content_part" in e.type] == []
    assert events[-1].response.output[1].name == "get_time"


async def test_stream_reasoning_and_refusal_events(api: Api) -> None:
    api.fake.reply(refusal="No.", reasoning="Not allowed.")
    stream = await api("responses.create", model="o3", input="Hi", stream=True, reasoning={"summary": "detailed"})
    types = [event.type for event in await api.collect(stream)]
    assert types == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.content_part.added",
        "response.refusal.delta",
        "response.refusal.delta",
        "response.refusal.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]


async def test_stream_helper_and_final_response(api: Api) -> None:
    api.fake.reply("Streaming works.", tool_calls=[ToolCall("get_weather", {"city": "Oslo"})])
    manager = api.method("responses.stream")(model="m", input="Hi", tools=[WEATHER_TOOL])
    if api.is_async:
        async with manager as stream:
            events = [event async for event in stream]
            final = await stream.get_final_response()
    else:
        with manager as stream:
            events = list(stream)
            final = stream.get_final_response()
    types = [event.type for event in events]
    assert types[0] == "response.created"
    assert types[-1] == "response.completed"
    text_deltas = [e for e in events if e.type == "response.output_text.delta"]
    assert text_deltas[-1].snapshot == "Streaming works."
    assert final.output_text == "Streaming works."
    call = final.output[1]
    assert call.type == "function_call"
    assert call.parsed_arguments == {"city": "Oslo"}


class Answer(BaseModel):
    city: str
    population: int


async def test_parse_with_pydantic_model(api: Api) -> None:
    api.fake.reply(json.dumps({"city": "Paris", "population": 2100000}))
    response = await api("responses.parse", model="m", input="Biggest city?", text_format=Answer)
    assert response.output_parsed == Answer(city="Paris", population=2100000)
    sent = api.fake.requests.last.json["text"]["format"]
    assert sent["type"] == "json_schema"
    assert sent["name"] == "Answer"
    assert sent["strict"] is True
    assert response.text.format.type == "json_schema"  # echoed back


async def test_stream_helper_parses_text_format(api: Api) -> None:
    api.fake.reply(json.dumps({"city": "Rome", "population": 2800000}))
    manager = api.method("responses.stream")(model="m", input="Hi", text_format=Answer)
    if api.is_async:
        async with manager as stream:
            await api.collect(stream)
            final = await stream.get_final_response()
    else:
        with manager as stream:
            list(stream)
            final = stream.get_final_response()
    assert final.output_parsed == Answer(city="Rome", population=2800000)


async def test_retrieve_and_delete(api: Api) -> None:
    api.fake.reply("Stored.")
    created = await api("responses.create", model="m", input="Hi")
    retrieved = await api("responses.retrieve", response_id=created.id)
    assert retrieved.id == created.id
    assert retrieved.output_text == "Stored."
    assert retrieved.model_dump() == created.model_dump()
    raw = await api("responses.with_raw_response.delete", response_id=created.id)
    assert json.loads(raw.content) == {"id": created.id, "object": "response", "deleted": True}
    with pytest.raises(openai.NotFoundError) as caught:
        await api("responses.retrieve", response_id=created.id)
    assert caught.value.status_code == 404
    assert caught.value.body == {
        "message": f"Response with id '{created.id}' not found.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError):
        await api("responses.delete", response_id=created.id)
    with pytest.raises(openai.NotFoundError):
        await api("responses.input_items.list", response_id="resp_nope")


async def test_store_false_is_not_kept(api: Api) -> None:
    created = await api("responses.create", model="m", input="Hi", store=False)
    assert created.store is False
    with pytest.raises(openai.NotFoundError):
        await api("responses.retrieve", response_id=created.id)
    with pytest.raises(openai.BadRequestError) as caught:
        await api("responses.create", model="m", input="More", previous_response_id=created.id)
    assert caught.value.code == "previous_response_not_found"
    assert caught.value.param == "previous_response_id"
    assert caught.value.body["message"] == f"Previous response with id '{created.id}' not found."  # type: ignore[index]


async def test_previous_response_chain_and_input_items(api: Api) -> None:
    api.fake.reply("Paris.")
    first = await api("responses.create", model="m", input="Capital of France?", instructions="Be brief.")
    api.fake.reply("About 2 million.")
    second = await api(
        "responses.create",
        model="m",
        previous_response_id=first.id,
        input=[{"role": "user", "content": [{"type": "input_text", "text": "Population?"}]}],
    )
    assert second.previous_response_id == first.id
    alone = await api("responses.create", model="m", input=[{"role": "user", "content": "Population?"}])
    assert second.usage.input_tokens > alone.usage.input_tokens  # the earlier turn is part of the prompt

    page = await api("responses.input_items.list", response_id=second.id)
    items = page.data
    assert [item.type for item in items] == ["message", "message", "message"]  # newest first by default
    assert [item.role for item in items] == ["user", "assistant", "user"]
    assert items[0].content[0].text == "Population?"
    assert items[1].id == first.output[0].id
    assert items[1].content[0].text == "Paris."
    assert items[2].content[0].text == "Capital of France?"
    assert all(item.id.startswith("msg_") for item in items)
    assert page.has_more is False

    ascending = await api("responses.input_items.list", response_id=second.id, order="asc")
    assert [item.id for item in ascending.data] == [item.id for item in reversed(items)]

    first_page = await api("responses.input_items.list", response_id=second.id, limit=2)
    assert len(first_page.data) == 2
    assert first_page.has_more is True
    raw = json.loads(api.fake.requests.last.response.body)  # type: ignore[union-attr]
    assert raw["object"] == "list"
    assert raw["first_id"] == items[0].id
    assert raw["last_id"] == items[1].id
    rest = await api("responses.input_items.list", response_id=second.id, limit=2, after=items[1].id)
    assert [item.id for item in rest.data] == [items[2].id]
    assert rest.has_more is False

    pages = api.method("responses.input_items.list")(second.id, limit=1)
    every = [item.id async for item in pages] if api.is_async else [item.id for item in pages]
    assert every == [item.id for item in items]  # the SDK pages through with ?after=

    api.fake.reply("You're welcome.")
    third = await api(
        "responses.create",
        model="m",
        previous_response_id=second.id,
        input=[{"type": "function_call_output", "call_id": "call_1", "output": "ok"}],
    )
    latest = (await api("responses.input_items.list", response_id=third.id)).data
    assert latest[0].type == "function_call_output"
    assert latest[0].id.startswith("fco_")
    assert len(latest) == 5


async def test_retrieve_stream_replays_events(api: Api) -> None:
    api.fake.reply("Hello there!")
    created = await api("responses.create", model="m", input="Hi")
    stream = await api("responses.retrieve", response_id=created.id, stream=True)
    events = await api.collect(stream)
    assert [e.type for e in events] == TEXT_EVENTS
    assert events[-1].response.output_text == "Hello there!"
    stream = await api("responses.retrieve", response_id=created.id, stream=True, starting_after=8)
    assert [e.sequence_number for e in await api.collect(stream)] == [9, 10]
    assert api.fake.requests.last.query["starting_after"] == "8"
    await api.collect(await api("responses.retrieve", response_id=created.id, stream=True, include_obfuscation=False))
    assert not any("obfuscation" in data for _, data in raw_events(api.fake))


async def test_request_validation(api: Api) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await api("responses.create", input="Hi")
    assert caught.value.code == "missing_required_parameter"
    assert caught.value.param == "model"
    with pytest.raises(openai.BadRequestError) as caught:
        await api("responses.create", model="m", input="Hi", temperature="hot")
    assert caught.value.code == "invalid_type"
    assert caught.value.param == "temperature"
    with pytest.raises(openai.BadRequestError) as caught:
        await api("responses.create", model="m", input=[{"role": "robot", "content": "Hi"}])
    assert caught.value.code == "invalid_value"
    assert caught.value.param == "input[0].role"
    with pytest.raises(openai.BadRequestError) as caught:
        await api("responses.create", model="m", input=42)
    assert caught.value.param == "input"


async def test_recorded_request(api: Api) -> None:
    await api("responses.create", model="gpt-4.1", input=[{"role": "user", "content": "Hello"}])
    request = api.fake.requests.last
    assert request.method == "POST"
    assert request.endpoint == "/responses"
    assert request.model == "gpt-4.1"
    assert request.last_user_message == "Hello"
    assert api.fake.requests.where(endpoint="/responses") == [request]


def test_delays_follow_the_reply(fake: fakeopenai.FakeOpenAI) -> None:
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), max_retries=0)
    sleeps: list[float] = []
    fake.sleep = sleeps.append
    fake.reply("one two three", ttft=0.5, token_delay=0.1)
    client.responses.create(model="m", input="Hi")
    response = fake.requests.last.response
    assert response is not None
    assert response.delay == pytest.approx(0.7)
    assert sleeps == [pytest.approx(0.7)]

    sleeps.clear()
    fake.reply("one two three", ttft=0.5, token_delay=0.1)
    list(client.responses.create(model="m", input="Hi", stream=True))
    events = fake.requests.last.response.events  # type: ignore[union-attr]
    assert events is not None
    delayed = [(e.delay, json.loads(sse_payloads(e.data)[0][1])["type"]) for e in events if e.delay]
    assert delayed == [
        (0.5, "response.output_text.delta"),
        (0.1, "response.output_text.delta"),
        (0.1, "response.output_text.delta"),
    ]
    assert sleeps == [0.5, 0.1, 0.1]


_EVENT = TypeAdapter(ResponseStreamEvent)


def test_emitted_bodies_match_sdk_types_and_spec(fake: fakeopenai.FakeOpenAI) -> None:
    """Every body and event validates against the SDK's types (strict) and the OpenAPI schema."""
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client())
    replies = [
        Reply("Hello there!"),
        Reply(tool_calls=[ToolCall("f", {"a": 1})]),
        Reply("text and", tool_calls=["g"], reasoning="Thinking it over."),
        Reply(refusal="No."),
        Reply(LONG),
    ]
    options: dict[str, Any] = {
        "tools": [WEATHER_TOOL],
        "reasoning": {"summary": "auto"},
        "include": ["message.output_text.logprobs", "reasoning.encrypted_content"],
        "top_logprobs": 1,
        "max_output_tokens": 30,
        "instructions": "Be brief.",
    }
    seen: set[str] = set()
    for reply in replies:
        for stream in (False, True):
            fake.reply(reply)
            result = client.responses.create(model="m", input="Hi", stream=stream, **options)  # type: ignore[call-overload]
            if not stream:
                body = json.loads(fake.requests.last.response.body)  # type: ignore[union-attr]
                parsed = Response.model_validate(body, strict=True)
                # Keys the SDK does not type are kept as extras: only the wire facts it lacks may be there.
                assert set(parsed.model_extra or {}) <= {"store", "completed_at"}  # completed_at: openai 1.x
                assert all(not item.model_extra for item in parsed.output)
                assert_valid(spec_response(body), "Response")
                continue
            list(result)
            for event, data in raw_events(fake):
                assert event == data["type"]
                seen.add(data["type"])
                extra = set(_EVENT.validate_python(data, strict=True).model_extra or {})
                assert extra <= {"obfuscation", "name"}, extra  # name: spec-required, untyped by the SDK
                if "response" in data:
                    data = {**data, "response": spec_response(data["response"])}
                assert_valid(data, response_event_schemas()[data["type"]])
    assert {"response.incomplete", "response.refusal.done", "response.reasoning_summary_text.done"} <= seen

    response_id = client.responses.create(model="m", input=[{"role": "user", "content": "Hi"}]).id
    second = client.responses.create(
        model="m",
        previous_response_id=response_id,
        input=[
            {"type": "function_call_output", "call_id": "call_1", "output": "ok"},
            {"role": "user", "content": [{"type": "input_image", "image_url": "https://example.com/a.png"}]},
        ],
    )
    client.responses.input_items.list(second.id)
    page = json.loads(fake.requests.last.response.body)  # type: ignore[union-attr]
    assert len(page["data"]) == 4
    for item in page["data"]:
        TypeAdapter(ResponseItem).validate_python(item, strict=True)
    assert_valid(page, "ResponseItemList")


# -- cancel and input_tokens.count ---------------------------------------------------------------


async def test_cancel_a_background_response(api: Api) -> None:
    api.fake.reply("Done.")
    created = await api("responses.create", model="gpt-4.1", input="Hi", background=True)
    cancelled = await api("responses.cancel", response_id=created.id)
    assert api.fake.requests.last.endpoint == f"/responses/{created.id}/cancel"
    # The fake finishes background responses at once: cancelling returns the finished response.
    assert (cancelled.id, cancelled.background, cancelled.status) == (created.id, True, "completed")
    assert cancelled.output_text == "Done."


async def test_cancel_a_synchronous_response_is_a_400(api: Api) -> None:
    created = await api("responses.create", model="gpt-4.1", input="Hi")
    with pytest.raises(openai.BadRequestError) as caught:
        await api("responses.cancel", response_id=created.id)
    assert caught.value.body == {  # type: ignore[comparison-overlap]
        "message": "Cannot cancel a synchronous response.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError, match="Response with id 'resp_nope' not found"):
        await api("responses.cancel", response_id="resp_nope")


def _needs_input_tokens(api: Api) -> None:
    if not hasattr(api.client.responses, "input_tokens"):
        pytest.skip(f"openai {openai.__version__} has no responses.input_tokens")


async def test_input_tokens_count_matches_what_create_charges(api: Api) -> None:
    _needs_input_tokens(api)
    request: dict[str, Any] = {
        "model": "gpt-4.1",
        "input": [{"role": "user", "content": "What is the weather in Paris today?"}],
        "instructions": "Be brief.",
        "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}],
    }
    count = await api("responses.input_tokens.count", **request)
    assert count.object == "response.input_tokens"
    assert api.fake.requests.last.endpoint == "/responses/input_tokens"
    created = await api("responses.create", **request)
    assert count.input_tokens == created.usage.input_tokens
    shorter = await api("responses.input_tokens.count", model="gpt-4.1", input="Hi")
    assert 0 < shorter.input_tokens < count.input_tokens
    chained = await api("responses.input_tokens.count", model="gpt-4.1", input="Hi", previous_response_id=created.id)
    assert chained.input_tokens > shorter.input_tokens  # the earlier turn is part of the input


async def test_input_tokens_count_rejects_what_create_rejects(api: Api) -> None:
    _needs_input_tokens(api)
    with pytest.raises(openai.BadRequestError, match="Previous response with id 'resp_nope' not found"):
        await api("responses.input_tokens.count", model="gpt-4.1", input="Hi", previous_response_id="resp_nope")
    with pytest.raises(openai.BadRequestError, match="input"):
        await api("responses.input_tokens.count", model="gpt-4.1", input=42)
