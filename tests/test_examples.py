"""The examples in ``examples/`` and the code in ``docs/server.md``, run against a real server.

One ``python -m fakeopenai serve --port 0`` subprocess serves the module; every example runs as a
subprocess with that server's base URL, every curl command in the doc is sent (with httpx, or with
curl itself for the streamed one when curl is installed), every Python block is executed, and both
scenario documents are parsed and played through the SDK.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import random
import re
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from fakeopenai._scenario import load_file, parse_scenario

from .conftest import mid_stream_errors
from .test_server import Cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DOC = ROOT / "docs" / "server.md"
DOC_TEXT = DOC.read_text()
#: The request the issue asks to work, character for character.
ISSUE_CURL = (
    'curl -N http://localhost:8080/v1/chat/completions -H "Content-Type: application/json" -d \'{"model": '
    '"gpt-3.5-turbo", "messages": [{"role": "user", "content": "Hello!"}], "stream": true}\''
)
DOC_ADDRESSES = ("http://127.0.0.1:8080", "http://localhost:8080")


def _load(name: str) -> Any:
    """An example script as a module (to test its checks on streams no server would send)."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_stream = _load("check_stream")


def blocks(language: str, text: str = DOC_TEXT) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def readme_server_section() -> str:
    return (ROOT / "README.md").read_text().split("\n## Server\n", 1)[1].split("\n## ", 1)[0]


@pytest.fixture(scope="module")
def serve() -> Iterator[Cli]:
    running = Cli("--seed", "1")
    yield running
    code, _, err = running.stop()
    assert code == 0, err
    assert "Traceback" not in err, err


@pytest.fixture
def base(serve: Cli) -> str:
    httpx.post(f"{serve.base}/_fakeopenai/reset").raise_for_status()
    return serve.base


def queue(base: str, body: Any) -> None:
    httpx.post(f"{base}/_fakeopenai/replies", json=body).raise_for_status()


def recorded(base: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = httpx.get(f"{base}/_fakeopenai/requests").json()["data"]
    return data


def example(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


# -- examples/ -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/v1"])
def test_check_stream_passes_against_the_server(base: str, suffix: str) -> None:
    queue(base, "Hello from the checker")
    done = example("check_stream.py", "--base-url", base + suffix)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK: a valid chat.completion.chunk stream ending in [DONE]")
    assert "'Hello from the checker'" in done.stdout
    (request,) = recorded(base)
    assert request["json"]["stream"] is True
    assert request["json"]["model"] == "gpt-3.5-turbo"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"text": "a b c d", "error_after": 2, "error_message": "overloaded"}, "FAIL: event 2 is an error event"),
        ({"text": "a b c d", "drop_after": 2}, "FAIL: the connection closed in the middle of the stream"),
    ],
    ids=["error-event", "dropped"],
)
def test_check_stream_fails_on_a_broken_stream(base: str, reply: dict[str, Any], message: str) -> None:
    queue(base, reply)
    done = example("check_stream.py", "--base-url", base)
    assert done.returncode == 1
    assert done.stderr.startswith(message), done.stderr
    assert done.stdout == ""


def test_check_stream_fails_when_nothing_listens() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = example("check_stream.py", "--base-url", f"http://127.0.0.1:{port}", "--timeout", "5")
    assert done.returncode == 1
    assert done.stderr.startswith("FAIL: ConnectionRefusedError")


CHUNK = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m"}


def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    return json.dumps({**CHUNK, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})


GOOD = [chunk({"role": "assistant", "content": ""}), chunk({"content": "Hi"}), chunk({}, "stop"), "[DONE]"]


@pytest.mark.parametrize(
    ("payloads", "problem"),
    [
        (GOOD[:-1], "did not end with 'data: [DONE]'"),
        ([*GOOD, chunk({"content": "late"})], "data after 'data: [DONE]'"),
        ([GOOD[0], "{not json", *GOOD[2:]], "event 1 is not JSON"),
        ([GOOD[0], json.dumps({**json.loads(GOOD[1]), "object": "chat.completion"}), *GOOD[2:]], "has object"),
        ([chunk({"content": "Hi"}), *GOOD[2:]], "the first chunk should carry role 'assistant'"),
        ([*GOOD[:2], "[DONE]"], "no chunk carried a finish_reason"),
        ([json.dumps({**CHUNK, "created": "now", "choices": []})], "'created' should be a int"),
        (["[DONE]"], "no chunks in the stream"),
    ],
)
def test_check_stream_names_what_is_wrong(payloads: list[str], problem: str) -> None:
    assert check_stream.check_events(iter(GOOD)) == "Hi"
    with pytest.raises(check_stream.StreamError, match=re.escape(problem)):
        check_stream.check_events(iter(payloads))


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"data: {}\n\nevent: x\ndata: {}\n\n", "a line that is not 'data: ...'"),
        (b"data: {}\n\ndata: [DONE]", "the stream ended in the middle of a line"),
        (b"data: {}\n", "the stream ended inside an event"),
        (b"\n\n", "an empty event"),
    ],
)
def test_check_stream_checks_the_sse_framing(raw: bytes, problem: str) -> None:
    assert list(check_stream.events(io.BytesIO(b": keep-alive\ndata: {}\n\ndata: [DONE]\n\n"))) == ["{}", "[DONE]"]  # type: ignore[arg-type]
    with pytest.raises(check_stream.StreamError, match=re.escape(problem)):
        list(check_stream.events(io.BytesIO(raw)))  # type: ignore[arg-type]


