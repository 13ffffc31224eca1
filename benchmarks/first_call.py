"""What the first call of each API family costs in a fresh process, on top of the SDK's own first call.

The SDK's first call of a family is slow by itself (it builds the pydantic models of the answer's
types); the fake's first call may add its own one-off work (loading the endpoint module, building
the request validator, reading the SDK's resource sources for a generated route). For each family,
in fresh interpreters, it times the first call:
  floor       the SDK over the stack's MockTransport returning the bytes the fake answered (recorded
              beforehand), so only the SDK's own first-call cost is in it
  fakeopenai  the SDK over fakeopenai's transport; "in the fake" is the part of it spent inside
              ``FakeOpenAI.handle`` (the core's own first-call work, timed directly: steadier than
              the difference of two medians on a noisy machine)
Imports and client construction happen before the clock starts; calls a family needs first (a file
before a batch) are made untimed. Modules load from compiled bytecode (a private cache, written by
a first, uncounted run), as after a wheel install. The median of ``--runs`` fresh processes counts.

    python benchmarks/first_call.py [--runs 5] [--family chat ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

BATCH_LINE = (
    b'{"custom_id":"a","method":"POST","url":"/v1/chat/completions",'
    b'"body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}}\n'
)


def _file(client: Any) -> Any:
    return client.files.create(file=("lines.jsonl", BATCH_LINE), purpose="batch")


#: family -> (untimed setup calls, the timed call); each gets the client and the setup's results.
FAMILIES: dict[str, tuple[list[Callable[[Any], Any]], Callable[[Any, list[Any]], Any]]] = {
    "chat": (
        [],
        lambda c, _: c.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]),
    ),
    "responses": ([], lambda c, _: c.responses.create(model="gpt-4o-mini", input="Hi")),
    "embeddings": ([], lambda c, _: c.embeddings.create(model="text-embedding-3-small", input="Hi")),
    "files": ([], lambda c, _: _file(c)),
    "batches": (
        [_file],
        lambda c, made: c.batches.create(
            input_file_id=made[0].id, endpoint="/v1/chat/completions", completion_window="24h"
        ),
    ),
    "images": ([], lambda c, _: c.images.generate(model="gpt-image-1", prompt="a cat")),
    "audio": ([], lambda c, _: c.audio.speech.create(model="gpt-4o-mini-tts", voice="alloy", input="Hi").read()),
    "vector_stores": ([], lambda c, _: c.vector_stores.create(name="docs")),
    "assistants": ([], lambda c, _: c.beta.assistants.create(model="gpt-4o-mini")),
}


def child(family: str, mode: str, recorded: str) -> None:
    """One fresh process: build the client, make the setup calls, time the family's first call."""
    import openai

    import fakeopenai

    setup, timed = FAMILIES[family]
    flavour = fakeopenai.default_flavour()
    if mode == "floor":
        module = __import__(flavour)
        answers = {tuple(key.split(" ", 1)): value for key, value in json.loads(recorded).items()}

        def answer(request: Any) -> Any:
            status, headers, body = answers[(request.method, request.url.path)]
            return module.Response(status, headers=headers, content=body.encode("latin-1"))

        http_client = module.Client(transport=module.MockTransport(answer))
    else:
        fake = fakeopenai.FakeOpenAI(seed=0)
        handle = fake.handle

        def timed_handle(request: Any) -> Any:  # the fake's own share: from the request to its answer
            began = time.perf_counter()
            try:
                return handle(request)
            finally:
                spent[0] += time.perf_counter() - began

        fake.handle = timed_handle  # type: ignore[method-assign]
        http_client = fake.client(flavour)
    spent = [0.0]
    client = openai.OpenAI(api_key="sk", max_retries=0, http_client=http_client)
    made = [call(client) for call in setup]
    spent[0] = 0.0
    start = time.perf_counter()
    timed(client, made)
    print(time.perf_counter() - start, spent[0])


def record(family: str) -> str:
    """The fake's answers to a family's calls, by ``METHOD path``, for the floor to replay."""
    import openai

    import fakeopenai

    fake = fakeopenai.FakeOpenAI(seed=0)
    client = openai.OpenAI(api_key="sk", max_retries=0, http_client=fake.client())
    setup, timed = FAMILIES[family]
    timed(client, [call(client) for call in setup])
    out = {}
    for request in fake.requests:
        response = request.response
        assert response is not None, request.endpoint
        assert response.events is None, request.endpoint
        if response.status >= 400:
            raise SystemExit(f"{family}: the fake answered {request.method} {request.path} with {response.status}")
        path = request.path.split("?", 1)[0]
        out[f"{request.method} {path}"] = (response.status, list(response.headers), response.body.decode("latin-1"))
    return json.dumps(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per figure (the median counts)")
    parser.add_argument("--family", action="append", choices=list(FAMILIES), help="default: all")
    parser.add_argument("--child", nargs=3, metavar=("FAMILY", "MODE", "RECORDED"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(*options.child)
        return 0
    import openai

    print(f"openai {openai.__version__}; first call in a fresh process, median of {options.runs} (ms)")
    print(f"{'family':16}{'floor':>9}{'fakeopenai':>12}{'added':>9}{'in the fake':>12}")
    worst = 0.0
    cache = tempfile.TemporaryDirectory()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache.name
    for family in options.family or list(FAMILIES):
        recorded = record(family)
        figures: dict[str, list[float]] = {"floor": [], "fake": []}
        own: list[float] = []
        for run in range(options.runs + 1):
            for mode in figures:  # interleaved, so noise hits both alike
                done = subprocess.run(
                    [sys.executable, __file__, "--child", family, mode, recorded],
                    capture_output=True, text=True, check=True, env=env,
                )  # fmt: skip
                if run:  # the first run writes the bytecode cache
                    total, inside = map(float, done.stdout.split()[-2:])
                    figures[mode].append(total * 1000)
                    if mode == "fake":
                        own.append(inside * 1000)
        floor, fake = statistics.median(figures["floor"]), statistics.median(figures["fake"])
        worst = max(worst, fake - floor)
        print(f"{family:16}{floor:9.1f}{fake:12.1f}{fake - floor:+9.1f}{statistics.median(own):12.1f}")
    cache.cleanup()
    print(f"worst added {worst:.1f} ms (target <= 20 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
