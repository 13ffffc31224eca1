"""Structured outputs with zero setup: schema-valid JSON and tool arguments by default."""

from __future__ import annotations

import datetime
import enum
import json
from typing import Annotated, Any, Literal

import openai
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import BaseModel, Field

from fakeopenai import ToolCall
from fakeopenai._schema import instance

from .conftest import Api

HI = [{"role": "user", "content": "Plan a trip"}]


class Mood(enum.Enum):
    HAPPY = "happy"
    CALM = "calm"


class Stop(BaseModel):
    city: str
    nights: Annotated[int, Field(ge=1, le=14)]
    arrive: datetime.date


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: Annotated[int, Field(ge=1, le=9)]


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool


class Trip(BaseModel):
    title: str
    budget: Annotated[float, Field(gt=0, le=10_000)]
    mood: Mood
    stops: Annotated[list[Stop], Field(min_length=2)]
    notes: str | None
    pet: Cat | Dog = Field(discriminator="kind")
    contact: str = Field(json_schema_extra={"format": "email"})


class Node(BaseModel):
    name: str
    children: list[Node]


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city", "unit", "days"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}


async def test_chat_parse_works_with_no_reply_queued(api: Api) -> None:
    completion = await api("chat.completions.parse", model="gpt-4o-mini", messages=HI, response_format=Trip)
    trip = completion.choices[0].message.parsed
    assert isinstance(trip, Trip)
    assert len(trip.stops) >= 2 and 0 < trip.budget <= 10_000
    assert "@" in trip.contact
    again = await api("chat.completions.parse", model="gpt-4o-mini", messages=HI, response_format=Trip)
    assert again.choices[0].message.parsed == trip  # deterministic


async def test_recursive_model(api: Api) -> None:
    completion = await api("chat.completions.parse", model="m", messages=HI, response_format=Node)
    node = completion.choices[0].message.parsed
    assert isinstance(node, Node)


async def test_streamed_structured_default(api: Api) -> None:
    manager = api.method("chat.completions.stream")(model="m", messages=HI, response_format=Stop)
    if api.is_async:
        async with manager as stream:
            final = await stream.get_final_completion()
    else:
        with manager as stream:
            final = stream.get_final_completion()
    assert isinstance(final.choices[0].message.parsed, Stop)


async def test_responses_parse_works_with_no_reply_queued(api: Api) -> None:
    response = await api("responses.parse", model="gpt-4o-mini", input="Plan a trip", text_format=Trip)
    assert isinstance(response.output_parsed, Trip)


async def test_json_object_mode(api: Api) -> None:
    completion = await api(
        "chat.completions.create", model="m", messages=HI, response_format={"type": "json_object"}
    )
    assert isinstance(json.loads(completion.choices[0].message.content), dict)


async def test_a_queued_reply_still_wins(api: Api) -> None:
    api.fake.reply(json.dumps({"city": "Paris", "nights": 2, "arrive": "2025-05-01"}))
    completion = await api("chat.completions.parse", model="m", messages=HI, response_format=Stop)
    assert completion.choices[0].message.parsed == Stop(city="Paris", nights=2, arrive=datetime.date(2025, 5, 1))


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
async def test_tool_call_by_name_gets_valid_arguments(api: Api, stream: bool) -> None:
    api.fake.reply(tool_calls=[ToolCall("get_weather")])
    result = await api("chat.completions.create", model="m", messages=HI, tools=[WEATHER], stream=stream)
    if stream:
        arguments = "".join(
            call.function.arguments or ""
            for chunk in await api.collect(result)
            for choice in chunk.choices
            for call in choice.delta.tool_calls or []
        )
    else:
        arguments = result.choices[0].message.tool_calls[0].function.arguments
    Draft202012Validator(WEATHER["function"]["parameters"]).validate(json.loads(arguments))


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
async def test_responses_tool_call_by_name_gets_valid_arguments(api: Api, stream: bool) -> None:
    # Responses tools are flat ({"type": "function", "name", "parameters"}); the openai-agents SDK
    # sends them so, and a call scripted by name must be valid against them as on chat completions.
    schema = WEATHER["function"]["parameters"]
    tool = {"type": "function", "name": "get_weather", "parameters": schema, "strict": False}
    api.fake.reply(tool_calls=[ToolCall("get_weather"), ToolCall("unknown_tool")])
    result = await api("responses.create", model="m", input="Plan a trip", tools=[tool], stream=stream)
    if stream:
        events = await api.collect(result)
        deltas = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")
        result = events[-1].response
        assert deltas == "".join(item.arguments for item in result.output)  # the stream says the same
    first, second = result.output
    Draft202012Validator(schema).validate(json.loads(first.arguments))  # "{}" fails: city is required
    assert second.arguments == "{}"  # no schema for it


