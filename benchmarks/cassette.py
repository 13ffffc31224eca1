"""Cassettes: what a replay costs, and how faithfully it keeps a stream's timing.

cost    a 200-token chat stream through the real SDK, answered by a scripted reply (a rule) and by a
        cassette replaying its recording with ``speed=0``; CPU µs per call, best of interleaved rounds.
timing  a 200-token stream recorded from an upstream fake pacing it (``ttft``, ``token_delay``), then
        replayed with ``speed=1``: how far each chunk's arrival at the SDK is from the recorded
        schedule (since the request, so drift accumulates), and each gap from the recorded gap.

    python benchmarks/cassette.py [--calls 200] [--rounds 7] [--token-delay 0.005]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import openai

import fakeopenai

MESSAGES = [{"role": "user", "content": "Tell me something."}]
LONG = " ".join(f"word{i % 50}" for i in range(200))  # 200 tokens once split


def stream(client: openai.OpenAI) -> list[tuple[float, str]]:
    """(arrival time, content) of each content chunk of a streamed answer."""
    started = time.perf_counter()
    out = []
    for chunk in client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True):  # type: ignore[arg-type]
        if chunk.choices and chunk.choices[0].delta.content:
            out.append((time.perf_counter() - started, chunk.choices[0].delta.content))
    return out


def record(path: Path, ttft: float, token_delay: float) -> None:
    upstream = fakeopenai.FakeOpenAI(seed=0)
    upstream.on().reply(LONG, ttft=ttft, token_delay=token_delay)
    with fakeopenai.cassette(path, upstream=upstream, record="all") as fake:
        client = openai.OpenAI(api_key="sk", max_retries=0, http_client=fake.client())
        assert len(stream(client)) >= 200


def cost(path: Path, calls: int, rounds: int) -> None:
    scripted = fakeopenai.FakeOpenAI(seed=0)
    scripted.on().reply(LONG)
    replaying = fakeopenai.FakeOpenAI(seed=0)
    replaying.cassette = fakeopenai.Cassette(path, record="none", allow_repeats=True)
    clients: dict[str, Any] = {
        "scripted reply": openai.OpenAI(api_key="sk", max_retries=0, http_client=scripted.client()),
        "cassette speed=0": openai.OpenAI(api_key="sk", max_retries=0, http_client=replaying.client()),
    }
    best = dict.fromkeys(clients, float("inf"))
    for client in clients.values():
        stream(client)  # warm up
    for _ in range(rounds):
        for name, client in clients.items():
            started = time.process_time()  # CPU time: what the call costs, whatever else the machine runs
            for _ in range(calls):
                stream(client)
            best[name] = min(best[name], (time.process_time() - started) / calls)
    base = best["scripted reply"]
    flavour = fakeopenai.default_flavour()
    print(f"CPU cost of a 200-token stream through the SDK ({flavour}), best of {rounds} interleaved rounds:")
    for name, seconds in best.items():
        print(f"  {name:18} {seconds * 1e6:9.0f} µs/call  ({seconds / base:.2f}x the scripted reply)")
    for fake in (scripted, replaying):
        fake.requests.clear()


def timing(path: Path, runs: int) -> None:
    (recording,) = fakeopenai.Cassette(path, record="none").recordings
    schedule: list[float] = []
    elapsed = recording.delay
    for delay, data in recording.events or ():
        elapsed += delay
        if b'"content":"' in data and b'"content":""' not in data:
            schedule.append(elapsed)
    drift: list[float] = []
    gaps: list[float] = []
    for _ in range(runs):
        fake = fakeopenai.FakeOpenAI()
        fake.cassette = fakeopenai.Cassette(path, record="none", speed=1.0)
        client = openai.OpenAI(api_key="sk", max_retries=0, http_client=fake.client())
        arrivals = [at for at, _ in stream(client)]
        assert len(arrivals) == len(schedule)
        drift += [abs(at - due) for at, due in zip(arrivals, schedule, strict=True)]
        gaps += [
            abs((arrivals[i] - arrivals[i - 1]) - (schedule[i] - schedule[i - 1])) for i in range(1, len(schedule))
        ]
    total = schedule[-1]

    def ms(values: list[float], q: float) -> str:
        return f"{statistics.quantiles(values, n=100)[q - 1] * 1e3:.2f}" if q < 100 else f"{max(values) * 1e3:.2f}"

    print(f"timing of a recorded {len(schedule)}-chunk stream replayed at speed=1 ({total:.2f} s), {runs} runs:")
    print(f"  arrival vs recorded schedule: p50 {ms(drift, 50)} ms, p99 {ms(drift, 99)} ms, max {ms(drift, 100)} ms")
    print(f"  gap vs recorded gap:          p50 {ms(gaps, 50)} ms, p99 {ms(gaps, 99)} ms, max {ms(gaps, 100)} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ttft", type=float, default=0.05)
    parser.add_argument("--token-delay", type=float, default=0.005)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stream.yaml"
        record(path, options.ttft, options.token_delay)
        cost(path, options.calls, options.rounds)
        timing(path, options.runs)


if __name__ == "__main__":
    main()
