"""Libraries built on the openai SDK, used as their users use them, answered by the fake.

LangChain (``langchain-openai``) and the OpenAI Agents SDK (``openai-agents``) build their own OpenAI
clients; nothing here hands them an ``http_client``. ``fakeopenai.patch()`` (directly, or through the
``fake_openai`` fixture) is the only thing that routes them to the fake. Each test checks that what the
fake was told to say arrives in the library's own result, and what the library sent (from
``fake_openai.requests``).

No test may reach the network: the autouse ``offline`` fixture makes every socket connection and DNS
lookup fail, LangChain/LangSmith tracing is switched off through the environment and the agents' runs
are made with ``tracing_disabled`` (their default exporter posts traces to api.openai.com).
"""

from __future__ import annotations

import asyncio
import functools
import json
import operator
import re
import socket
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from agents import Agent, ModelSettings, OpenAIProvider, RunConfig, Runner, function_tool
from langchain_core.messages import AIMessageChunk, HumanMessage, ToolMessage
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from pydantic import BaseModel

import fakeopenai
from fakeopenai import ToolCall

OFFLINE = "test_frameworks: no network (a library tried to connect)"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection or name lookup fails loudly, so a library that goes online fails its test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(f"{OFFLINE}: {args!r}")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for name in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGCHAIN_TRACING", "LANGSMITH_TRACING_V2"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake(fake_openai: fakeopenai.FakeOpenAI) -> Iterator[fakeopenai.FakeOpenAI]:
    yield fake_openai
    # A library that hits a path the fake does not serve, or a bug of ours, would show here.
    assert [r for r in fake_openai.requests if r.status != 200] == []


def test_the_network_guard_works() -> None:
    with pytest.raises(OSError, match=re.escape(OFFLINE)):
        socket.create_connection(("example.com", 443))


class Person(BaseModel):
    name: str
    age: int


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}"


def merged(chunks: list[Any]) -> Any:
    """LangChain's way to put a streamed message back together: ``chunk + chunk + ...``."""
    return functools.reduce(operator.add, chunks)


# -- LangChain -----------------------------------------------------------------------------------


def test_langchain_invoke(fake: fakeopenai.FakeOpenAI) -> None:
    fake.reply("Hello from the fake")
    message = ChatOpenAI(model="gpt-4o-mini").invoke("Hi")
    assert message.content == "Hello from the fake"
    assert message.usage_metadata is not None and message.usage_metadata["output_tokens"] == 4
    assert message.response_metadata["finish_reason"] == "stop"
    request = fake.requests.last
    assert request.endpoint == "/chat/completions"
    assert request.json["model"] == "gpt-4o-mini"
    assert request.json["messages"] == [{"role": "user", "content": "Hi"}]


def test_langchain_model_built_before_patch(monkeypatch: pytest.MonkeyPatch) -> None:
    # patch() works at the HTTP stack's class level: a model (and its pooled client) made earlier is
    # covered inside the block, with the key the library was given, and goes back to the network after.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-app")
    llm = ChatOpenAI(model="gpt-4o-mini", max_retries=0)
    with fakeopenai.patch() as fake:
        fake.reply("patched late")
        assert llm.invoke("Hi").content == "patched late"
    assert fake.requests.last.headers["authorization"] == "Bearer sk-from-the-app"
    with pytest.raises(openai.APIConnectionError):
        llm.invoke("Hi")  # the real API again, refused by the offline fixture


def test_langchain_streams_token_by_token_with_usage(fake: fakeopenai.FakeOpenAI) -> None:
    fake.reply("One two three")
    chunks = list(ChatOpenAI(model="gpt-4o-mini", stream_usage=True).stream("Count"))
    assert [c.content for c in chunks if c.content] == ["One", " two", " three"]
    total = merged(chunks)
    assert total.content == "One two three"
    # stream_usage: LangChain asks for the usage chunk (no choices) and reads it.
    assert fake.requests.last.json["stream_options"] == {"include_usage": True}
    assert total.usage_metadata is not None
    assert total.usage_metadata["output_tokens"] == 3
    assert total.usage_metadata["total_tokens"] == total.usage_metadata["input_tokens"] + 3