def test_stream_demo_prints_the_reply(base: str) -> None:
    queue(base, "Hello from the demo!")
    done = example("stream_demo.py", "--base-url", f"{base}/v1", "Say hello")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Hello from the demo!\n"
    (request,) = recorded(base)
    assert request["json"]["messages"] == [{"role": "user", "content": "Say hello"}]
    assert request["stream"] is True


def test_slow_stream_prints_each_token_with_its_time(base: str) -> None:
    done = example(
        "slow_stream.py", "--base-url", f"{base}/v1", "--ttft", "0.05", "--token-delay", "0.01", "--text", "one two"
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "queued a reply: first token after 0.05 s, then one every 0.01 s"
    timed = [re.fullmatch(r"\+ *(\d+\.\d{3}) s  \(gap +\d+\.\d{3} s\)  '(.*)'", line) for line in lines[1:-1]]
    assert all(timed), lines
    assert [m.group(2) for m in timed if m] == ["one", " two"]
    times = [float(m.group(1)) for m in timed if m]
    assert times == sorted(times)
    assert re.fullmatch(r"2 tokens in \d+\.\d\d s", lines[-1])
    assert [r["endpoint"] for r in recorded(base)] == ["/chat/completions"]


def test_slow_stream_says_when_it_cannot_queue(base: str) -> None:
    done = example("slow_stream.py", "--base-url", f"{base}/v1", "--ttft", "-1")
    assert done.returncode == 1
    assert "could not queue the reply: HTTP 400" in done.stderr
    assert "ttft" in done.stderr


# -- curl ------------------------------------------------------------------------------------------


def test_the_issue_curl_command_is_in_the_doc() -> None:
    assert ISSUE_CURL in DOC_TEXT


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_issue_curl_command_streams(base: str) -> None:
    queue(base, "Hello from curl!")
    port = base.rsplit(":", 1)[1]
    command = shlex.split(ISSUE_CURL.replace("localhost:8080", f"127.0.0.1:{port}"))
    done = subprocess.run([*command, "--silent", "--show-error"], capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(b"data: [DONE]\n\n")
    text = check_stream.check_events(check_stream.events(io.BytesIO(done.stdout)))  # type: ignore[arg-type]
    assert text == "Hello from curl!"
    (request,) = recorded(base)
    assert request["headers"]["user-agent"].startswith("curl/")


def curl_commands(text: str = DOC_TEXT) -> list[list[str]]:
    """Every curl command of the bash blocks in ``text``, split as the shell would."""
    commands = []
    for block in blocks("bash", text):
        pending = ""
        for line in block.replace("\\\n", " ").splitlines():
            pending += line + "\n"
            try:
                words = shlex.split(pending, comments=True)
            except ValueError:  # an open quote: the command goes on
                continue
            pending = ""
            if words and words[0] == "curl":
                commands.append(words)
    return commands


def run_curl(words: list[str], base: str) -> httpx.Response:
    """The request a curl command line sends, sent with httpx."""
    method, url, headers, data = None, None, {}, None
    args = iter(words[1:])
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, _, value = next(args).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            data = next(args)
        elif arg.startswith("http"):
            url = arg
        else:
            assert arg in ("-N", "-s", "-sS"), f"a curl option the test does not know: {arg}"
    assert url is not None and url.startswith(DOC_ADDRESSES), url
    for address in DOC_ADDRESSES:
        url = url.replace(address, base)
    return httpx.request(method or ("POST" if data is not None else "GET"), url, headers=headers, content=data)


def test_every_curl_command_in_the_doc_works(base: str) -> None:
    commands = curl_commands()
    assert len(commands) >= 10
    for words in commands:
        response = run_curl(words, base)
        assert response.status_code == 200, (words, response.text)
        if response.headers["content-type"].startswith("text/event-stream"):
            assert response.text.endswith("data: [DONE]\n\n")
            continue
        answer = response.json()
        assert answer["object"].startswith(("fakeopenai.", "list")), response.text
        if answer["object"] == "fakeopenai.scripted":  # as many entries as the body has objects
            sent = json.loads(words[words.index("-d") + 1])
            assert answer["added"] == (len(sent) if isinstance(sent, list) else 1)


def test_the_readme_curl_command_queues_a_reply(base: str) -> None:
    (words,) = curl_commands(readme_server_section())
    assert run_curl(words, base).json()["added"] == 1
    with openai.OpenAI(base_url=f"{base}/v1", api_key="sk-fake", max_retries=0) as client:
        answer = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}])
    assert answer.choices[0].message.content == "Hi!"


