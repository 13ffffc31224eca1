"""Refresh the corpus: run a library as its users do against ``fakeopenai serve`` and keep what it sent.

Run it from the repository root with a Python that has the library installed (a scratch venv), e.g.::

    python -m venv /tmp/venv-litellm && /tmp/venv-litellm/bin/pip install litellm
    /tmp/venv-litellm/bin/python tests/corpus/capture.py litellm --server-python .venv/bin/python

The server runs in ``--server-python`` (any venv where fakeopenai and uvicorn import; the repository
is put on its ``PYTHONPATH``) with ``--no-validate``, so every body is kept as the library sent it.
The library is pointed at it through its own settings (``OPENAI_BASE_URL`` and friends): no
library here is given an ``http_client``. Each scenario's requests land in
``tests/corpus/<library>/<scenario>.json``; ``NOTE.md`` beside them says which versions sent them.
A scenario the library fails is reported and skipped; the files of the others are still written.
This script needs nothing but the standard library and the library under test.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
import traceback
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# A 1x1 PNG, as a data URL (no library fetches anything from the network).
PNG = "data:image/png;base64," + base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
    )
).decode()
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}


class Server:
    """``fakeopenai serve`` on a free loopback port, scripted through its control API."""

    def __init__(self, python: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [python, "-m", "fakeopenai", "serve", "--port", "0", "--no-validate", "--seed", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            found = re.search(r"serving (http://\S+)/v1", line)
            if found:
                self.root = found.group(1)
                break
        else:
            raise SystemExit("fakeopenai serve did not start")
        self.base = self.root + "/v1"

    def control(self, method: str, path: str, data: Any = None) -> Any:
        body = None if data is None else json.dumps(data).encode()
        request = urllib.request.Request(
            self.root + "/_fakeopenai/" + path, body, {"Content-Type": "application/json"}, method=method
        )
        with urllib.request.urlopen(request) as answer:
            return json.loads(answer.read() or b"null")

    def reply(self, *replies: Any) -> None:
        self.control("POST", "replies", list(replies))

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


# -- the scenarios, by library: name -> function(server) ---------------------------------------------

Scenario = Callable[[Server], Any]
LIBRARIES: dict[str, tuple[list[str], dict[str, Scenario]]] = {}


def library(name: str, *distributions: str) -> Callable[[dict[str, Scenario]], dict[str, Scenario]]:
    def register(scenarios: dict[str, Scenario]) -> dict[str, Scenario]:
        LIBRARIES[name] = ([*distributions], scenarios)
        return scenarios

    return register


def _litellm() -> dict[str, Scenario]:
    def kw(server: Server) -> dict[str, Any]:
        return {"api_base": server.base, "api_key": "sk-corpus"}

    def chat(server: Server) -> None:
        import litellm

        litellm.completion(model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], **kw(server))

    def chat_async(server: Server) -> None:
        import litellm

        async def run() -> None:
            await litellm.acompletion(
                model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], temperature=0.2, **kw(server)
            )

        asyncio.run(run())

    def stream(server: Server) -> None:
        import litellm

        chunks = litellm.completion(
            model="openai/gpt-4o-mini",
            messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
            stream=True,
            stream_options={"include_usage": True},
            **kw(server),
        )
        for _ in chunks:
            pass

    def tools(server: Server) -> None:
        import litellm

        server.reply({"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}, {"text": "Sunny"})
        tool = {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER_SCHEMA}}
        messages: list[Any] = [{"role": "user", "content": "Weather in Paris?"}]
        first = litellm.completion(model="openai/gpt-4o-mini", messages=messages, tools=[tool], **kw(server))
        call = first.choices[0].message.tool_calls[0]
        messages += [
            first.choices[0].message,
            {"role": "tool", "tool_call_id": call.id, "name": call.function.name, "content": "sunny"},
        ]
        litellm.completion(model="openai/gpt-4o-mini", messages=messages, tools=[tool], **kw(server))

    def structured(server: Server) -> None:
        import litellm
        from pydantic import BaseModel

        class City(BaseModel):
            name: str
            country: str

        litellm.completion(
            model="openai/gpt-4o-mini",
            messages=[{"role": "user", "content": "Name a city"}],
            response_format=City,
            **kw(server),
        )

    def vision(server: Server) -> None:
        import litellm

        content = [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": PNG}}]
        litellm.completion(model="openai/gpt-4o-mini", messages=[{"role": "user", "content": content}], **kw(server))

    def responses(server: Server) -> None:
        import litellm

        litellm.responses(model="openai/gpt-4o-mini", input="Hi", instructions="Be brief.", **kw(server))

    def embeddings(server: Server) -> None:
        import litellm

        litellm.embedding(model="openai/text-embedding-3-small", input=["Hello", "World"], **kw(server))

    return {
        "chat": chat,
        "chat_async": chat_async,
        "stream": stream,
        "tools": tools,
        "structured": structured,
        "vision": vision,
        "responses": responses,
        "embeddings": embeddings,
    }


library("litellm", "litellm", "openai")(_litellm())


def _instructor() -> dict[str, Scenario]:
    def client(mode: Any = None, is_async: bool = False) -> Any:
        import instructor
        import openai

        raw = openai.AsyncOpenAI() if is_async else openai.OpenAI()
        return instructor.from_openai(raw, mode=mode) if mode is not None else instructor.from_openai(raw)

    def city_model() -> Any:
        from pydantic import BaseModel

        class City(BaseModel):
            name: str
            population: int

        return City

    def tools(server: Server) -> None:  # instructor's default: a forced tool call
        client().chat.completions.create(
            model="gpt-4o-mini", response_model=city_model(), messages=[{"role": "user", "content": "Name a city"}]
        )

    def tools_async(server: Server) -> None:
        async def run() -> None:
            await client(is_async=True).chat.completions.create(
                model="gpt-4o-mini", response_model=city_model(), messages=[{"role": "user", "content": "A city"}]
            )

        asyncio.run(run())

    def json_schema(server: Server) -> None:
        import instructor

        client(instructor.Mode.JSON_SCHEMA).chat.completions.create(
            model="gpt-4o-mini", response_model=city_model(), messages=[{"role": "user", "content": "Name a city"}]
        )

    def json_mode(server: Server) -> None:
        import instructor

        server.reply({"text": '{"name": "Paris", "population": 2100000}'})  # JSON mode sends no schema
        client(instructor.Mode.JSON).chat.completions.create(
            model="gpt-4o-mini", response_model=city_model(), messages=[{"role": "user", "content": "Name a city"}]
        )

    def partial_stream(server: Server) -> None:
        for _ in client().chat.completions.create_partial(
            model="gpt-4o-mini", response_model=city_model(), messages=[{"role": "user", "content": "Name a city"}]
        ):
            pass

    def responses_tools(server: Server) -> None:
        import instructor

        client(instructor.Mode.RESPONSES_TOOLS).responses.create(
            model="gpt-4o-mini", response_model=city_model(), input=[{"role": "user", "content": "Name a city"}]
        )

    def vision(server: Server) -> None:
        import instructor

        client().chat.completions.create(
            model="gpt-4o-mini",
            response_model=city_model(),
            messages=[{"role": "user", "content": ["Where is this?", instructor.Image.from_url(PNG)]}],
        )

    return {
        "tools": tools,
        "tools_async": tools_async,
        "json_schema": json_schema,
        "json_mode": json_mode,
        "partial_stream": partial_stream,
        "responses_tools": responses_tools,
        "vision": vision,
    }


library("instructor", "instructor", "openai")(_instructor())


def _pydantic_ai() -> dict[str, Scenario]:
    def weather_agent(model: Any) -> Any:
        from pydantic_ai import Agent

        agent = Agent(model, instructions="Answer briefly.")

        @agent.tool_plain
        def get_weather(city: str) -> str:
            """The weather in a city."""
            return "sunny"

        return agent

    def chat(server: Server) -> None:
        from pydantic_ai import Agent

        Agent("openai-chat:gpt-4o-mini").run_sync("Hi")

    def stream(server: Server) -> None:
        from pydantic_ai import Agent

        async def run() -> None:
            async with Agent("openai-chat:gpt-4o-mini").run_stream("Hi") as result:
                async for _ in result.stream_text():
                    pass

        asyncio.run(run())

    def tools(server: Server) -> None:
        server.reply({"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}, {"text": "Sunny"})
        weather_agent("openai-chat:gpt-4o-mini").run_sync("Weather in Paris?")

    def structured(server: Server) -> None:
        from pydantic import BaseModel
        from pydantic_ai import Agent

        class City(BaseModel):
            name: str
            country: str

        Agent("openai-chat:gpt-4o-mini", output_type=City).run_sync("Name a city")

    def vision(server: Server) -> None:
        from pydantic_ai import Agent, ImageUrl

        Agent("openai-chat:gpt-4o-mini").run_sync(["What is this?", ImageUrl(url=PNG)])

    def responses(server: Server) -> None:
        from pydantic_ai import Agent

        Agent("openai-responses:gpt-4o-mini").run_sync("Hi")

    def responses_tools(server: Server) -> None:
        server.reply({"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}, {"text": "Sunny"})
        weather_agent("openai-responses:gpt-4o-mini").run_sync("Weather in Paris?")

    def embeddings(server: Server) -> None:
        from pydantic_ai import Embedder

        Embedder("openai:text-embedding-3-small").embed_documents_sync(["Hello", "World"])

    return {
        "chat": chat,
        "stream": stream,
        "tools": tools,
        "structured": structured,
        "vision": vision,
        "responses": responses,
        "responses_tools": responses_tools,
        "embeddings": embeddings,
    }


library("pydantic-ai", "pydantic-ai-slim", "openai")(_pydantic_ai())


def _llama_index() -> dict[str, Scenario]:
    def llm(**kwargs: Any) -> Any:
        from llama_index.llms.openai import OpenAI

        return OpenAI(model="gpt-4o-mini", **kwargs)

    def chat(server: Server) -> None:
        from llama_index.core.llms import ChatMessage

        llm().chat([ChatMessage(role="system", content="Be brief."), ChatMessage(role="user", content="Hi")])

    def complete_async(server: Server) -> None:
        asyncio.run(llm(temperature=0.3).acomplete("Hi"))

    def stream(server: Server) -> None:
        from llama_index.core.llms import ChatMessage

        for _ in llm().stream_chat([ChatMessage(role="user", content="Hi")]):
            pass

    def tools(server: Server) -> None:
        from llama_index.core.tools import FunctionTool

        def get_weather(city: str) -> str:
            """The weather in a city."""
            return "sunny"

        server.reply({"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}, {"text": "Sunny"})
        from llama_index.core.agent.workflow import FunctionAgent

        async def run() -> None:
            agent = FunctionAgent(tools=[FunctionTool.from_defaults(get_weather)], llm=llm())
            await agent.run("Weather in Paris?")

        asyncio.run(run())

    def structured(server: Server) -> None:
        from llama_index.core.prompts import PromptTemplate
        from pydantic import BaseModel

        class City(BaseModel):
            name: str
            country: str

        llm().structured_predict(City, PromptTemplate("Name a city in {country}"), country="France")

    def vision(server: Server) -> None:
        from llama_index.core.llms import ChatMessage, ImageBlock, TextBlock

        message = ChatMessage(role="user", blocks=[TextBlock(text="What is this?"), ImageBlock(url=PNG)])
        llm().chat([message])

    def responses(server: Server) -> None:
        from llama_index.core.llms import ChatMessage
        from llama_index.llms.openai import OpenAIResponses

        OpenAIResponses(model="gpt-4o-mini").chat([ChatMessage(role="user", content="Hi")])

    def embeddings(server: Server) -> None:
        from llama_index.embeddings.openai import OpenAIEmbedding

        embedder = OpenAIEmbedding(model="text-embedding-3-small")
        embedder.get_text_embedding_batch(["Hello", "World"])
        embedder.get_query_embedding("Hello?")

    return {
        "chat": chat,
        "complete_async": complete_async,
        "stream": stream,
        "tools": tools,
        "structured": structured,
        "vision": vision,
        "responses": responses,
        "embeddings": embeddings,
    }


library(
    "llama-index", "llama-index-core", "llama-index-llms-openai", "llama-index-embeddings-openai", "openai"
)(_llama_index())


def _haystack() -> dict[str, Scenario]:
    def chat(server: Server) -> None:
        from haystack.components.generators.chat import OpenAIChatGenerator
        from haystack.dataclasses import ChatMessage

        OpenAIChatGenerator(model="gpt-4o-mini").run(
            messages=[ChatMessage.from_system("Be brief."), ChatMessage.from_user("Hi")]
        )

    def stream(server: Server) -> None:
        from haystack.components.generators.chat import OpenAIChatGenerator
        from haystack.dataclasses import ChatMessage

        OpenAIChatGenerator(model="gpt-4o-mini", streaming_callback=lambda chunk: None).run(
            messages=[ChatMessage.from_user("Hi")]
        )

    def tools(server: Server) -> None:
        from haystack.components.agents import Agent
        from haystack.components.generators.chat import OpenAIChatGenerator
        from haystack.dataclasses import ChatMessage
        from haystack.tools import Tool

        tool = Tool(
            name="get_weather",
            description="The weather in a city.",
            parameters=WEATHER_SCHEMA,
            function=lambda city: "sunny",
        )
        server.reply({"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}, {"text": "Sunny"})
        agent = Agent(chat_generator=OpenAIChatGenerator(model="gpt-4o-mini"), tools=[tool])
        agent.warm_up()
        agent.run(messages=[ChatMessage.from_user("Weather in Paris?")])

    def structured(server: Server) -> None:
        from haystack.components.generators.chat import OpenAIChatGenerator
        from haystack.dataclasses import ChatMessage
        from pydantic import BaseModel

        class City(BaseModel):
            name: str
            country: str

        OpenAIChatGenerator(model="gpt-4o-mini", generation_kwargs={"response_format": City}).run(
            messages=[ChatMessage.from_user("Name a city")]
        )

    def vision(server: Server) -> None:
        from haystack.components.generators.chat import OpenAIChatGenerator
        from haystack.dataclasses import ChatMessage, ImageContent

        image = ImageContent(base64_image=PNG.split(",", 1)[1], mime_type="image/png")
        OpenAIChatGenerator(model="gpt-4o-mini").run(
            messages=[ChatMessage.from_user(content_parts=["What is this?", image])]
        )

    def responses(server: Server) -> None:
        from haystack.components.generators.chat import OpenAIResponsesChatGenerator
        from haystack.dataclasses import ChatMessage

        OpenAIResponsesChatGenerator(model="gpt-4o-mini").run(messages=[ChatMessage.from_user("Hi")])

    def embeddings(server: Server) -> None:
        from haystack import Document
        from haystack.components.embedders import OpenAIDocumentEmbedder, OpenAITextEmbedder

        OpenAITextEmbedder(model="text-embedding-3-small").run("Hello")
        documents = [Document(content="Hello"), Document(content="World")]
        OpenAIDocumentEmbedder(model="text-embedding-3-small").run(documents)

    return {
        "chat": chat,
        "stream": stream,
        "tools": tools,
        "structured": structured,
        "vision": vision,
        "responses": responses,
        "embeddings": embeddings,
    }


library("haystack", "haystack-ai", "openai")(_haystack())


def _dspy() -> dict[str, Scenario]:
    def lm(server: Server, **kwargs: Any) -> Any:
        import dspy

        return dspy.LM("openai/gpt-4o-mini", api_base=server.base, api_key="sk-corpus", cache=False, **kwargs)

    def predict(server: Server) -> None:
        import dspy

        with dspy.context(lm=lm(server)):
            dspy.Predict("question -> answer")(question="What is 2 + 2?")

    def chain_of_thought(server: Server) -> None:
        import dspy

        with dspy.context(lm=lm(server, temperature=0.5, max_tokens=500)):
            dspy.ChainOfThought("question -> answer: int")(question="What is 2 + 2?")

    def structured(server: Server) -> None:
        import dspy

        with dspy.context(lm=lm(server), adapter=dspy.JSONAdapter()):
            dspy.Predict("question -> city: str, country: str")(question="Name a city")

    def tools(server: Server) -> None:
        import dspy

        def get_weather(city: str) -> str:
            """The weather in a city."""
            return "sunny"

        with dspy.context(lm=lm(server), adapter=dspy.ChatAdapter(use_native_function_calling=True)):
            server.reply({"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]})
            predict = dspy.Predict("question, tools: list[dspy.Tool] -> answer, tool_calls: dspy.ToolCalls")
            predict(question="Weather in Paris?", tools=[dspy.Tool(get_weather)])

    def stream(server: Server) -> None:
        import dspy

        server.reply({"text": "[[ ## answer ## ]]\nHello\n\n[[ ## completed ## ]]"})  # in DSPy's own format

        async def run() -> None:
            program = dspy.streamify(dspy.Predict("question -> answer"))
            with dspy.context(lm=lm(server)):
                async for _ in program(question="Hi"):
                    pass

        asyncio.run(run())

    def vision(server: Server) -> None:
        import dspy

        with dspy.context(lm=lm(server)):
            dspy.Predict("image: dspy.Image -> description")(image=dspy.Image(PNG))

    def responses(server: Server) -> None:
        import dspy

        with dspy.context(lm=lm(server, model_type="responses")):
            dspy.Predict("question -> answer")(question="What is 2 + 2?")

    def embeddings(server: Server) -> None:
        import dspy

        dspy.Embedder("openai/text-embedding-3-small", api_base=server.base, api_key="sk-corpus", caching=False)(
            ["Hello", "World"]
        )

    return {
        "predict": predict,
        "chain_of_thought": chain_of_thought,
        "structured": structured,
        "tools": tools,
        "stream": stream,
        "vision": vision,
        "responses": responses,
        "embeddings": embeddings,
    }


library("dspy", "dspy", "litellm", "openai")(_dspy())


def _mirascope() -> dict[str, Scenario]:
    def chat(server: Server) -> None:
        from mirascope import llm

        @llm.call("openai/gpt-4o-mini:completions")
        def answer(question: str) -> str:
            return f"Answer briefly: {question}"

        answer("What is 2 + 2?").text()

    def stream(server: Server) -> None:
        from mirascope import llm

        @llm.call("openai/gpt-4o-mini:completions")
        def answer(question: str) -> str:
            return f"Answer briefly: {question}"

        for _ in answer.stream("What is 2 + 2?").text_stream():
            pass

    def tools(server: Server, mode: str = "completions") -> None:
        from mirascope import llm

        @llm.tool
        def get_weather(city: str) -> str:
            """The weather in a city."""
            return "sunny"

        @llm.call(f"openai/gpt-4o-mini:{mode}", tools=[get_weather])
        def weather(city: str) -> str:
            return f"What is the weather in {city}?"

        server.reply({"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}, {"text": "Sunny"})
        response = weather("Paris")
        while response.tool_calls:
            response = response.resume(response.execute_tools())

    def structured(server: Server, mode: str = "completions") -> None:
        from mirascope import llm
        from pydantic import BaseModel

        class City(BaseModel):
            name: str
            country: str

        @llm.call(f"openai/gpt-4o-mini:{mode}", format=City)
        def city() -> str:
            return "Name a city"

        city().parse()

    def vision(server: Server) -> None:
        from mirascope import llm

        @llm.call("openai/gpt-4o-mini:completions")
        def describe() -> list[Any]:
            return ["What is this?", llm.Image.from_url(PNG)]

        describe().text()

    def responses(server: Server) -> None:
        from mirascope import llm

        @llm.call("openai/gpt-4o-mini:responses")
        def answer(question: str) -> str:
            return f"Answer briefly: {question}"

        answer("What is 2 + 2?").text()

    return {
        "chat": chat,
        "stream": stream,
        "tools": tools,
        "structured": structured,
        "vision": vision,
        "responses": responses,
        "responses_tools": lambda server: tools(server, "responses"),
        "responses_structured": lambda server: structured(server, "responses"),
    }


library("mirascope", "mirascope", "openai")(_mirascope())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("library", choices=sorted(LIBRARIES))
    parser.add_argument("--server-python", default=sys.executable, help="Python that runs fakeopenai serve")
    parser.add_argument("--only", nargs="*", help="scenarios to capture (default: all)")
    options = parser.parse_args()
    distributions, scenarios = LIBRARIES[options.library]
    out = HERE / options.library
    out.mkdir(exist_ok=True)
    server = Server(options.server_python)
    os.environ.update(
        {
            "OPENAI_BASE_URL": server.base,
            "OPENAI_API_BASE": server.base,
            "OPENAI_API_KEY": "sk-corpus",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # LiteLLM would fetch its price list from GitHub
            "HAYSTACK_TELEMETRY_ENABLED": "False",
            "DO_NOT_TRACK": "1",
        }
    )
    captured, failed = [], []
    try:
        for name, scenario in scenarios.items():
            if options.only and name not in options.only:
                continue
            server.control("POST", "reset")
            try:
                scenario(server)
            except Exception:
                traceback.print_exc()
                failed.append(name)
                continue
            requests = [
                {"method": item["method"], "endpoint": item["endpoint"], "body": item["json"]}
                for item in server.control("GET", "requests")["data"]
                if item["method"] == "POST" and isinstance(item["json"], dict)
            ]
            if not requests:
                failed.append(name)
                continue
            (out / f"{name}.json").write_text(json.dumps({"scenario": name, "requests": requests}, indent=1) + "\n")
            captured.append(name)
    finally:
        server.close()
    versions = ", ".join(f"{dist} {importlib.metadata.version(dist)}" for dist in distributions)
    note = (
        f"# {options.library}\n\n"
        f"Captured {datetime.date.today().isoformat()} with {versions} on Python {platform.python_version()}\n"
        f"by `python tests/corpus/capture.py {options.library}` (the library talking to `fakeopenai serve`\n"
        f"over loopback; the bodies are what it sent, unchanged). Scenarios: {', '.join(sorted(captured))}.\n"
    )
    if options.only:
        print(note)
    else:
        (out / "NOTE.md").write_text(note)
    print(f"{options.library}: captured {captured}; failed {failed}")


if __name__ == "__main__":
    main()
