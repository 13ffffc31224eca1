"""The model catalogue through the real SDK, and the fake's "unknown model" setting."""

from __future__ import annotations

import json

import openai
import pytest
from openai.types import Model

import fakeopenai

from .conftest import Api

HI = [{"role": "user", "content": "Hi"}]


async def test_list_the_default_catalogue(api: Api) -> None:
    page = await api("models.list")
    models = [model async for model in page] if api.is_async else list(page)
    ids = [model.id for model in models]
    expected = {"gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "text-embedding-3-large", "omni-moderation-latest"}
    assert expected <= set(ids)
    assert all(isinstance(model, Model) and model.object == "model" for model in models)
    assert all(model.created > 1_600_000_000 and model.owned_by for model in models)
    assert len(api.fake.requests) == 1  # a plain page: the SDK never asks for another
    body = json.loads(api.fake.requests.last.response.body)
    assert set(body) == {"object", "data"} and body["object"] == "list"
    assert set(body["data"][0]) == {"id", "object", "created", "owned_by"}


async def test_retrieve(api: Api) -> None:
    model = await api("models.retrieve", model="gpt-4o-mini")
    assert model.id == "gpt-4o-mini" and model.owned_by == "system" and model.object == "model"
    assert api.fake.requests.last.endpoint == "/models/gpt-4o-mini"


async def test_retrieve_unknown_is_the_real_404(api: Api) -> None:
    with pytest.raises(openai.NotFoundError) as error:
        await api("models.retrieve", model="gpt-nope")
    assert error.value.body == {
        "message": "The model `gpt-nope` does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "param": None,
        "code": "model_not_found",
    }


async def test_delete_a_fine_tuned_model(api: Api) -> None:
    name = "ft:gpt-4o-mini-2024-07-18:acme::AbC123"
    api.fake.models.append({"id": name, "created": 1730000000, "owned_by": "user-acme"})
    retrieved = await api("models.retrieve", model=name)
    assert retrieved.owned_by == "user-acme" and retrieved.created == 1730000000
    deleted = await api("models.delete", model=name)
    assert (deleted.id, deleted.object, deleted.deleted) == (name, "model", True)
    assert name not in [model if isinstance(model, str) else model["id"] for model in api.fake.models]
    with pytest.raises(openai.NotFoundError):
        await api("models.delete", model=name)


async def test_replace_the_catalogue(api: Api) -> None:
    api.fake.models = ["my-model", {"id": "other", "owned_by": "me"}]
    page = await api("models.list")
    models = [model async for model in page] if api.is_async else list(page)
    assert [(model.id, model.owned_by) for model in models] == [("my-model", "system"), ("other", "me")]


def test_constructor_catalogue_and_strictness() -> None:
    fake = fakeopenai.FakeOpenAI(models=["only-this"], reject_unknown_models=True)
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), max_retries=0)
    assert [model.id for model in client.models.list()] == ["only-this"]
    assert client.chat.completions.create(model="only-this", messages=HI).model == "only-this"  # type: ignore[arg-type]
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=HI)  # type: ignore[arg-type]


async def test_unknown_models_are_accepted_by_default(api: Api) -> None:
    completion = await api("chat.completions.create", model="gpt-nope", messages=HI)
    assert completion.model == "gpt-nope"


async def test_unknown_models_rejected_on_every_model_endpoint(api: Api) -> None:
    api.fake.reject_unknown_models = True
    expected = "The model `gpt-nope` does not exist or you do not have access to it."
    calls = [
        ("chat.completions.create", {"messages": HI}),
        ("embeddings.create", {"input": "x"}),
        ("moderations.create", {"input": "x"}),
    ]
    for method, kwargs in calls:
        with pytest.raises(openai.NotFoundError) as error:
            await api(method, model="gpt-nope", **kwargs)
        assert error.value.code == "model_not_found"
        assert error.value.body["message"] == expected, method
    # known models still work
    assert (await api("chat.completions.create", model="gpt-4o-mini", messages=HI)).choices
    assert (await api("moderations.create", input="x")).results  # the default model is in the catalogue
