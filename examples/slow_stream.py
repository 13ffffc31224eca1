"""Watch a slow stream arrive token by token, with the time of each token.

Queues one slow reply through the server's control API (``POST /_fakeopenai/replies`` with
``ttft`` and ``token_delay``), then streams it with the OpenAI Python SDK and prints every token as
it arrives, with the seconds since the request was sent::

    python -m fakeopenai serve
    python examples/slow_stream.py                    # 1 s to the first token, then 0.15 s apart
    python examples/slow_stream.py --ttft 2 --token-delay 0.5

The same reply can be queued by hand::

    curl http://127.0.0.1:8080/_fakeopenai/replies -H 'Content-Type: application/json' \\
      -d '{"text": "One token at a time.", "ttft": 1, "token_delay": 0.15}'
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import httpx
from openai import OpenAI

STORY = (
    "Once upon a time, a test suite waited for a model that was never there. "
    "It streamed one token at a time, slowly enough to watch."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Stream a slow reply from the fake server, with timings.")
    parser.add_argument("--base-url", default="http://127.0.0.1:8080/v1", help="the server's API base URL")
    parser.add_argument("--ttft", type=float, default=1.0, help="seconds before the first token (default 1)")
    parser.add_argument("--token-delay", type=float, default=0.15, help="seconds between tokens (default 0.15)")
    parser.add_argument("--text", default=STORY, help="what the model answers")
    options = parser.parse_args(argv)

    server = options.base_url.rstrip("/").removesuffix("/v1")
    queued = httpx.post(
        f"{server}/_fakeopenai/replies",
        json={"text": options.text, "ttft": options.ttft, "token_delay": options.token_delay},
    )
    if queued.status_code != 200:
        print(f"could not queue the reply: HTTP {queued.status_code} {queued.text}", file=sys.stderr)
        return 1

    client = OpenAI(base_url=options.base_url, api_key="sk-fake")
    print(f"queued a reply: first token after {options.ttft:g} s, then one every {options.token_delay:g} s")
    started = time.perf_counter()
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Tell me a story."}], stream=True
    )
    last = started
    tokens = 0
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            now = time.perf_counter()
            print(f"+{now - started:6.3f} s  (gap {now - last:5.3f} s)  {chunk.choices[0].delta.content!r}", flush=True)
            last = now
            tokens += 1
    print(f"{tokens} tokens in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
