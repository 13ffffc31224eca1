"""The chat, Responses and embeddings hot paths: what the fake adds per call, against the floor.

For each case, through the real SDK (sync, the default stack), it times:
  floor      the SDK over the stack's MockTransport returning the bytes the fake answered once
  fakeopenai the SDK over fakeopenai's transport (a rule answers every call)
and prints both and their ratio (best of ``--rounds`` interleaved rounds). To compare two versions
of fakeopenai (before and after a change), run it in turn with each on the path: the floor is
measured in the same process as the fake, so each ratio stands on its own.

    python benchmarks/hot_paths.py [--calls 100] [--rounds 15]
    PYTHONPATH=../other-checkout python benchmarks/hot_paths.py   # another version, same script
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import openai
from inprocess import floor_client, per_call  # this folder: the floor and the timing, as there

import fakeopenai

SHORT = "Hello there! This is a short answer of about twenty tokens, as a typical reply would be."
LONG = " ".join(f"word{i % 50}" for i in range(200))
MESSAGES = [{"role": "user", "content": "Tell me something."}]

#: name -> (reply text, the call, whether it streams)
CASES: dict[str, tuple[str, Callable[[Any], Any], bool]] = {
    "chat": (SHORT, lambda c: c.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES), False),
    "chat, 200-token stream": (
        LONG,
        lambda c: c.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True),
        True,
    ),
    "responses": (SHORT, lambda c: c.responses.create(model="gpt-4o-mini", input="Tell me something."), False),
    "responses, 200-token stream": (
        LONG,
        lambda c: c.responses.create(model="gpt-4o-mini", input="Tell me something.", stream=True),
        True,
    ),
    "embeddings (base64, the SDK's default)": (
        SHORT,
        lambda c: c.embeddings.create(model="text-embedding-3-small", input="Tell me something."),
        False,
    ),
    "embeddings (float)": (
        SHORT,
        lambda c: c.embeddings.create(
            model="text-embedding-3-small", input="Tell me something.", encoding_format="float"
        ),
        False,
    ),
}


def contenders(text: str, call: Callable[[Any], Any], stream: bool) -> dict[str, tuple[Callable[[], None], Any]]:
    """(run one call, what to do after a round) for the floor and the fake."""
    flavour = fakeopenai.default_flavour()
    fake = fakeopenai.FakeOpenAI(seed=0)
    fake.on().reply(text)
    client = openai.OpenAI(api_key="sk", max_retries=0, http_client=fake.client(flavour))  # type: ignore[arg-type]
    consume(call(client), stream)
    response = fake.requests[-1].response
    assert response is not None
    assert response.status == 200, response
    body = b"".join(e.data for e in response.events) if response.events is not None else response.body
    floor = floor_client(flavour, body, list(response.headers))
    return {
        "floor": (lambda: consume(call(floor), stream), None),
        "fakeopenai": (lambda: consume(call(client), stream), fake.requests.clear),
    }


def consume(result: Any, stream: bool) -> None:
    if stream:
        for _ in result:
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100, help="calls per round (streams: a fifth of it)")
    parser.add_argument("--rounds", type=int, default=15)
    options = parser.parse_args()
    print(f"fakeopenai from {fakeopenai.__file__.rsplit('/', 2)[0]}; openai {openai.__version__}")
    print(f"{'case':42}{'floor µs':>10}{'fake µs':>10}{'ratio':>8}")
    for name, (text, call, stream) in CASES.items():
        runs = contenders(text, call, stream)
        calls = max(1, options.calls // 5) if stream else options.calls
        for run, after in runs.values():  # warm up
            per_call(run, max(3, calls // 5), after)
        best = dict.fromkeys(runs, float("inf"))
        for _ in range(options.rounds):
            for who, (run, after) in runs.items():
                best[who] = min(best[who], per_call(run, calls, after))
        floor, fake = best["floor"] * 1e6, best["fakeopenai"] * 1e6
        print(f"{name:42}{floor:10.1f}{fake:10.1f}{fake / floor:7.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
