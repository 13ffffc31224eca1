"""Fine-tuning jobs through the real SDK: the lifecycle, events, checkpoints, cancel, pause/resume, the
fine-tuned model in the catalogue and in chat completions, durations on the fake's clock, seeding,
faults, and the main flow over ``serve``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

from fakeopenai import FakeOpenAI, ManualClock

from .conftest import Api

TRAINING = b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ho"}]}\n' * 6


def training_file(fake: FakeOpenAI, purpose: str = "fine-tune") -> str:
    """An uploaded training file (seeded)."""
    return str(fake.add_file(TRAINING, filename="train.jsonl", purpose=purpose)["id"])


async def run_to_end(api: Api, job: Any) -> tuple[Any, list[str]]:
    statuses = [job.status]
    while job.status not in ("succeeded", "failed", "cancelled"):
        job = await api("fine_tuning.jobs.retrieve", fine_tuning_job_id=job.id)
        statuses.append(job.status)
    return job, statuses


async def test_job_runs_to_a_model_chat_accepts(api: Api) -> None:
    api.fake.reject_unknown_models = True
    job = await api(
        "fine_tuning.jobs.create", model="gpt-4o-mini", training_file=training_file(api.fake), suffix="support"
    )
    assert job.status == "validating_files" and job.fine_tuned_model is None and job.hyperparameters.n_epochs == "auto"
    job, statuses = await run_to_end(api, job)
    assert statuses == ["validating_files", "queued", "running", "succeeded"]  # a status per read
    model = job.fine_tuned_model
    assert model == f"ft:gpt-4o-mini:user-fakeopenai:support:{job.id[-8:]}"
    assert job.finished_at is not None and job.trained_tokens and job.hyperparameters.n_epochs == 3
    results = job.result_files
    assert len(results) == 1 and (await api("files.retrieve", file_id=results[0])).purpose == "fine-tune-results"
    content = await api("files.content", file_id=results[0])
    assert content.content.startswith(b"step,train_loss")

    assert model in [m.id for m in (await api("models.list")).data]
    assert (await api("models.retrieve", model=model)).owned_by == "user-fakeopenai"
    api.fake.reply("Tuned!")
    chat = await api("chat.completions.create", model=model, messages=[{"role": "user", "content": "Hi"}])
    assert chat.choices[0].message.content == "Tuned!" and chat.model == model

    events = (await api("fine_tuning.jobs.list_events", fine_tuning_job_id=job.id, limit=100)).data
    messages = [event.message for event in events]
    assert messages[0] == "The job has successfully completed"  # newest first
    assert messages[-1] == f"Created fine-tuning job: {job.id}"
    assert f"New fine-tuned model created: {model}" in messages
    assert any(event.type == "metrics" and event.data["step"] for event in events)
    page = await api("fine_tuning.jobs.list_events", fine_tuning_job_id=job.id, limit=2)
    assert len(page.data) == 2 and page.has_more
    default = await api("fine_tuning.jobs.list_events", fine_tuning_job_id=job.id, limit=0)  # no range documented
    assert len(default.data) == min(20, len(events)) > 2

    checkpoints = (await api("fine_tuning.jobs.checkpoints.list", fine_tuning_job_id=job.id)).data
    steps = [c.step_number for c in checkpoints]
    assert steps == [18, 12, 6]  # 6 examples, batch 1, the last three epochs, newest first
    assert checkpoints[0].fine_tuned_model_checkpoint == f"{model}:ckpt-step-18"


async def test_list_cancel_and_errors(api: Api) -> None:
    file_id = training_file(api.fake)
    first = await api("fine_tuning.jobs.create", model="gpt-4o-mini", training_file=file_id, metadata={"team": "a"})
    second = await api("fine_tuning.jobs.create", model="gpt-4.1-mini", training_file=file_id)
    assert [job.id for job in (await api("fine_tuning.jobs.list")).data] == [second.id, first.id]
    assert [job.id for job in (await api("fine_tuning.jobs.list", metadata={"team": "a"})).data] == [first.id]
    every = [job.id async for job in _iterate(await api("fine_tuning.jobs.list", limit=1))]
    assert every == [second.id, first.id]  # the SDK pages on with after=

    cancelled = await api("fine_tuning.jobs.cancel", fine_tuning_job_id=first.id)
    assert cancelled.status == "cancelled" and cancelled.fine_tuned_model is None
    assert (await api("fine_tuning.jobs.retrieve", fine_tuning_job_id=first.id)).status == "cancelled"
    with pytest.raises(openai.BadRequestError):
        await api("fine_tuning.jobs.cancel", fine_tuning_job_id=first.id)

    with pytest.raises(openai.NotFoundError, match="No such fine-tuning job: ftjob-nope"):
        await api("fine_tuning.jobs.retrieve", fine_tuning_job_id="ftjob-nope")
    with pytest.raises(openai.BadRequestError, match="invalid training_file: file-nope") as missing:
        await api("fine_tuning.jobs.create", model="gpt-4o-mini", training_file="file-nope")
    assert missing.value.param == "training_file"  # type: ignore[attr-defined]
    with pytest.raises(openai.BadRequestError, match="expected 'fine-tune'"):
        await api("fine_tuning.jobs.create", model="gpt-4o-mini", training_file=training_file(api.fake, "batch"))
    with pytest.raises(openai.BadRequestError, match="invalid validation_file"):
        await api("fine_tuning.jobs.create", model="gpt-4o-mini", training_file=file_id, validation_file="file-x")


async def _iterate(page: Any) -> Any:
    if hasattr(page, "__aiter__"):
        async for item in page:
            yield item
    else:
        for item in page:
            yield item


async def test_pause_and_resume(api: Api) -> None:
    job = await api("fine_tuning.jobs.create", model="gpt-4o-mini", training_file=training_file(api.fake))
    paused = await api("fine_tuning.jobs.pause", fine_tuning_job_id=job.id)
    for _ in range(3):  # paused: reads do not move it
        assert (await api("fine_tuning.jobs.retrieve", fine_tuning_job_id=paused.id)).status == "validating_files"
    await api("fine_tuning.jobs.resume", fine_tuning_job_id=job.id)
    with pytest.raises(openai.BadRequestError, match="not paused"):
        await api("fine_tuning.jobs.resume", fine_tuning_job_id=job.id)
    job, statuses = await run_to_end(api, job)
    assert statuses[-1] == "succeeded"
    messages = [e.message for e in (await api("fine_tuning.jobs.list_events", fine_tuning_job_id=job.id)).data]
    assert "Fine-tuning job paused" in messages and "Fine-tuning job resumed" in messages
    with pytest.raises(openai.BadRequestError, match="already succeeded"):
        await api("fine_tuning.jobs.pause", fine_tuning_job_id=job.id)


async def test_methods_and_hyperparameters_are_echoed(api: Api) -> None:
    job = await api(
        "fine_tuning.jobs.create",
        model="gpt-4o-mini",
        training_file=training_file(api.fake),
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2, "n_epochs": 2}}},
        seed=7,
    )
    assert job.method.type == "dpo" and job.method.dpo.hyperparameters.beta == 0.2 and job.seed == 7
    job, _ = await run_to_end(api, job)
    assert job.hyperparameters.n_epochs == 2 and job.method.dpo.hyperparameters.n_epochs == 2
    assert len((await api("fine_tuning.jobs.checkpoints.list", fine_tuning_job_id=job.id)).data) == 2


async def test_checkpoint_permissions(api: Api) -> None:
    checkpoint = "ft:gpt-4o-mini-2024-07-18:org:weather:B7R9VjQd"
    shared = await api(
        "fine_tuning.checkpoints.permissions.create", fine_tuned_model_checkpoint=checkpoint, project_ids=["proj_a"]
    )
    assert [p.project_id for p in shared.data] == ["proj_a"]
    deleted = await api(
        "fine_tuning.checkpoints.permissions.delete",
        fine_tuned_model_checkpoint=checkpoint,
        permission_id=shared.data[0].id,
    )
    assert deleted.deleted is True and deleted.id == shared.data[0].id
    with pytest.raises(openai.NotFoundError):
        await api(
            "fine_tuning.checkpoints.permissions.delete",
            fine_tuned_model_checkpoint=checkpoint,
            permission_id=shared.data[0].id,
        )


def test_durations_on_the_fake_clock() -> None:
    clock = ManualClock(1000.0)
    fake = FakeOpenAI(clock=clock).lifecycle("fine_tuning.job", validating_files=5, queued=10, running=60)
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), _strict_response_validation=True)
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training_file(fake))
    assert client.fine_tuning.jobs.retrieve(job.id).status == "validating_files"  # reads alone do not move it
    clock.advance(5)
    assert client.fine_tuning.jobs.retrieve(job.id).status == "queued"
    clock.advance(10)
    running = client.fine_tuning.jobs.retrieve(job.id)
    assert running.status == "running" and running.estimated_finish is not None
    client.fine_tuning.jobs.pause(job.id)
    clock.advance(600)  # paused time does not count
    assert client.fine_tuning.jobs.retrieve(job.id).status == "running"
    client.fine_tuning.jobs.resume(job.id)
    clock.advance(59)
    assert [j.status for j in client.fine_tuning.jobs.list()] == ["running"]
    clock.advance(1)
    done = client.fine_tuning.jobs.retrieve(job.id)
    assert done.status == "succeeded" and done.finished_at - done.created_at == 675


def test_seeding_a_job_and_a_fine_tuned_model() -> None:
    fake = FakeOpenAI(reject_unknown_models=True)
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), max_retries=0)
    fake.models.append({"id": "ft:gpt-4o-mini-2024-07-18:acme::abc123", "owned_by": "acme"})  # one call
    chat = client.chat.completions.create(
        model="ft:gpt-4o-mini-2024-07-18:acme::abc123", messages=[{"role": "user", "content": "Hi"}]
    )
    assert chat.model == "ft:gpt-4o-mini-2024-07-18:acme::abc123"

    body = {"model": "gpt-4o-mini", "training_file": training_file(fake)}
    seeded = fake.seed("/fine_tuning/jobs", body, id="ftjob-1")
    assert seeded["id"] == "ftjob-1" and len(fake.requests) == 1  # seeding is not a request
    assert client.fine_tuning.jobs.retrieve("ftjob-1").status == "queued"


def test_faults_apply() -> None:
    fake = FakeOpenAI()
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), max_retries=0)
    fake.fail(503, endpoint="/fine_tuning/jobs")
    with pytest.raises(openai.InternalServerError):
        client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training_file(fake))
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training_file(fake))
    assert fake.requests.last.endpoint == "/fine_tuning/jobs" and fake.requests.last.json["model"] == "gpt-4o-mini"
    assert job.status == "validating_files"


def test_any_id() -> None:
    fake = FakeOpenAI(any_id=True)
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), _strict_response_validation=True)
    job = client.fine_tuning.jobs.retrieve("ftjob-anything")
    assert job.id == "ftjob-anything"
    made = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file="file-abc123")
    assert made.training_file == "file-abc123"


# -- over serve -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[Any]:
    pytest.importorskip("uvicorn")
    from fakeopenai.server import app

    from .test_server import Served

    with Served(app(FakeOpenAI(seed=1))) as running:
        yield running


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_over_serve(served: Any, is_async: bool) -> None:
    from .test_server import call, close, sdk

    served.app.reset()
    client = sdk(served, is_async)
    try:
        file_id = training_file(served.fake)
        job = await call(client, client.fine_tuning.jobs.create, model="gpt-4o-mini", training_file=file_id)
        while job.status != "succeeded":
            job = await call(client, client.fine_tuning.jobs.retrieve, fine_tuning_job_id=job.id)
        models = await call(client, client.models.list)
        assert job.fine_tuned_model in [m.id for m in models.data]
        chat = await call(
            client,
            client.chat.completions.create,
            model=job.fine_tuned_model,
            messages=[{"role": "user", "content": "Hi"}],
        )
        assert chat.model == job.fine_tuned_model
    finally:
        await close(client)
