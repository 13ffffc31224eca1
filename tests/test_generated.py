"""Every route the installed SDK knows answers: generated bodies, consistent CRUD, the any_id mode."""

from __future__ import annotations

import re
import warnings
from typing import Any

import openai
import pytest
from openai._models import validate_type

import fakeopenai
from fakeopenai._core import ROUTES
from fakeopenai._sdk_routes import sdk_routes

from .conftest import OPENAI_MAJOR, Api

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # assistants and threads are deprecated

HAND_BUILT = {(route.method, re.sub(r"\{\w+\}", "{}", route.path)) for route in ROUTES}


def _hand_built(method: str, path: str) -> bool:
    return (method, re.sub(r"\{\w+\}", "{}", path)) in HAND_BUILT


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: match.group(1), path)


def test_every_sdk_route_answers() -> None:
    """Walk the SDK's route table: each route answers (no 404 Invalid URL, no 500), and each generated
    one answers 200 with a body the SDK's own type accepts. A new SDK release with new routes is
    checked here with no change."""
    fake = fakeopenai.FakeOpenAI(any_id=True, validate=False, seed=3)
    client = fake.client()
    routes = sdk_routes()
    assert len(routes) >= (300 if OPENAI_MAJOR >= 3 else 100)
    failures = []
    for route in routes:
        url = "https://api.openai.com/v1" + _concrete(route.path)
        query = dict(route.query)
        if route.multipart:
            response = client.request(route.method, url, params=query, files={"file": ("a.txt", b"hello")})
        elif route.method in ("POST", "PUT", "PATCH"):
            response = client.request(route.method, url, params=query, json={})
        else:
            response = client.request(route.method, url, params=query)
        if (response.status_code == 404 and "Invalid URL" in response.text) or response.status_code >= 500:
            failures.append(f"{route.method} {route.path}: {response.status_code} {response.text[:200]}")
            continue
        if _hand_built(route.method, route.path):
            continue  # answered by its family, tested there with real bodies
        if response.status_code != 200:
            failures.append(f"{route.method} {route.path}: {response.status_code} {response.text[:200]}")
            continue
        cast = route.types().response
        if getattr(cast, "model_fields", None) is None and route.types().page is None:
            continue  # text, binary and empty answers
        try:
            validate_type(type_=cast, value=response.json())
        except Exception as error:
            failures.append(f"{route.method} {route.path}: {error}")
    assert not failures, "\n".join(failures)


def _list_ids(page: Any) -> list[str]:
    return [item.id for item in page.data]