def test_doc_curl_examples_queue_what_they_say(base: str) -> None:
    by_path: dict[str, list[list[str]]] = {}
    for words in curl_commands():
        url = next(w for w in words if w.startswith("http"))
        by_path.setdefault(url.split("8080", 1)[1], []).append(words)
    for words in by_path["/_fakeopenai/replies"][:1]:
        run_curl(words, base)
    with openai.OpenAI(base_url=f"{base}/v1", api_key="sk-fake", max_retries=0) as client:
        answer = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
        assert answer.choices[0].message.content == "Hello from the fake!"
        run_curl(by_path["/_fakeopenai/failures"][0], base)  # two 503s
        for _ in range(2):
            with pytest.raises(openai.InternalServerError):
                client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
        run_curl(by_path["/_fakeopenai/rules"][0], base)
        weather = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "weather?"}])
        assert weather.choices[0].message.tool_calls[0].function.name == "get_weather"
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(model="o3-mini", messages=[{"role": "user", "content": "Hi"}])
        run_curl(by_path["/_fakeopenai/replies"][2], base)  # the faults
        stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}], stream=True)
        with pytest.raises(mid_stream_errors("drop")):
            list(stream)
        stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}], stream=True)
        with pytest.raises(openai.APIError, match="Model overloaded"):
            list(stream)
    assert [r["status"] for r in recorded(base)] == [200, 503, 503, 200, 429, 200, 200]


# -- the doc's Python, scenarios and Node snippet ----------------------------------------------------


