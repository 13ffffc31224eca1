"""Request validation with the installed SDK's own parameter types: the real API's 400s, never false ones."""

from __future__ import annotations

from typing import Any

import openai
import pytest

import fakeopenai

from .conftest import Api

USER = [{"role": "user", "content": "Hi"}]
CHAT = {"model": "gpt-4o-mini", "messages": USER}
COMPLETION = {"model": "gpt-3.5-turbo-instruct", "prompt": "Hi"}


async def rejected(api: Api, path: str, **kwargs: Any) -> openai.BadRequestError:
    with pytest.raises(openai.BadRequestError) as caught:
        await api(path, **kwargs)
    assert caught.value.status_code == 400
    assert caught.value.type == "invalid_request_error"
    return caught.value


@pytest.mark.parametrize(
    ("kwargs", "param", "code"),
    [
        ({"extra_body": {"temprature": 0.5}}, "temprature", "unknown_parameter"),
        ({"messages": [{"content": "Hi"}]}, "messages[0].role", "missing_required_parameter"),
        ({"messages": [{"role": "user", "content": 42}]}, "messages[0].content", "invalid_type"),
        (
            {"tools": [{"type": "function", "function": {"parameters": {}}}]},
            "tools[0].function.name",
            "missing_required_parameter",
        ),
        ({"temperature": "hot"}, "temperature", "invalid_type"),
    ],
    ids=["unknown-top", "missing-role", "content-type", "tool-name", "temperature"],
)
async def test_chat_rejections_name_the_path(api: Api, kwargs: dict[str, Any], param: str, code: str) -> None:
    arguments = {"model": "gpt-4o-mini", "messages": USER, **kwargs}
    error = await rejected(api, "chat.completions.create", **arguments)
    assert (error.param, error.code) == (param, code)
    assert param in error.message  # the real API names the parameter in its message too
    assert api.fake.pending == []  # nothing was queued, and a rejection consumes nothing


async def test_rejection_leaves_the_queue_alone(api: Api) -> None:
    api.fake.reply("kept for the next valid request")
    await rejected(api, "chat.completions.create", model="gpt-4o-mini", messages=[{"content": "Hi"}])
    completion = await api("chat.completions.create", model="gpt-4o-mini", messages=USER)
    assert completion.choices[0].message.content == "kept for the next valid request"


async def test_validation_can_be_turned_off(api: Api) -> None:
    lenient = Api(fakeopenai.FakeOpenAI(validate=False), api.is_async, api.flavour)
    lenient.fake.reply("fine")
    completion = await lenient(
        "chat.completions.create", model="gpt-4o-mini", messages=USER, extra_body={"vendor_flag": True}
    )
    assert completion.choices[0].message.content == "fine"
    assert lenient.fake.requests.last.json["vendor_flag"] is True


REPLAYED_TURNS = {
    "output_text without annotations": {"role": "assistant", "content": [{"type": "output_text", "text": "Yo"}]},
    "output_text with annotations": {
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Yo", "annotations": []}],
    },
    "message item without status": {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Yo", "annotations": []}],
    },
    "refusal part": {"role": "assistant", "content": [{"type": "refusal", "refusal": "No."}]},
    "plain string": {"role": "assistant", "content": "Yo"},
}


@pytest.mark.parametrize("turn", REPLAYED_TURNS.values(), ids=REPLAYED_TURNS.keys())
async def test_replayed_assistant_turns_are_accepted(api: Api, turn: dict[str, Any]) -> None:
    """Shapes LangChain, LiteLLM and agent frameworks send back; the real API takes them all."""
    api.fake.reply("Next answer")
    response = await api("responses.create", model="gpt-4o-mini", input=[*USER, turn, *USER])
    assert response.output_text == "Next answer"