async def test_langchain_async_invoke_and_stream(fake: fakeopenai.FakeOpenAI) -> None:
    llm = ChatOpenAI(model="gpt-4o-mini")
    fake.reply("async hello")
    assert (await llm.ainvoke("Hi")).content == "async hello"
    fake.reply("streamed without blocking", token_delay=0.01)
    pieces = [chunk.content async for chunk in llm.astream("Hi")]
    assert [p for p in pieces if p] == ["streamed", " without", " blocking"]
    assert [r.stream for r in fake.requests] == [False, True]


@pytest.mark.parametrize("responses_api", [False, True], ids=["chat", "responses"])
def test_langchain_tool_calling_round_trip(fake: fakeopenai.FakeOpenAI, responses_api: bool) -> None:
    llm = ChatOpenAI(model="gpt-4o-mini", use_responses_api=responses_api).bind_tools([get_weather])
    fake.reply(tool_calls=[ToolCall("get_weather", {"city": "Paris"})])
    fake.reply("It is sunny in Paris.")
    history: list[Any] = [HumanMessage("Weather in Paris?")]
    ai = llm.invoke(history)
    (call,) = ai.tool_calls
    assert call["name"] == "get_weather" and call["args"] == {"city": "Paris"}
    assert call["id"] is not None and call["id"].startswith("call_")
    first = fake.requests.last.json
    if responses_api:
        assert fake.requests.last.endpoint == "/responses"
        assert first["tools"][0]["name"] == "get_weather"
        parameters = first["tools"][0]["parameters"]
    else:
        assert first["tools"][0]["function"]["name"] == "get_weather"
        parameters = first["tools"][0]["function"]["parameters"]
    assert parameters["properties"] == {"city": {"type": "string"}}

    history += [ai, ToolMessage(get_weather(**call["args"]), tool_call_id=call["id"])]
    assert llm.invoke(history).text == "It is sunny in Paris."
    sent = fake.requests.last.json
    if responses_api:
        assert {"type": "function_call_output", "call_id": call["id"], "output": "Sunny in Paris"} in sent["input"]
    else:
        assert sent["messages"][1]["tool_calls"][0]["id"] == call["id"]
        assert sent["messages"][2] == {"role": "tool", "tool_call_id": call["id"], "content": "Sunny in Paris"}


@pytest.mark.parametrize("responses_api", [False, True], ids=["chat", "responses"])
def test_langchain_streamed_tool_calls_are_reassembled(fake: fakeopenai.FakeOpenAI, responses_api: bool) -> None:
    fake.reply(tool_calls=[ToolCall("get_weather", {"city": "Paris"}), ToolCall("get_weather", {"city": "Rome"})])
    llm = ChatOpenAI(model="gpt-4o-mini", use_responses_api=responses_api).bind_tools([get_weather])
    chunks = list(llm.stream("Weather in Paris and Rome?"))
    total = merged(chunks)
    assert isinstance(total, AIMessageChunk)
    assert [(c["name"], c["args"]) for c in total.tool_calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Rome"}),
    ]
    assert len(chunks) > 4  # the arguments came in pieces, not whole


@pytest.mark.parametrize("responses_api", [False, True], ids=["chat", "responses"])
def test_langchain_structured_output_needs_no_setup(fake: fakeopenai.FakeOpenAI, responses_api: bool) -> None:
    llm = ChatOpenAI(model="gpt-4o-mini", use_responses_api=responses_api)
    person = llm.with_structured_output(Person).invoke("Who is it?")
    assert isinstance(person, Person)  # the fake's default reply is valid against the schema
    sent = fake.requests.last.json
    form = sent["text"]["format"] if responses_api else sent["response_format"]["json_schema"]
    assert form["name"] == "Person" and form["strict"] is True
    assert form["schema"]["required"] == ["name", "age"]

    fake.reply(json.dumps({"name": "Ada", "age": 36}))
    assert llm.with_structured_output(Person).invoke("Who is it?") == Person(name="Ada", age=36)


def test_langchain_structured_output_through_a_forced_tool(fake: fakeopenai.FakeOpenAI) -> None:
    llm = ChatOpenAI(model="gpt-4o-mini").with_structured_output(Person, method="function_calling")
    assert isinstance(llm.invoke("Who is it?"), Person)
    assert fake.requests.last.json["tool_choice"] == {"type": "function", "function": {"name": "Person"}}