def test_doc_python_blocks_run(base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code_blocks = blocks("python")
    assert len(code_blocks) >= 3
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    for code in code_blocks:
        code = code.replace("http://127.0.0.1:8080", base)
        exec(compile(code, str(DOC), "exec"), {"__name__": "docs"})


def doc_scenario(index: int, tmp_path: Path) -> dict[str, Any]:
    """The ``index``-th scenario of the doc, checking that its YAML and JSON forms say the same."""
    yaml_texts, json_texts = blocks("yaml"), blocks("json")
    assert len(yaml_texts) == len(json_texts) == 2
    document: dict[str, Any] = json.loads(json_texts[index])
    parse_scenario(document)  # valid as it stands
    if importlib.util.find_spec("yaml") is not None:  # PyYAML (a dev dependency) reads the YAML one
        path = tmp_path / "scenario.yaml"
        path.write_text(yaml_texts[index])
        assert load_file(path) == document
    return document


def test_doc_scenarios_agree_and_play_through_the_sdk(base: str, tmp_path: Path) -> None:
    document = doc_scenario(0, tmp_path)
    httpx.post(f"{base}/_fakeopenai/scenario", json=document).raise_for_status()
    hi = [{"role": "user", "content": "Hi"}]
    with openai.OpenAI(base_url=f"{base}/v1", api_key="sk-fake", max_retries=2) as client:
        stream = client.chat.completions.create(model="gpt-4o-mini", messages=hi, stream=True)  # 503, 503, then
        with pytest.raises(mid_stream_errors("drop")):
            list(stream)  # the stream that breaks
        weather = client.chat.completions.create(model="o3", messages=[{"role": "user", "content": "weather?"}])
        assert weather.choices[0].message.tool_calls[0].function.arguments == '{"city":"Paris"}'
        hello = client.chat.completions.create(model="gpt-4o-mini", messages=hi, stream=True)
        assert "".join(c.choices[0].delta.content or "" for c in hello if c.choices) == "Hello from the scenario!"
        embedding = client.embeddings.create(model="text-embedding-3-small", input="x")  # 429, 429, then
        assert embedding.data[0].embedding
    statuses = [(r["endpoint"], r["status"]) for r in recorded(base)]
    assert statuses == [
        *[("/chat/completions", 503)] * 2,
        *[("/chat/completions", 200)] * 3,
        *[("/embeddings", 429)] * 2,
        ("/embeddings", 200),
    ]


def test_doc_flaky_scenario_plays_through_the_sdk(base: str, tmp_path: Path) -> None:
    document = doc_scenario(1, tmp_path)
    assert httpx.post(f"{base}/_fakeopenai/scenario", json=document).json()["added"] == 3
    draws = random.Random(42)  # the failure rate's seed: each admitted generation request draws once
    hi = [{"role": "user", "content": "Hi"}]
    with openai.OpenAI(base_url=f"{base}/v1", api_key="sk-fake", max_retries=0) as client:
        for model in ["gpt-4o-mini"] * 4 + ["o3-mini"] * 5:  # the rate limit is for the gpt-4o family only
            try:
                answer = client.chat.completions.create(model=model, messages=hi)
                assert answer.choices[0].message.content == "Hello from a flaky server"
            except (openai.RateLimitError, openai.InternalServerError):
                pass
    statuses = [r["status"] for r in recorded(base)]
    expected = [503 if draws.random() < 0.25 else 200 for _ in range(8)]
    assert statuses == [*expected[:3], 429, *expected[3:]]
    assert 503 in statuses[:3] and 503 in statuses[4:] and 200 in statuses  # seed 42 shows both
    httpx.post(f"{base}/_fakeopenai/reset").raise_for_status()
    assert httpx.get(f"{base}/_fakeopenai/rate_limit").json()["rpm"] is None  # the doc's server has no --rpm


def test_doc_rate_limit_and_fail_rate_curls_do_what_they_say(base: str) -> None:
    by_path: dict[str, list[list[str]]] = {}
    for words in curl_commands():
        url = next(w for w in words if w.startswith("http"))
        by_path.setdefault(url.split("8080", 1)[1], []).append(words)
    set_limit, lift = by_path["/_fakeopenai/rate_limit"]
    (read,) = by_path["/_fakeopenai/rate_limit?model=gpt-4o-mini"]
    add_rate, clear_rates = by_path["/_fakeopenai/fail_rate"]
    hi = [{"role": "user", "content": "Hi"}]
    with openai.OpenAI(base_url=f"{base}/v1", api_key="sk-fake", max_retries=0) as client:
        assert run_curl(set_limit, base).json()["rpm"] == 2
        assert run_curl(read, base).json()["remaining"] == {"gpt-4o-mini": {"requests": 2, "tokens": None}}
        for remaining in ["1", "0"]:
            raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=hi)
            assert raw.headers["x-ratelimit-remaining-requests"] == remaining
        with pytest.raises(openai.RateLimitError, match=r"Limit 2, Used 2, Requested 1\. Please try again in"):
            client.chat.completions.create(model="gpt-4o-mini", messages=hi)
        assert client.chat.completions.create(model="o3", messages=hi).choices[0].message.content  # not gpt-4o*
        assert run_curl(read, base).json()["remaining"] == {"gpt-4o-mini": {"requests": 0, "tokens": None}}
        assert run_curl(lift, base).json()["rpm"] is None
        assert client.chat.completions.create(model="gpt-4o-mini", messages=hi).choices[0].message.content
        assert run_curl(add_rate, base).json()["added"] == 1
        draws = random.Random(42)
        expected = [503 if draws.random() < 0.25 else 200 for _ in range(12)]
        for _ in range(12):
            try:
                client.chat.completions.create(model="gpt-4o-mini", messages=hi)
            except openai.InternalServerError as error:
                assert error.response.headers["retry-after-ms"] == "10"  # noqa: PT017
        assert run_curl(clear_rates, base).json()["deleted"] == 1
        assert client.chat.completions.create(model="gpt-4o-mini", messages=hi).choices[0].message.content
    statuses = [r["status"] for r in recorded(base)]
    assert statuses == [200, 200, 429, 200, 200, *expected, 200]
    assert 503 in expected


def node_modules() -> Path | None:
    """A node_modules folder holding the ``openai`` npm package, if there is one."""
    node, npm = shutil.which("node"), shutil.which("npm")
    candidates = [os.environ.get("FAKEOPENAI_NODE_MODULES", "")]
    if node and npm:
        found = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, timeout=30)
        candidates.append(found.stdout.strip())
    for candidate in candidates:
        if candidate and (Path(candidate) / "openai" / "package.json").exists():
            return Path(candidate)
    return None


def test_doc_node_snippet_streams(base: str, tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    modules = node_modules()
    if modules is None:
        pytest.skip("the openai npm package is not installed (npm install -g openai, or FAKEOPENAI_NODE_MODULES)")
    (snippet,) = blocks("js")
    (tmp_path / "node_modules").symlink_to(modules)
    script = tmp_path / "stream.mjs"
    script.write_text(snippet.replace("http://127.0.0.1:8080", base))
    queue(base, "Hello from Node!")
    done = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Hello from Node!\n"
    (request,) = recorded(base)
    assert request["headers"]["user-agent"].startswith("OpenAI/JS")


def test_docs_are_linked() -> None:
    assert "(server.md)" in (ROOT / "docs" / "index.md").read_text()
    section = readme_server_section()
    assert "python -m fakeopenai serve" in section
    assert "(docs/server.md)" in section
    assert "http://127.0.0.1:8080/v1" in section
