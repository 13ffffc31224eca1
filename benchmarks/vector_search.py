"""What vector store search costs in the fake, through the real SDK, in-process.

A store of ``--files`` documents of ``--words`` random words each (from a 3,000-word vocabulary) is
seeded once; then it times a search of three words (``--calls`` of them, the best of ``--rounds``),
a store retrieve (which reads every file), and a Responses request with the ``file_search`` tool.
The first search of a file cuts and counts its chunks; later searches reuse them.

    python benchmarks/vector_search.py [--files 100] [--words 400] [--calls 50] [--rounds 5]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

import openai

import fakeopenai


def best_of(rounds: int, calls: int, call: Callable[[int], Any]) -> float:
    """The best mean seconds per call over ``rounds`` rounds of ``calls`` calls."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for i in range(calls):
            call(i)
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--words", type=int, default=400)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    rng = random.Random(1)
    vocabulary = [f"w{i}" for i in range(3000)]
    documents = {
        f"doc{i}.txt": " ".join(rng.choice(vocabulary) for _ in range(args.words)).encode() for i in range(args.files)
    }
    fake = fakeopenai.FakeOpenAI(seed=1)
    start = time.perf_counter()
    store = fake.seed("/vector_stores", {"name": "bench"}, files=documents)
    seeded = time.perf_counter() - start
    client = openai.OpenAI(api_key="sk-test", http_client=fake.client(), max_retries=0)
    start = time.perf_counter()
    client.vector_stores.search(store["id"], query="w1 w2 w3")
    first = time.perf_counter() - start

    search = best_of(
        args.rounds, args.calls, lambda i: client.vector_stores.search(store["id"], query=f"w{i} w{i + 7} w{i + 99}")
    )
    retrieve = best_of(args.rounds, args.calls, lambda i: client.vector_stores.retrieve(store["id"]))
    tools = [{"type": "file_search", "vector_store_ids": [store["id"]]}]
    respond = best_of(
        args.rounds,
        args.calls,
        lambda i: client.responses.create(model="gpt-4.1", input=f"w{i} w{i + 3}", tools=tools),  # type: ignore[arg-type]
    )
    print(f"{args.files} files x {args.words} words: seeded in {seeded * 1000:.1f} ms")
    print(f"first search (chunks cut and counted): {first * 1000:.1f} ms")
    print(f"search:                    {search * 1000:.2f} ms per call")
    print(f"store retrieve:            {retrieve * 1000:.2f} ms per call")
    print(f"responses + file_search:   {respond * 1000:.2f} ms per call")


if __name__ == "__main__":
    main()
