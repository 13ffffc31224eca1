"""``python -m fakeopenai demo``: a joke streamed through the real openai SDK, token by token."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

JOKE = (
    "Why did the unit test bring a fake to the party? Because the real API was rate limited, "
    "the network was down, and the fake never once told the same joke differently."
)


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakeopenai demo", description=__doc__)
    parser.add_argument("--token-delay", type=float, default=0.045, help="seconds between tokens")
    parser.add_argument("--ttft", type=float, default=0.4, help="seconds before the first token")
    options = parser.parse_args(list(argv))

    from openai import OpenAI

    import fakeopenai

    fake = fakeopenai.FakeOpenAI()
    client = OpenAI(api_key="sk-demo", http_client=fake.client())
    fake.reply(JOKE, ttft=options.ttft, token_delay=options.token_delay)

    out = sys.stdout
    out.write("user> Tell me a joke about testing.\nfake> ")
    out.flush()
    started = time.perf_counter()
    first: float | None = None
    chunks = 0
    usage = None
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Tell me a joke about testing."}],
        stream=True,
        stream_options={"include_usage": True},
    )
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                first = first if first is not None else time.perf_counter() - started
                chunks += 1
                out.write(choice.delta.content)
                out.flush()
    elapsed = time.perf_counter() - started
    tokens = usage.completion_tokens if usage else chunks
    sent = fake.requests.last
    print(
        f"\n\n{chunks} chunks, {tokens} completion tokens in {elapsed:.2f}s "
        f"(first token after {first or 0:.2f}s) via {type(client._client).__module__.split('.')[0]}, "
        f"openai {__import__('openai').__version__}; request {sent.method} {sent.path} -> {sent.status}, "
        "no network used."
    )
    return 0
