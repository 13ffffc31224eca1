"""Check a streamed chat completion end to end, byte for byte, against a running server.

Sends the request the real API documents (as curl would) and checks the server-sent events:

- HTTP 200 with ``content-type: text/event-stream``;
- every event is one ``data:`` line and a blank line; every ``data:`` line but the last is JSON
  that parses as a ``chat.completion.chunk`` (``id``, ``created``, ``model``, ``choices``);
- the first chunk carries ``role: assistant``, one chunk carries a ``finish_reason``;
- the last event is ``data: [DONE]`` and nothing follows it.

Exit status 0 when all hold, 1 with a message saying what broke (2 for bad arguments). Only the
standard library is used, so it checks any OpenAI-compatible server::

    python -m fakeopenai serve &
    python examples/check_stream.py --base-url http://127.0.0.1:8080
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit


class StreamError(Exception):
    """The stream is not what the API sends."""


def lines(response: http.client.HTTPResponse) -> Iterator[bytes]:
    """The body's lines, each with its line end, as they arrive; a last one without, if it has none.

    Read with ``read1`` rather than ``readline``: ``http.client`` takes a broken chunked body for
    its end in ``readline``, and raises ``IncompleteRead`` here.
    """
    buffer = b""
    while piece := response.read1(65536):
        buffer += piece
        *complete, buffer = buffer.split(b"\n")
        for line in complete:
            yield line + b"\n"
    if buffer:
        yield buffer


def events(response: http.client.HTTPResponse) -> Iterator[str]:
    """The ``data:`` payloads of the server-sent events, checking the framing as they arrive."""
    data: list[str] = []
    try:
        for raw in lines(response):
            if not raw.endswith(b"\n"):
                raise StreamError(f"the stream ended in the middle of a line: {raw!r}")
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "":
                if not data:
                    raise StreamError("an empty event (a blank line with no data: line before it)")
                yield "\n".join(data)
                data = []
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])
            elif not line.startswith(":"):  # ":..." is an SSE comment (a keep-alive): allowed, ignored
                raise StreamError(f"a line that is not 'data: ...' in the stream: {line!r}")
    except http.client.IncompleteRead:
        raise StreamError("the connection closed in the middle of the stream (incomplete chunked body)") from None
    if data:
        raise StreamError(f"the stream ended inside an event (no blank line after {data[-1]!r})")


def check_chunk(chunk: Any, index: int) -> None:
    if not isinstance(chunk, dict):
        raise StreamError(f"event {index} is JSON but not an object: {chunk!r}")
    if "error" in chunk:
        raise StreamError(f"event {index} is an error event: {chunk['error']!r}")
    if chunk.get("object") != "chat.completion.chunk":
        raise StreamError(f"event {index} has object {chunk.get('object')!r}, expected 'chat.completion.chunk'")
    for key, kind in (("id", str), ("created", int), ("model", str), ("choices", list)):
        if not isinstance(chunk.get(key), kind):
            raise StreamError(f"event {index}: '{key}' should be a {kind.__name__}, got {chunk.get(key)!r}")


def check(base_url: str, model: str, api_key: str, timeout: float) -> str:
    """Run the request and every check; the streamed text. Raises :class:`StreamError`."""
    url = urlsplit(base_url.rstrip("/"))
    if url.scheme not in ("http", "https") or not url.hostname:
        raise StreamError(f"not an http(s) base URL: {base_url!r}")
    path = url.path if url.path.endswith("/v1") else url.path + "/v1"
    connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(url.hostname, url.port, timeout=timeout)
    body = {"model": model, "messages": [{"role": "user", "content": "Hello!"}], "stream": True}
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    try:
        connection.request("POST", path + "/chat/completions", json.dumps(body), headers)
        response = connection.getresponse()
        content_type = response.getheader("content-type", "")
        if response.status != 200:
            raise StreamError(f"HTTP {response.status}: {response.read()[:500].decode('utf-8', 'replace')}")
        if not content_type.startswith("text/event-stream"):
            raise StreamError(f"content-type is {content_type!r}, expected text/event-stream")
        return check_events(events(response))
    except (OSError, http.client.HTTPException) as exc:  # refused, timed out, connection broken
        raise StreamError(f"{type(exc).__name__}: {exc}") from None
    finally:
        connection.close()


def check_events(payloads: Iterator[str]) -> str:
    text: list[str] = []
    finish_reasons: list[str] = []
    done = False
    count = 0
    for payload in payloads:
        if done:
            raise StreamError(f"data after 'data: [DONE]': {payload!r}")
        if payload == "[DONE]":
            done = True
            continue
        try:
            chunk = json.loads(payload)
        except ValueError:
            raise StreamError(f"event {count} is not JSON: {payload!r}") from None
        check_chunk(chunk, count)
        if count == 0 and not chunk["choices"]:
            raise StreamError("the first chunk has no choices (it should carry role 'assistant')")
        for choice in chunk["choices"]:
            delta = choice.get("delta") or {}
            if count == 0 and delta.get("role") != "assistant":
                raise StreamError(f"the first chunk should carry role 'assistant', got delta {delta!r}")
            text.append(delta.get("content") or "")
            if choice.get("finish_reason"):
                finish_reasons.append(choice["finish_reason"])
        count += 1
    if count == 0:
        raise StreamError("no chunks in the stream")
    if not finish_reasons:
        raise StreamError("no chunk carried a finish_reason")
    if not done:
        raise StreamError("the stream did not end with 'data: [DONE]'")
    return "".join(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8080", help="the server (with or without /v1)")
    parser.add_argument("--model", default="gpt-3.5-turbo")
    parser.add_argument("--api-key", default=os.environ.get("OPENAI_API_KEY", "sk-fake"), help="sent as Bearer")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each read")
    options = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        text = check(options.base_url, options.model, options.api_key, options.timeout)
    except StreamError as error:
        print(f"FAIL: {error}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    print(f"OK: a valid chat.completion.chunk stream ending in [DONE] ({elapsed:.2f} s): {text!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