def test_langchain_responses_api(fake: fakeopenai.FakeOpenAI) -> None:
    llm = ChatOpenAI(model="gpt-4o-mini", use_responses_api=True, stream_usage=True)
    fake.reply("Answered by /responses")
    message = llm.invoke("Hi")
    assert message.text == "Answered by /responses"
    assert str(message.id).startswith("resp_")
    fake.reply("Streamed by /responses")
    chunks = list(llm.stream("Hi"))
    total = merged(chunks)
    assert total.text == "Streamed by /responses"
    assert total.usage_metadata is not None and total.usage_metadata["output_tokens"] == 5
    assert fake.requests.endpoints == ["POST /responses"] * 2
    assert fake.requests.last.json["input"][0]["content"] == "Hi"


def test_langchain_sees_the_sdk_errors_and_retries(fake: fakeopenai.FakeOpenAI) -> None:
    fake.fail(429, retry_after_ms=1)
    fake.reply("after one retry")
    assert ChatOpenAI(model="gpt-4o-mini").invoke("Hi").content == "after one retry"
    assert fake.requests.statuses == [429, 200]
    fake.reset()
    fake.fail(401)
    with pytest.raises(openai.AuthenticationError):
        ChatOpenAI(model="gpt-4o-mini", max_retries=0).invoke("Hi")
    fake.reset()  # the 401 is what this test asked for


def test_langchain_embeddings(fake: fakeopenai.FakeOpenAI) -> None:
    # check_embedding_ctx_length=False: LangChain sends the text itself. With the default (True) it
    # tokenizes first with tiktoken, which downloads its encoding file from the internet.
    embeddings = OpenAIEmbeddings(model="text-embedding-3-small", check_embedding_ctx_length=False)
    vector = embeddings.embed_query("hello")
    assert vector == pytest.approx(fake.embedding("hello"), abs=1e-6)
    assert fake.requests.last.json["input"] == ["hello"]
    documents = embeddings.embed_documents(["a", "b", "c"])
    assert documents == [pytest.approx(fake.embedding(text), abs=1e-6) for text in "abc"]
    assert fake.requests.endpoints == ["POST /embeddings"] * 2


# -- The OpenAI Agents SDK ----------------------------------------------------------------------

NO_TRACES = RunConfig(tracing_disabled=True)  # else traces go to api.openai.com/v1/traces/ingest


