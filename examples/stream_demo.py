"""Stream a chat completion from ``python -m fakeopenai serve`` with the OpenAI Python SDK.

Start the server in one terminal, run this in another::

    python -m fakeopenai serve
    python examples/stream_demo.py

The SDK is pointed at the server with ``base_url`` (any key works unless the server was started
with ``--api-key``); nothing else changes compared with talking to the real API.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from openai import OpenAI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Stream a chat completion from the fake server.")
    parser.add_argument("--base-url", default="http://127.0.0.1:8080/v1", help="the server's API base URL")
    parser.add_argument("--api-key", default="sk-fake")
    parser.add_argument("prompt", nargs="?", default="Tell me a joke.")
    options = parser.parse_args(argv)

    client = OpenAI(base_url=options.base_url, api_key=options.api_key)
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": options.prompt}],
        stream=True,
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            print(chunk.choices[0].delta.content, end="", flush=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
