"""What files and batches cost in-process, through the real SDK.

It times a batch of ``--lines`` chat completion requests from ``files.create`` to ``completed`` (the
lines answered per second, queued replies included), and an upload and download of ``--mib`` MiB
(``files.create`` then ``files.content``). The best of ``--rounds`` counts.

    python benchmarks/batches.py [--lines 1000] [--mib 8] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import time

import openai

import fakeopenai


def batch_seconds(lines: int) -> float:
    fake = fakeopenai.FakeOpenAI(seed=0)
    client = openai.OpenAI(api_key="test", http_client=fake.client(), max_retries=0)
    body = b"".join(
        json.dumps(
            {
                "custom_id": f"r{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"Question {i}"}]},
            }
        ).encode()
        + b"\n"
        for i in range(lines)
    )
    fake.reply("An answer of a few tokens.", times=lines)
    start = time.perf_counter()
    stored = client.files.create(file=("input.jsonl", body), purpose="batch")
    batch = client.batches.create(input_file_id=stored.id, endpoint="/v1/chat/completions", completion_window="24h")
    while batch.status != "completed":
        batch = client.batches.retrieve(batch.id)
    assert client.files.content(batch.output_file_id).content.count(b"\n") == lines
    return time.perf_counter() - start


def file_seconds(mib: int) -> float:
    fake = fakeopenai.FakeOpenAI(seed=0)
    client = openai.OpenAI(api_key="test", http_client=fake.client(), max_retries=0)
    data = bytes(range(256)) * (4096 * mib)
    start = time.perf_counter()
    stored = client.files.create(file=("blob.bin", data), purpose="user_data")
    assert client.files.content(stored.id).content == data
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--mib", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    batch = min(batch_seconds(args.lines) for _ in range(args.rounds))
    blob = min(file_seconds(args.mib) for _ in range(args.rounds))
    print(f"batch of {args.lines} lines, create to completed: {batch * 1000:.0f} ms ({args.lines / batch:.0f} lines/s)")
    print(f"{args.mib} MiB up and down: {blob * 1000:.0f} ms ({2 * args.mib / blob:.0f} MiB/s)")


if __name__ == "__main__":
    main()