async def test_wrong_part_type_lists_the_types_of_the_role_it_meant(api: Api) -> None:
    error = await rejected(
        api, "responses.create", model="gpt-4o-mini", input=[{"role": "user", "content": [{"type": "output_txt"}]}]
    )
    assert error.param == "input[0].content[0].type"
    assert error.code == "invalid_value"
    assert "'input_text'" in error.message
    assert "reasoning" not in error.message  # not the allowed values of some other item type


async def test_embeddings_and_moderations_are_checked(api: Api) -> None:
    error = await rejected(api, "embeddings.create", model="text-embedding-3-small", input="x", extra_body={"dims": 3})
    assert (error.param, error.code) == ("dims", "unknown_parameter")
    error = await rejected(api, "moderations.create", input="x", extra_body={"threshold": 0.5})
    assert (error.param, error.code) == ("threshold", "unknown_parameter")


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("chat.completions.create", {"model": "gpt-4o-mini", "messages": USER}),
        ("completions.create", {"model": "gpt-3.5-turbo-instruct", "prompt": "Hi"}),
        ("responses.create", {"model": "gpt-4o-mini", "input": "Hi"}),
    ],
    ids=["chat", "completions", "responses"],
)
async def test_range_errors_name_the_schema_type(api: Api, path: str, kwargs: dict[str, Any]) -> None:
    """The real API: "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 200
    instead." An integer sent for a decimal field is still named a decimal, on every endpoint."""
    error = await rejected(api, path, temperature=200, **kwargs)
    assert (error.param, error.code) == ("temperature", "decimal_above_max_value")
    assert error.body["message"] == (  # type: ignore[index]
        "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 200 instead."
    )


# -- the policy (docs/validation.md): 400 only for what the API is known to refuse --------------------

TOOL_ROUND = [
    {"role": "user", "content": "Weather in Paris?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "sunny"},
]
ACCEPTED = "(accepted: outside the SDK's types, but not known to be refused by the API)"


def strict(api: Api) -> Api:
    """The same SDK client over the same stack, answered by a ``strict=True`` fake."""
    return Api(fakeopenai.FakeOpenAI(strict=True), api.is_async, api.flavour)


async def test_a_tool_result_may_name_its_tool(api: Api) -> None:
    """The real API has long accepted ``name`` on a ``role: "tool"`` message; libraries send it."""
    api.fake.reply("Sunny in Paris.")
    completion = await api("chat.completions.create", model="gpt-4o-mini", messages=TOOL_ROUND)
    assert completion.choices[0].message.content == "Sunny in Paris."
    assert api.fake.requests.last.warnings == [f"Unknown parameter: 'messages[2].name'. {ACCEPTED}"]
    assert api.fake.requests.warnings == api.fake.requests.last.warnings
    # It is outside the SDK's types, so strict=True still refuses it.
    error = await rejected(strict(api), "chat.completions.create", model="gpt-4o-mini", messages=TOOL_ROUND)
    assert (error.param, error.code) == ("messages[2].name", "unknown_parameter")


async def test_embeddings_take_a_null_encoding_format(api: Api) -> None:
    """``encoding_format=None`` keeps the SDK from asking for base64: the answer carries floats."""
    answer = await api("embeddings.create", model="text-embedding-3-small", input="Hi", encoding_format=None)
    assert api.fake.requests.last.json["encoding_format"] is None
    assert len(answer.data[0].embedding) == 1536
    assert api.fake.requests.last.warnings == []  # a null optional parameter is "not given": no warning
    error = await rejected(
        strict(api), "embeddings.create", model="text-embedding-3-small", input="Hi", encoding_format=None
    )
    assert (error.param, error.code) == ("encoding_format", "invalid_type")


async def test_null_optional_parameters_are_accepted(api: Api) -> None:
    await api("responses.create", model="gpt-4o-mini", input="Hi", extra_body={"user": None, "truncation": None})
    await api("chat.completions.create", model="gpt-4o-mini", messages=USER, extra_body={"modalities": None})
    assert [r.status for r in api.fake.requests] == [200, 200]
    assert [r.warnings for r in api.fake.requests] == [[], []]


async def test_extra_keys_in_messages_and_parts_are_accepted_with_a_warning(api: Api) -> None:
    messages = [
        {"role": "system", "content": "Be brief.", "cache_control": {"type": "ephemeral"}},
        {"role": "user", "content": [{"type": "text", "text": "Hi", "cache_control": {"type": "ephemeral"}}]},
    ]
    await api("chat.completions.create", model="gpt-4o-mini", messages=messages)
    assert sorted(api.fake.requests.last.warnings) == [
        f"Unknown parameter: 'messages[0].cache_control'. {ACCEPTED}",
        f"Unknown parameter: 'messages[1].content[0].cache_control'. {ACCEPTED}",
    ]
    await api("chat.completions.create", model="gpt-4o-mini", messages=[{**USER[0], "vendor": None}])
    assert api.fake.requests.last.warnings == [f"Unknown parameter: 'messages[0].vendor'. {ACCEPTED}"]
    await api("responses.create", model="gpt-4o-mini", input=[{"role": "user", "content": "Hi", "extra": 1}])
    assert api.fake.requests.last.status == 200
    assert len(api.fake.requests.last.warnings) == 1
    assert "'input[0].extra'" in api.fake.requests.last.warnings[0]


async def test_legacy_function_calling_is_accepted_without_warnings(api: Api) -> None:
    """``functions``, ``function_call`` and ``role: "function"``: deprecated, still in the SDK and the API."""
    messages = [
        *USER,
        {"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": "{}"}},
        {"role": "function", "name": "get_weather", "content": "sunny"},
    ]
    functions = [{"name": "get_weather", "parameters": {"type": "object", "properties": {}}}]
    for target in (api, strict(api)):
        await target(
            "chat.completions.create",
            model="gpt-4o-mini",
            messages=messages,
            functions=functions,
            function_call="auto",
            max_tokens=50,
            user="u-1",
        )
        assert (target.fake.requests.last.status, target.fake.requests.last.warnings) == (200, [])


