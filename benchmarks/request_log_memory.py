"""What the request log costs in memory: bytes kept per recorded request, through the real SDK.

For each kind of call it makes ``--requests`` calls in-process with the log unbounded, then measures
(with ``tracemalloc``) what forgetting them frees: the memory the log holds for that many requests.

    python benchmarks/request_log_memory.py [--requests 10000]
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

import openai

import fakeopenai

HI = [{"role": "user", "content": "Tell me something about the weather in Paris today."}]


def chat(client: openai.OpenAI) -> None:
    client.chat.completions.create(model="gpt-4o-mini", messages=HI)  # type: ignore[arg-type]


def chat_stream(client: openai.OpenAI) -> None:
    for _ in client.chat.completions.create(model="gpt-4o-mini", messages=HI, stream=True):  # type: ignore[arg-type]
        pass


def responses_stream(client: openai.OpenAI) -> None:
    for _ in client.responses.create(model="gpt-4.1", input="Tell me something.", stream=True):
        pass


def embeddings(client: openai.OpenAI) -> None:
    client.embeddings.create(model="text-embedding-3-small", input="Tell me something.")


CALLS: dict[str, Callable[[openai.OpenAI], Any]] = {
    "chat.completions (not streamed)": chat,
    "chat.completions (streamed)": chat_stream,
    "responses (streamed)": responses_stream,
    "embeddings": embeddings,
}


def kept(call: Callable[[openai.OpenAI], Any], requests: int) -> int:
    """Bytes the log holds after ``requests`` calls (what clearing it frees)."""
    fake = fakeopenai.FakeOpenAI(seed=0, keep_requests=None)
    client = openai.OpenAI(api_key="test", http_client=fake.client(), max_retries=0)
    call(client)  # load everything the first call loads before measuring
    fake.requests.clear()
    for _ in range(requests):
        call(client)
    gc.collect()
    with_log = tracemalloc.get_traced_memory()[0]
    fake.requests.clear()
    gc.collect()
    return with_log - tracemalloc.get_traced_memory()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000)
    options = parser.parse_args()
    tracemalloc.start()
    print(f"request log memory for {options.requests:,} requests (fakeopenai keeps 10,000 by default)")
    for name, call in CALLS.items():
        size = kept(call, options.requests)
        print(f"  {name:34} {size / 2**20:7.1f} MiB   {size / options.requests / 1024:5.1f} KiB per request")


if __name__ == "__main__":
    main()
