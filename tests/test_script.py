"""Choosing replies: FIFO queue, rules, responders, default — safe across threads and tasks."""

from __future__ import annotations

import asyncio
import itertools
import threading

import openai
import pytest

import fakeopenai
from fakeopenai import Reply

from .conftest import Api

HI = [{"role": "user", "content": "Hi"}]


async def text_of(api: Api, **kwargs: object) -> str:
    kwargs.setdefault("model", "gpt-4o-mini")
    kwargs.setdefault("messages", HI)
    completion = await api("chat.completions.create", **kwargs)
    return str(completion.choices[0].message.content)


async def test_queue_is_first_in_first_out(api: Api) -> None:
    api.fake.reply("one").reply("two").reply("three", times=2)
    assert [await text_of(api) for _ in range(4)] == ["one", "two", "three", "three"]
    assert api.fake.pending == []
    api.fake.assert_all_consumed()


async def test_rules_match_model_and_text(api: Api) -> None:
    api.fake.on(model="gpt-4o*").reply("big model")
    api.fake.on(contains="weather").reply("sunny", times=1)
    assert await text_of(api, model="gpt-4o") == "big model"
    assert await text_of(api, model="o3", messages=[{"role": "user", "content": "the weather?"}]) == "sunny"
    assert await text_of(api, model="o3", messages=[{"role": "user", "content": "the weather?"}]) != "sunny"
    api.fake.reply("queued first")
    assert await text_of(api, model="gpt-4o") == "queued first"  # the queue comes before rules


async def test_responder_builds_reply_from_request(api: Api) -> None:
    @api.fake.respond
    def echo(request: fakeopenai.Request) -> str | None:
        text = request.last_user_message
        return None if text == "pass" else f"echo: {text}"

    assert await text_of(api, messages=[{"role": "user", "content": "ping"}]) == "echo: ping"
    default = await text_of(api, messages=[{"role": "user", "content": "pass"}])
    assert default and not default.startswith("echo")
    api.fake.reply(lambda request: Reply(f"once for {request.model}"))
    assert await text_of(api, model="m1") == "once for m1"


async def test_unconsumed_replies_are_reported(api: Api) -> None:
    api.fake.reply("never asked for")
    with pytest.raises(AssertionError, match="1 queued answer"):
        api.fake.assert_all_consumed()
    api.fake.reset()
    assert api.fake.pending == [] and len(api.fake.requests) == 0


def test_threads_each_reply_delivered_exactly_once(fake: fakeopenai.FakeOpenAI) -> None:
    n = 64
    for i in range(n):
        fake.reply(f"reply {i}")
    client = openai.OpenAI(api_key="sk", http_client=fake.client(), max_retries=0)
    got: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(n // 8):
            text = client.chat.completions.create(model="m", messages=HI).choices[0].message.content  # type: ignore[arg-type]
            with lock:
                got.append(str(text))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(got) == sorted(f"reply {i}" for i in range(n))
    assert fake.pending == []


async def test_tasks_each_reply_delivered_exactly_once(fake: fakeopenai.FakeOpenAI) -> None:
    n = 50
    for i in range(n):
        fake.reply(f"reply {i}", ttft=0.001 * (i % 3))
    client = openai.AsyncOpenAI(api_key="sk", http_client=fake.async_client(), max_retries=0)

    async def one() -> str:
        stream = await client.chat.completions.create(model="m", messages=HI, stream=True)  # type: ignore[arg-type]
        return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    got = await asyncio.gather(*(one() for _ in range(n)))
    assert sorted(got) == sorted(f"reply {i}" for i in range(n))


def test_reply_rejects_mixed_arguments(fake: fakeopenai.FakeOpenAI) -> None:
    with pytest.raises(TypeError):
        fake.reply(Reply("x"), refusal="no")
    with pytest.raises(ValueError, match="ttft must be between 0 and 86400 seconds"):
        fake.reply("x", ttft=-1)
    for bad in (float("nan"), float("inf"), 1e308, 86_400.5):
        with pytest.raises(ValueError, match="between 0 and 86400"):
            fake.reply("x", stall_after=0, stall=bad)
    with pytest.raises(ValueError, match="retry_after_ms must be between 0 and 8"):
        fake.fail(429, retry_after_ms=float("nan"))
    with pytest.raises(ValueError, match="not a valid value for header"):
        fake.fail(500, headers={"x-debug": "a\r\nset-cookie: b"})
    with pytest.raises(ValueError, match="not a valid header name"):
        fake.fail(500, headers={"bad name": "x"})
    assert fake.pending == []


def test_times_is_a_count_and_pending_a_compact_sequence(fake: fakeopenai.FakeOpenAI) -> None:
    fake.reply("many", times=10**15).fail(503, times=2)
    pending = fake.pending
    assert len(pending) == 10**15 + 2
    assert pending[0] == Reply("many") and pending[-1].status == 503 and pending[-3] == Reply("many")  # type: ignore[union-attr]
    assert pending[10**15 - 1 : 10**15 + 1][1].status == 503  # type: ignore[union-attr]
    assert "x1000000000000000" in repr(pending) and repr(pending).count("Failure(") == 1
    assert pending != [] and pending == fake.pending and list(itertools.islice(pending, 2)) == [Reply("many")] * 2
    assert "pending=1000000000000002" in repr(fake)
    with pytest.raises(ValueError, match="times must be between 1 and"):
        fake.reply("x", times=2**63)
    fake.reset()
    assert fake.pending == [] and not fake.pending


async def test_request_log_keeps_the_newest(api: Api) -> None:
    assert api.fake.requests.keep == 10_000  # the default: every ordinary test whole
    api.fake.requests.keep = 8
    for i in range(20):
        api.fake.reply(f"answer {i}")
        assert await text_of(api, messages=[{"role": "user", "content": f"question {i}"}]) == f"answer {i}"
    log = api.fake.requests
    assert 8 <= len(log) <= 9 and log.dropped == 20 - len(log)
    assert log.last.last_user_message == "question 19"
    assert [r.last_user_message for r in log] == [f"question {i}" for i in range(20 - len(log), 20)]
    log.keep = 3  # trims at once
    assert len(log) == 3 and log.dropped == 17
    log.keep = None
    api.fake.reset()
    assert len(log) == 0 and log.dropped == 0 and log.keep is None
    with pytest.raises(ValueError, match="keep must be None or a whole number"):
        log.keep = -1
    assert len(fakeopenai.FakeOpenAI(keep_requests=0).requests) == 0