async def test_explicit_arguments_are_kept(api: Api) -> None:
    api.fake.reply(tool_calls=[ToolCall("get_weather", {"city": "Oslo"}), ToolCall("unknown_tool")])
    result = await api("chat.completions.create", model="m", messages=HI, tools=[WEATHER])
    first, second = result.choices[0].message.tool_calls
    assert json.loads(first.function.arguments) == {"city": "Oslo"}
    assert second.function.arguments == "{}"  # no schema for it: as before


async def test_forced_tool_choice_default(api: Api) -> None:
    result = await api(
        "chat.completions.create",
        model="m",
        messages=HI,
        tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    (call,) = result.choices[0].message.tool_calls
    assert call.function.name == "get_weather" and result.choices[0].finish_reason == "tool_calls"
    Draft202012Validator(WEATHER["function"]["parameters"]).validate(json.loads(call.function.arguments))


async def test_pydantic_function_tool_parses(api: Api) -> None:
    tool = openai.pydantic_function_tool(Stop, name="add_stop")
    api.fake.reply(tool_calls=["add_stop"])
    completion = await api("chat.completions.parse", model="m", messages=HI, tools=[tool])
    parsed = completion.choices[0].message.tool_calls[0].function.parsed_arguments
    assert isinstance(parsed, Stop)


# -- the generator on its own ---------------------------------------------------------------------

SCHEMAS: list[dict[str, Any]] = [
    {"type": "integer", "minimum": 10, "maximum": 12, "multipleOf": 5},
    {"type": "integer", "exclusiveMinimum": 3},
    {"type": "integer", "maximum": -5},
    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    {"type": "number", "minimum": 3, "multipleOf": 0.5},
    {"type": ["string", "null"], "minLength": 12, "maxLength": 20},
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "date"},
    {"type": "string", "format": "email"},
    {"type": "string", "format": "uri"},
    {"type": "string", "format": "uuid"},
    {"enum": ["a", "b", None]},
    {"const": {"fixed": [1, 2]}},
    {"type": "array", "items": {"type": "integer"}, "uniqueItems": True, "minItems": 3},
    {"type": "array", "items": {"type": "string", "format": "email"}, "uniqueItems": True, "minItems": 2},
    {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "boolean"}], "items": False, "minItems": 2},
    {"type": "array", "maxItems": 0},
    {"oneOf": [{"type": "null"}, {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}]},
    {"allOf": [{"properties": {"a": {"type": "integer"}}, "required": ["a"]}, {"required": ["b"]}]},
    {"type": "object", "minProperties": 2, "additionalProperties": {"type": "integer"}},
    {"type": "string", "nullable": True},
    {
        "$defs": {
            "leaf": {
                "type": "object",
                "properties": {"next": {"anyOf": [{"$ref": "#/$defs/leaf"}, {"type": "null"}]}},
                "required": ["next"],
            }
        },
        "$ref": "#/$defs/leaf",
    },
    {
        "definitions": {
            "item": {
                "type": "object",
                "properties": {"items": {"type": "array", "items": {"$ref": "#/definitions/item"}}},
                "required": ["items"],
            }
        },
        "$ref": "#/definitions/item",
    },
    {},
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=[json.dumps(s)[:50] for s in SCHEMAS])
def test_instances_validate(schema: dict[str, Any]) -> None:
    value = instance(schema)
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(value)
    assert instance(schema) == value