async def test_assistants_crud_is_consistent(api: Api) -> None:
    created = await api("beta.assistants.create", model="gpt-4o", name="Helper", metadata={"team": "a"})
    assert created.id.startswith("asst_") and created.object == "assistant"
    assert (created.name, created.model, created.metadata) == ("Helper", "gpt-4o", {"team": "a"})
    assert (await api("beta.assistants.retrieve", assistant_id=created.id)).model_dump() == created.model_dump()
    updated = await api("beta.assistants.update", assistant_id=created.id, name="Renamed", instructions="Be kind.")
    assert (updated.name, updated.instructions, updated.model) == ("Renamed", "Be kind.", "gpt-4o")
    assert (await api("beta.assistants.retrieve", assistant_id=created.id)).name == "Renamed"
    second = await api("beta.assistants.create", model="gpt-4o-mini")
    assert _list_ids(await api("beta.assistants.list", order="asc")) == [created.id, second.id]
    assert _list_ids(await api("beta.assistants.list", order="desc", limit=1)) == [second.id]
    deleted = await api("beta.assistants.delete", assistant_id=created.id)
    assert (deleted.id, deleted.deleted, deleted.object) == (created.id, True, "assistant.deleted")
    with pytest.raises(openai.NotFoundError) as caught:
        await api("beta.assistants.retrieve", assistant_id=created.id)
    assert caught.value.body == {  # type: ignore[comparison-overlap]
        "message": f"No assistant found with id '{created.id}'.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    assert _list_ids(await api("beta.assistants.list")) == [second.id]


async def test_an_id_never_created_is_a_404_for_the_object_and_its_children(api: Api) -> None:
    with pytest.raises(openai.NotFoundError):
        await api("beta.threads.retrieve", thread_id="thread_never")
    with pytest.raises(openai.NotFoundError, match="No thread found with id 'thread_never'"):
        await api("beta.threads.messages.create", thread_id="thread_never", role="user", content="Hi")
    thread = await api("beta.threads.create")
    message = await api("beta.threads.messages.create", thread_id=thread.id, role="user", content="Hi")
    assert message.id.startswith("msg_") and message.thread_id == thread.id
    listed = await api("beta.threads.messages.list", thread_id=thread.id)
    assert _list_ids(listed) == [message.id]
    other = await api("beta.threads.create")
    assert _list_ids(await api("beta.threads.messages.list", thread_id=other.id)) == []


async def test_any_id_mode_makes_unknown_ids_exist(api: Api) -> None:
    api.fake.any_id = True
    assistant = await api("beta.assistants.retrieve", assistant_id="asst_from_the_account")
    assert assistant.id == "asst_from_the_account" and assistant.object == "assistant"
    message = await api("beta.threads.messages.retrieve", message_id="msg_1", thread_id="thread_1")
    assert (message.id, message.thread_id) == ("msg_1", "thread_1")
    deleted = await api("beta.assistants.delete", assistant_id="asst_other")
    assert deleted.deleted is True and deleted.id == "asst_other"


async def test_actions_move_the_status_their_verb_names(api: Api) -> None:
    api.fake.any_id = True
    run = await api("beta.threads.runs.cancel", run_id="run_1", thread_id="thread_1")
    assert run.id == "run_1" and run.status == "cancelling"


async def test_an_assistants_run_streams_the_queued_reply(api: Api) -> None:
    api.fake.reply("Hello from the assistant")
    thread = await api("beta.threads.create")
    stream = await api("beta.threads.runs.create", thread_id=thread.id, assistant_id="asst_x", stream=True)
    events = await api.collect(stream)
    names = [event.event for event in events]
    assert names[:3] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
    assert names[-2:] == ["thread.message.completed", "thread.run.completed"]
    deltas = [event.data.delta.content[0].text.value for event in events if event.event == "thread.message.delta"]
    assert "".join(deltas) == "Hello from the assistant" and len(deltas) > 1
    assert events[-1].data.thread_id == thread.id and events[-1].data.status == "completed"
    assert api.fake.pending == []


@pytest.mark.skipif(OPENAI_MAJOR < 3, reason="evals and the admin API are newer than openai 1.x's routes here")
async def test_newer_families_answer(api: Api) -> None:
    evaluation = await api(
        "evals.create",
        name="accuracy",
        data_source_config={"type": "custom", "item_schema": {"type": "object"}},
        testing_criteria=[],
        metadata={"k": "v"},
    )
    assert evaluation.id.startswith("eval_") and evaluation.name == "accuracy" and evaluation.metadata == {"k": "v"}
    assert (await api("evals.retrieve", eval_id=evaluation.id)).id == evaluation.id
    secret = await api("realtime.client_secrets.create")
    assert secret.expires_at > 0


def test_rules_and_faults_apply_to_generated_routes() -> None:
    fake = fakeopenai.FakeOpenAI()
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), max_retries=0)
    fake.fail(429, endpoint="/assistants")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(openai.RateLimitError):
            client.beta.assistants.create(model="gpt-4o")
        assert client.beta.assistants.create(model="gpt-4o").id.startswith("asst_")
    assert fake.requests.statuses == [429, 200]


def test_the_readme_route_table_is_the_routing_table() -> None:
    """The README's table of hand-built routes is what ``python -m fakeopenai routes --hand-built`` prints."""
    from pathlib import Path

    from fakeopenai._routes_table import markdown

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    found = re.search(r"<!-- routes: [^>]*-->\n(.*?)\n<!-- /routes -->", readme, flags=re.DOTALL)
    assert found, "README.md has no route table between <!-- routes --> markers"
    expected = markdown(generated=False)
    assert found.group(1) == expected, f"update README.md's route table to:\n{expected}"


async def test_generated_routes_validate_bodies_under_the_policy(api: Api) -> None:
    """The SDK's own parameter types check a generated route's body: known rejections are 400s,
    unknown nested keys are accepted with a warning (docs/validation.md)."""
    with pytest.raises(openai.BadRequestError, match="Missing required parameter: 'model'"):
        await api("post", path="/assistants", cast_to=object, body={"name": "no model"})
    with pytest.raises(openai.BadRequestError, match="Invalid type for 'model'"):
        await api("post", path="/assistants", cast_to=object, body={"model": 42})
    tool = {"type": "function", "function": {"name": "f"}, "x_extra": 1}
    await api("post", path="/assistants", cast_to=object, body={"model": "gpt-4o", "tools": [tool]})
    assert api.fake.requests.last.status == 200
    assert api.fake.requests.last.warnings == [
        "Unknown parameter: 'tools[0].x_extra'. "
        "(accepted: outside the SDK's types, but not known to be refused by the API)"
    ]