async def test_known_rejections_stay_rejections(api: Api) -> None:
    """Unknown top-level parameters, wrong JSON types and missing keys inside messages: 400 either way."""
    for target in (api, strict(api)):
        error = await rejected(target, "chat.completions.create", **CHAT, extra_body={"x": 1})
        assert (error.param, error.code) == ("x", "unknown_parameter")
        bad = [{"role": "tool", "content": "sunny", "name": "get_weather"}]  # no tool_call_id
        error = await rejected(target, "chat.completions.create", model="gpt-4o-mini", messages=bad)
        assert (error.param, error.code) == ("messages[0].tool_call_id", "missing_required_parameter")
        bad = [{"role": "user", "content": [{"type": "text", "text": 42, "extra": 1}]}]
        error = await rejected(target, "chat.completions.create", model="gpt-4o-mini", messages=bad)
        assert (error.param, error.code) == ("messages[0].content[0].text", "invalid_type")
        error = await rejected(target, "chat.completions.create", **CHAT, stream_options={"include_usage": True})
        assert error.param == "stream_options"


async def test_a_nested_null_where_the_sdk_allows_none_is_no_warning(api: Api) -> None:
    tools = [{"type": "function", "function": {"name": "f", "description": None, "parameters": {}}}]
    await api("chat.completions.create", model="gpt-4o-mini", messages=USER, tools=tools)
    assert (api.fake.requests.last.status, api.fake.requests.last.warnings) == (200, [])


# -- the documented ranges (issue 13 item 4): known rejections, in both modes ------------------------

