"""The inspector page and the control API's index and event feed, against a real ``serve``.

The feed and the index are checked over HTTP; the page is driven in a real headless Chromium (the
Debian package, driven by Selenium through its ``chromedriver``): requests sent with the SDK appear,
one opens to show its body and its stream's events with their timing, the reset button clears all.
The browser test skips, saying why, only where no Chromium can be found (``scripts/test`` installs it
with apt-get when it can).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from fakeopenai.server import _control, _inspector

from .test_server import Cli

pytest.importorskip("uvicorn")

HI = [{"role": "user", "content": "Hi"}]


@pytest.fixture(scope="module")
def served() -> Iterator[Cli]:
    running = Cli("--seed", "3")
    yield running
    code, _, err = running.stop()
    assert code == 0, err
    assert "Traceback" not in err, err


@pytest.fixture
def base(served: Cli) -> str:
    httpx.post(f"{served.base}/_fakeopenai/reset").raise_for_status()
    return served.base


def control(base: str, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{base}/_fakeopenai{path}", json=body)
    response.raise_for_status()
    return response.json()


def feed_events(
    base: str, count: int, *, query: str = "", headers: dict[str, str] | None = None
) -> list[tuple[str, Any]]:
    """The first ``count`` events of ``GET /_fakeopenai/events`` as (event, data) pairs."""
    found: list[tuple[str, Any]] = []
    with httpx.stream("GET", f"{base}/_fakeopenai/events{query}", headers=headers, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = "message"
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                found.append((name, json.loads(line[6:])))
                name = "message"
                if len(found) == count:
                    break
    return found


# -- the index -------------------------------------------------------------------------------------


def test_the_index_lists_every_control_route(base: str) -> None:
    index = control(base, "GET", "/")
    assert index["object"] == "fakeopenai.index"
    listed = {(route["method"], route["path"]) for route in index["routes"]}
    expected = {(method, "/_fakeopenai" + path) for method, path in _control._ROUTES}
    expected |= {(method, "/_fakeopenai" + path) for method, path, _ in _inspector.ROUTES}
    assert listed == expected
    assert ("GET", "/_fakeopenai/events") in listed and ("POST", "/_fakeopenai/reset") in listed
    assert all(route["description"] for route in index["routes"])
    assert control(base, "GET", "/status")["routes"] == index["routes"]
    assert httpx.get(f"{base}/_fakeopenai", headers={"Accept": "application/json"}).json() == index


def test_a_browser_gets_the_page(base: str) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = httpx.get(f"{base}/_fakeopenai/", headers=browser)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>fakeopenai inspector</title>" in page.text
    assert "http://" not in page.text.replace('http://" +', "") and "https://" not in page.text  # nothing external
    assert httpx.get(f"{base}/_fakeopenai/", headers={**browser, "Accept": "application/json"}).json()["routes"]


def test_the_script_route_shows_the_queue_rules_and_limits(base: str) -> None:
    control(base, "POST", "/replies", [{"text": "first"}, {"text": "second", "times": 2}])
    control(base, "POST", "/rules", {"match": {"model": "o3*"}, "fail": {"status": 429}})
    control(base, "POST", "/rate_limit", {"rpm": 5})
    control(base, "POST", "/fail_rate", {"rate": 0.5, "status": 503, "seed": 1})
    script = control(base, "GET", "/script")
    assert [entry["answer"] for entry in script["queue"]] == ["Reply(text='first')", "Reply(text='second')"]
    assert [entry["times"] for entry in script["queue"]] == [1, 2]
    assert script["rules"] == [{"answer": "Failure(status=429)", "match": {"model": "'o3*'"}, "times": None}]
    assert script["fail_rates"] == [{"failure": "Failure(status=503)", "match": {}, "rate": 0.5}]
    assert script["rate_limit"]["rpm"] == 5
    control(base, "POST", "/reset")
    assert control(base, "GET", "/script")["queue"] == []


# -- the feed --------------------------------------------------------------------------------------


def test_the_feed_sends_each_request_with_its_stream_events(base: str) -> None:
    control(base, "POST", "/replies", {"text": "one two three", "token_delay": 0.01, "ttft": 0.02})
    with openai.OpenAI(base_url=f"{base}/v1", api_key="sk-test", max_retries=0) as client:
        stream = client.chat.completions.create(model="gpt-4o-mini", messages=HI, stream=True)
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
        client.embeddings.create(model="text-embedding-3-small", input="cat")
    assert text == "one two three"
    (chat, embedding, script) = feed_events(base, 3)  # the backlog of requests first, then the script
    assert script[0] == "script"
    assert chat[0] == embedding[0] == "request"
    chat_request, embedding_request = chat[1], embedding[1]
    assert (chat_request["seq"], embedding_request["seq"]) == (1, 2)
    assert chat_request["json"]["messages"] == HI and chat_request["model"] == "gpt-4o-mini"
    assert chat_request["status"] == 200 and chat_request["time"] > 0
    response = chat_request["response"]
    assert response["read_to_end"] is True
    events = response["events"]
    assert len(events) == response["event_count"] >= 5
    assert events[-1]["data"] == "data: [DONE]"
    chunks = [json.loads(event["data"].removeprefix("data: ")) for event in events[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]) == "one two three"
    times = [event["at"] for event in events]
    assert times == sorted(times) and times[0] >= 0.02 and response["duration"] == times[-1]
    assert embedding_request["response"]["body"].startswith("{")
    assert "events" not in embedding_request["response"]


def test_a_long_backlog_arrives_whole_and_in_order(base: str) -> None:
    count = 2 * _inspector.BATCH + 5  # more than one look sends
    with httpx.Client(base_url=base) as client:
        for index in range(count):
            client.get(f"/v1/models?n={index}").raise_for_status()
    events = feed_events(base, count + 1)
    requests = [data for name, data in events if name == "request"]
    assert [request["seq"] for request in requests] == list(range(1, count + 1))
    assert [request["query"]["n"] for request in requests] == [str(index) for index in range(count)]


def test_the_feed_goes_on_with_new_requests_and_tells_of_resets(base: str) -> None:
    with httpx.stream("GET", f"{base}/_fakeopenai/events", timeout=10) as response:
        lines = response.iter_lines()

        def next_event() -> tuple[str, Any]:
            name = "message"
            for line in lines:
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    return name, json.loads(line[6:])
            raise AssertionError("the feed ended")

        assert next_event()[0] == "script"
        control(base, "POST", "/replies", {"text": "queued"})
        event, data = next_event()
        assert event == "script" and data["queue"][0]["answer"] == "Reply(text='queued')"
        with openai.OpenAI(base_url=f"{base}/v1", api_key="sk-test", max_retries=0) as client:
            client.chat.completions.create(model="m", messages=HI)
        got = dict([next_event(), next_event()])  # the request, and the queue now empty (in either order)
        assert got["request"]["response"]["status"] == 200 and got["script"]["queue"] == []
        control(base, "POST", "/reset")
        assert next_event() == ("reset", {"object": "fakeopenai.reset"})


def test_with_an_api_key_the_feed_takes_it_in_the_query(served: Cli) -> None:
    keyed = Cli("--api-key", "sk-secret")
    try:
        assert httpx.get(f"{keyed.base}/_fakeopenai/events").status_code == 401
        assert httpx.get(f"{keyed.base}/_fakeopenai/events?key=wrong").status_code == 401
        assert feed_events(keyed.base, 1, query="?key=sk-secret")[0][0] == "script"
        assert feed_events(keyed.base, 1, headers={"Authorization": "Bearer sk-secret"})[0][0] == "script"
        page = httpx.get(f"{keyed.base}/_fakeopenai/", headers={"Accept": "text/html"})
        assert page.status_code == 200  # the page holds nothing of the fake's: it needs no key
        assert httpx.get(f"{keyed.base}/_fakeopenai/").status_code == 401  # the JSON index does
    finally:
        keyed.stop()


# -- the page, in a real browser -------------------------------------------------------------------

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,900",
]


def _browser_or_skip() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.skip(
            "no Chromium to drive: install Debian's packages (apt-get install chromium chromium-driver); "
            "scripts/test does when apt-get is there"
        )
    pytest.importorskip("selenium", reason="selenium (the [dev] extra) drives the browser")
    return chromium, driver


@pytest.fixture
def browser() -> Iterator[Any]:
    chromium, driver_path = _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="fakeopenai-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def test_the_page_shows_requests_live_and_resets(base: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 15, poll_frequency=0.05)

    def texts(selector: str) -> list[str]:  # read in one go: the page replaces rows as they change
        script = "return [...document.querySelectorAll(arguments[0])].map((e) => e.innerText.trim())"
        found: list[str] = browser.execute_script(script, selector)
        return found

    def row(seq: int) -> Any:
        return browser.find_element(By.CSS_SELECTOR, f'#requests tbody tr[data-seq="{seq}"]')

    browser.get(f"{base}/_fakeopenai/")
    wait.until(lambda _: browser.find_element(By.ID, "connection").text == "live")
    assert texts("#requests tbody tr") == []
    assert browser.find_element(By.ID, "no-requests").is_displayed()

    # What is scripted shows before any request: the queue, a rule, the rate limit.
    control(base, "POST", "/replies", {"text": "Hello, browser!", "token_delay": 0.02})
    control(base, "POST", "/rules", {"match": {"model": "o3*"}, "reply": {"text": "a rule"}})
    control(base, "POST", "/rate_limit", {"rpm": 50})
    wait.until(lambda _: texts("#queue li") == ["Reply(text='Hello, browser!', token_delay=0.02)"])
    wait.until(lambda _: texts("#rules li") == ["Reply(text='a rule') when model='o3*'"])
    wait.until(lambda _: texts("#rate-limit")[0].startswith("rpm 50"))  # each may come with a later update

    # Requests sent with the SDK appear as they arrive, newest first.
    with openai.OpenAI(base_url=f"{base}/v1", api_key="sk-test", max_retries=0) as client:
        stream = client.chat.completions.create(model="gpt-4o-mini", messages=HI, stream=True)
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Hello, browser!"
        wait.until(lambda _: len(texts("#requests tbody tr")) == 1)
        wait.until(lambda _: texts("#queue li") == ["none"])  # the queued reply was used
        answer = client.responses.create(model="o3-mini", input="Which rule?")
        assert answer.output_text == "a rule"
    wait.until(lambda _: len(texts("#requests tbody tr")) == 2)
    wait.until(lambda _: "read: " in texts("#requests tbody tr")[1])  # the stream, once its last byte went out
    responses_row, chat_row = texts("#requests tbody tr")  # newest first
    assert "POST\t/v1/responses\to3-mini\t200" in responses_row
    assert "POST\t/v1/chat/completions\tgpt-4o-mini\t200" in chat_row
    assert browser.find_element(By.ID, "count").text == "2 requests"

    # Open the stream: its body, then each event with the time it was due, and the timeline.
    row(1).click()
    wait.until(lambda _: browser.find_elements(By.CSS_SELECTOR, "#events li"))
    assert browser.find_element(By.ID, "detail-line").text.startswith("POST /v1/chat/completions")
    assert json.loads(browser.find_element(By.ID, "request-body").text)["messages"] == HI
    stamps = [float(text.strip("+ ms")) for text in texts("#events .at")]
    data = texts("#events code")
    events = texts("#events li")
    assert len(stamps) == len(data) == len(events)
    assert data[-1] == "data: [DONE]"
    assert '"object":"chat.completion.chunk"' in data[0]
    assert stamps == sorted(stamps) and stamps[-1] >= 20 * 2  # three tokens, 20 ms apart
    assert len(browser.find_elements(By.CSS_SELECTOR, "#timeline .tick")) == len(events)
    assert browser.find_element(By.ID, "answer-line").text.startswith("200")

    # The non-streamed answer shows its body.
    row(2).click()
    wait.until(lambda _: browser.find_elements(By.ID, "response-body"))
    assert json.loads(browser.find_element(By.ID, "response-body").text)["object"] == "response"

    # Reset: the page and the server forget everything; the feed goes on.
    browser.find_element(By.ID, "reset").click()
    wait.until(lambda _: texts("#requests tbody tr") == [])
    assert control(base, "GET", "/requests")["data"] == []
    wait.until(lambda _: texts("#rules li") == ["none"] and browser.find_element(By.ID, "rate-limit").text == "none")
    assert "Select a request" in browser.find_element(By.ID, "detail").text
    httpx.get(f"{base}/v1/models").raise_for_status()
    wait.until(lambda _: len(texts("#requests tbody tr")) == 1)
    assert "GET\t/v1/models\t\t200" in texts("#requests tbody tr")[0]
