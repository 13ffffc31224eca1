"""Request validation with the installed SDK's own parameter types: the real API's 400s, never false ones."""

from __future__ import annotations

from typing import Any

import openai
import pytest

import fakeopenai

from .conftest import Api

USER = [{"role": "user", "content": "Hi"}]


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
        ({"messages": [{"role": "user", "content": "Hi", "nmae": "x"}]}, "messages[0].nmae", "unknown_parameter"),
        ({"messages": [{"content": "Hi"}]}, "messages[0].role", "missing_required_parameter"),
        ({"messages": [{"role": "user", "content": 42}]}, "messages[0].content", "invalid_type"),
        (
            {"tools": [{"type": "function", "function": {"parameters": {}}}]},
            "tools[0].function.name",
            "missing_required_parameter",
        ),
        ({"temperature": "hot"}, "temperature", "invalid_type"),
    ],
    ids=["unknown-top", "unknown-nested", "missing-role", "content-type", "tool-name", "temperature"],
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