@pytest.mark.parametrize(
    ("path", "kwargs", "param", "code"),
    [
        ("chat.completions.create", {**CHAT, "presence_penalty": -3}, "presence_penalty", "decimal_below_min_value"),
        ("chat.completions.create", {**CHAT, "frequency_penalty": 2.5}, "frequency_penalty", "decimal_above_max_value"),
        ("chat.completions.create", {**CHAT, "seed": 2**64}, "seed", "integer_above_max_value"),
        ("chat.completions.create", {**CHAT, "seed": -(2**63) - 1}, "seed", "integer_below_min_value"),
        ("chat.completions.create", {**CHAT, "max_tokens": -1}, "max_tokens", "integer_below_min_value"),
        ("chat.completions.create", {**CHAT, "max_tokens": 0}, "max_tokens", "integer_below_min_value"),
        ("chat.completions.create", {**CHAT, "max_tokens": 10**30}, "max_tokens", "integer_above_max_value"),
        (
            "chat.completions.create",
            {**CHAT, "max_completion_tokens": 10**30},
            "max_completion_tokens",
            "integer_above_max_value",
        ),
        ("chat.completions.create", {**CHAT, "logit_bias": {"50256": 10**30}}, "logit_bias", "integer_above_max_value"),
        ("chat.completions.create", {**CHAT, "logit_bias": {"50256": -101}}, "logit_bias", "integer_below_min_value"),
        ("chat.completions.create", {**CHAT, "logit_bias": {"1" * 400: 1}}, "logit_bias", None),
        ("chat.completions.create", {**CHAT, "logit_bias": {"AI": 1}}, "logit_bias", None),
        ("chat.completions.create", {**CHAT, "n": 129}, "n", "integer_above_max_value"),
        (
            "chat.completions.create",
            {**CHAT, "top_logprobs": 21, "logprobs": True},
            "top_logprobs",
            "integer_above_max_value",
        ),
        ("completions.create", {**COMPLETION, "presence_penalty": -3}, "presence_penalty", "decimal_below_min_value"),
        ("completions.create", {**COMPLETION, "seed": 2**64}, "seed", "integer_above_max_value"),
        ("completions.create", {**COMPLETION, "max_tokens": 10**30}, "max_tokens", "integer_above_max_value"),
        ("completions.create", {**COMPLETION, "logit_bias": {"x": 1}}, "logit_bias", None),
        (
            "responses.create",
            {"model": "gpt-4o-mini", "input": "Hi", "max_output_tokens": 10**30},
            "max_output_tokens",
            "integer_above_max_value",
        ),
    ],
)
async def test_documented_ranges_are_enforced(
    api: Api, path: str, kwargs: dict[str, Any], param: str, code: str | None
) -> None:
    for target in (api, strict(api)):
        error = await rejected(target, path, **kwargs)
        assert (error.param, error.code) == (param, code)


async def test_range_messages_print_bounds_in_full(api: Api) -> None:
    error = await rejected(api, "chat.completions.create", **CHAT, seed=2**64)
    assert error.body["message"] == (  # type: ignore[index]
        "Invalid 'seed': integer above maximum value. Expected a value <= 9223372036854775807, "
        "but got 18446744073709551616 instead."
    )
    error = await rejected(api, "chat.completions.create", **CHAT, logit_bias={"AI": 5})
    assert error.body["message"] == (  # type: ignore[index]
        "Invalid key in 'logit_bias': AI. You should only be submitting non-negative integers."
    )


async def test_values_inside_the_ranges_are_accepted(api: Api) -> None:
    await api(
        "chat.completions.create",
        **CHAT,
        presence_penalty=-2,
        frequency_penalty=2,
        seed=2**63 - 1,
        max_tokens=1,
        logit_bias={"50256": -100, "1": 100},
    )
    await api("completions.create", **COMPLETION, max_tokens=0, seed=-(2**63))
    assert [r.status for r in api.fake.requests] == [200, 200]


async def test_parameters_newer_than_the_installed_sdk_are_accepted(api: Api) -> None:
    """openai 1.x does not name ``prompt_cache_retention`` yet; the API takes it (its spec, openai 3.x)."""
    await api("chat.completions.create", **CHAT, extra_body={"prompt_cache_retention": "24h"})
    await api("responses.create", model="gpt-4o-mini", input="Hi", extra_body={"prompt_cache_retention": "24h"})
    assert [r.status for r in api.fake.requests] == [200, 200]