@pytest.fixture
def sync_loop() -> Iterator[None]:
    """A fresh default event loop for ``Runner.run_sync``, closed after the test.

    run_sync runs on the thread's default loop and deliberately leaves it open; openai-agents 0.2x also
    calls ``loop.shutdown_asyncgens()`` after every run, so a *second* run_sync on that loop makes
    asyncio warn (ResourceWarning) when the HTTP client's auth-flow generator starts, with any
    transport, the real network's too. So each test here makes at most one sync run.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture
def weather_tool() -> tuple[Any, list[str]]:
    asked: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        asked.append(city)
        return f"Sunny in {city}"

    return get_weather, asked


def test_agents_function_tool_round_trip(
    fake: fakeopenai.FakeOpenAI, weather_tool: tuple[Any, list[str]], sync_loop: None
) -> None:
    tool, asked = weather_tool
    agent = Agent(name="Assistant", instructions="Be brief.", tools=[tool], model="gpt-4o-mini")
    fake.reply(tool_calls=[ToolCall("get_weather", {"city": "Paris"}, id="call_paris")])
    fake.reply("It is sunny in Paris.")
    result = Runner.run_sync(agent, "Weather in Paris?", run_config=NO_TRACES)
    assert result.final_output == "It is sunny in Paris."
    assert asked == ["Paris"]
    assert fake.requests.endpoints == ["POST /responses"] * 2
    first, second = fake.requests.json
    assert first["instructions"] == "Be brief."
    assert first["tools"][0]["name"] == "get_weather"
    assert first["tools"][0]["parameters"]["required"] == ["city"]
    assert {"type": "function_call_output", "call_id": "call_paris", "output": "Sunny in Paris"} in second["input"]


def test_agents_tool_call_scripted_by_name_gets_arguments(
    fake: fakeopenai.FakeOpenAI, weather_tool: tuple[Any, list[str]], sync_loop: None
) -> None:
    # The fake fills in arguments valid against the tool's schema; the agent's tool must run with them.
    tool, asked = weather_tool
    agent = Agent(name="A", tools=[tool], model="gpt-4o-mini", tool_use_behavior="stop_on_first_tool")
    fake.reply(tool_calls=["get_weather"])
    result = Runner.run_sync(agent, "Weather?", run_config=NO_TRACES)
    assert len(asked) == 1 and isinstance(asked[0], str)
    assert result.final_output == f"Sunny in {asked[0]}"


async def test_agents_streamed_run_events(fake: fakeopenai.FakeOpenAI, weather_tool: tuple[Any, list[str]]) -> None:
    tool, asked = weather_tool
    agent = Agent(name="Assistant", tools=[tool], model="gpt-4o-mini")
    fake.reply(tool_calls=[ToolCall("get_weather", {"city": "Oslo"})])
    fake.reply("Oslo is sunny today.")
    run = Runner.run_streamed(agent, "Weather in Oslo?", run_config=NO_TRACES)
    raw: list[str] = []
    items: list[str] = []
    text: list[str] = []
    async for event in run.stream_events():
        if event.type == "raw_response_event":
            raw.append(event.data.type)
            if event.data.type == "response.output_text.delta":
                text.append(event.data.delta)
        elif event.type == "run_item_stream_event":
            items.append(event.name)
    assert run.final_output == "Oslo is sunny today." and asked == ["Oslo"]
    assert text == ["Oslo", " is", " sunny", " today", "."]
    assert sorted(items) == sorted(["tool_called", "tool_output", "message_output_created"])
    assert items.index("tool_called") < items.index("tool_output") < items.index("message_output_created")
    # Two streamed responses, each framed as the real API frames them.
    assert raw.count("response.created") == raw.count("response.completed") == 2
    first = raw[: raw.index("response.completed") + 1]
    assert first[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert first[-3:] == ["response.function_call_arguments.done", "response.output_item.done", "response.completed"]
    assert [r.stream for r in fake.requests] == [True, True]


class Weather(BaseModel):
    city: str
    temperature: int


async def test_agents_structured_output_needs_no_setup(fake: fakeopenai.FakeOpenAI) -> None:
    agent = Agent(name="Forecaster", output_type=Weather, model="gpt-4o-mini")
    assert isinstance((await Runner.run(agent, "Weather?", run_config=NO_TRACES)).final_output, Weather)
    form = fake.requests.last.json["text"]["format"]
    assert form["type"] == "json_schema" and form["schema"]["required"] == ["city", "temperature"]
    fake.reply('{"city": "Oslo", "temperature": 3}')
    result = await Runner.run(agent, "Weather?", run_config=NO_TRACES)
    assert result.final_output == Weather(city="Oslo", temperature=3)


async def test_agents_handoff(fake: fakeopenai.FakeOpenAI) -> None:
    spanish = Agent(name="Spanish", instructions="Habla español.", model="gpt-4o-mini")
    triage = Agent(name="Triage", handoffs=[spanish], model="gpt-4o-mini")
    fake.reply(tool_calls=[ToolCall("transfer_to_spanish", {})])
    fake.reply("¡Hola!")
    result = await Runner.run(triage, "Hola", run_config=NO_TRACES)
    assert result.final_output == "¡Hola!" and result.last_agent is spanish
    first, second = fake.requests.json
    assert [t["name"] for t in first["tools"]] == ["transfer_to_spanish"]
    assert second["instructions"] == "Habla español."


async def test_agents_on_chat_completions_streamed_with_usage(
    fake: fakeopenai.FakeOpenAI, weather_tool: tuple[Any, list[str]]
) -> None:
    tool, asked = weather_tool
    agent = Agent(name="Assistant", tools=[tool], model="gpt-4o-mini", model_settings=ModelSettings(include_usage=True))
    config = RunConfig(model_provider=OpenAIProvider(use_responses=False), tracing_disabled=True)
    fake.reply(tool_calls=[ToolCall("get_weather", {"city": "Rome"})])
    fake.reply("Rome is sunny.")
    run = Runner.run_streamed(agent, "Weather in Rome?", run_config=config)
    deltas = [
        e.data.delta
        async for e in run.stream_events()
        if e.type == "raw_response_event" and e.data.type == "response.output_text.delta"
    ]
    assert run.final_output == "Rome is sunny." and asked == ["Rome"]
    assert [d for d in deltas if d] == ["Rome", " is", " sunny", "."]  # agents 0.3 passes on the role chunk's ""
    assert fake.requests.endpoints == ["POST /chat/completions"] * 2
    assert fake.requests.last.json["stream_options"] == {"include_usage": True}
    usage = run.context_wrapper.usage
    assert usage.requests == 2 and usage.output_tokens > 0
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
