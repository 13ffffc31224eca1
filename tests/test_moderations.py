"""Moderations through the real SDK: the real shape, deterministic scores, scripted flags."""

from __future__ import annotations

import json

import openai
import pytest

from fakeopenai._moderation import CATEGORIES

from .conftest import Api


async def test_clean_result_has_every_category(api: Api) -> None:
    result = await api("moderations.create", input="I love sunny days.")
    assert result.id.startswith("modr-") and len(result.id) == 34
    assert result.model == "omni-moderation-latest"
    (verdict,) = result.results
    assert verdict.flagged is False
    body = json.loads(api.fake.requests.last.response.body)["results"][0]
    for field in ("categories", "category_scores", "category_applied_input_types"):
        assert list(body[field]) == list(CATEGORIES), field
    assert not any(body["categories"].values())
    assert all(0 < score < 0.001 for score in body["category_scores"].values())
    assert all(kinds == ["text"] for kinds in body["category_applied_input_types"].values())
    assert verdict.categories.self_harm_intent is False and verdict.categories.illicit is False


async def test_deterministic_scores(api: Api) -> None:
    first = await api("moderations.create", input=["same", "other"])
    second = await api("moderations.create", input="same")
    assert first.results[0].category_scores == second.results[0].category_scores
    assert first.results[0].category_scores != first.results[1].category_scores


async def test_scripted_flags(api: Api) -> None:
    api.fake.moderate("violence", contains="kill").moderate(["harassment", "hate/threatening"], contains="idiot")
    result = await api("moderations.create", input=["I will kill them", "you idiot", "good morning"])
    violent, rude, clean = result.results
    assert violent.flagged and violent.categories.violence and not violent.categories.harassment
    assert violent.category_scores.violence > 0.9
    assert rude.flagged and rude.categories.harassment and rude.categories.hate_threatening
    assert not rude.categories.violence
    assert not clean.flagged and clean.category_scores.violence < 0.001


async def test_rules_by_predicate_times_and_sdk_names(api: Api) -> None:
    api.fake.moderate("self_harm_intent", where=lambda text: text.isupper(), scores={"self-harm": 0.42}, times=1)
    first = await api("moderations.create", input=["SHOUTING", "SHOUTING"])
    assert [r.flagged for r in first.results] == [True, False]  # the rule decided one input only
    assert first.results[0].categories.self_harm_intent is True
    assert first.results[0].category_scores.self_harm == 0.42
    api.fake.moderate("sexual")  # everything from now on
    api.fake.moderate(contains="fine")  # ... except what this newer rule marks clean
    second = await api("moderations.create", input=["anything", "this is fine"])
    assert [r.flagged for r in second.results] == [True, False]
    api.fake.reset()
    assert not (await api("moderations.create", input="anything")).results[0].flagged
    with pytest.raises(ValueError, match="unknown moderation category"):
        api.fake.moderate("rudeness")


async def test_multimodal_input_is_one_result(api: Api) -> None:
    api.fake.moderate("violence/graphic", contains="gore")
    result = await api(
        "moderations.create",
        model="omni-moderation-latest",
        input=[
            {"type": "text", "text": "gore everywhere"},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        ],
    )
    (verdict,) = result.results
    assert verdict.flagged and verdict.categories.violence_graphic
    applied = json.loads(api.fake.requests.last.response.body)["results"][0]["category_applied_input_types"]
    assert applied["violence"] == ["text", "image"] and applied["hate"] == ["text"]


async def test_invalid_inputs(api: Api) -> None:
    with pytest.raises(openai.BadRequestError) as empty:
        await api("moderations.create", input=[])
    assert empty.value.code == "empty_array" and empty.value.param == "input"
    with pytest.raises(openai.BadRequestError) as typed:
        await api("moderations.create", input="x", model=5)
    assert typed.value.param == "model" and typed.value.code == "invalid_type"
