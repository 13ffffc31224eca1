"""How low the non-streamed in-process ratio can go while the fake still does its irreducible work.

Times, through the real SDK, interleaved as in ``inprocess.py`` (best round counts):
  floor       the SDK over the stack's MockTransport returning pre-built bytes
  fakeopenai  the real fake
  bound       the fake's transport, with ``fake.handle`` cut to what no fake can skip: record the
              request, find its route, take the answer from the script, make fresh ids, fill a
              pre-rendered body and the headers (no body parsing, validation, token counting or
              rendering: the figure a fake that did nothing else per call would reach)
  transport   the fake's transport answering one pre-built response (the edge alone)

    python benchmarks/bound.py [--calls 300] [--rounds 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from typing import Any

from inprocess import MESSAGES, SHORT, call, fake_client, floor_client, per_call, prebuilt  # this folder

from fakeopenai import _core
from fakeopenai._wire import Request, Response


def bound_client(flavour: str, body: bytes) -> Any:
    """The SDK over the fake's transport, whose ``handle`` does only the irreducible per-call work."""
    client = fake_client(flavour, SHORT)
    fake = client._fake  # type: ignore[attr-defined]
    state = fake._state
    text = body.decode()
    after_id = text[text.index('"object"') : text.index('"system_fingerprint"')]

    def handle(request: Request) -> Response:
        request.endpoint = _core.normalize(request.path)
        state.requests.append(request)
        _route, request.params = _core._find(request)
        request.answer = state.script.take(request, generates=True)
        rendered = (
            '{"id":"' + state.ids.make("chatcmpl-", 29) + '",' + after_id
            + '"system_fingerprint":"fp_' + state.ids.hex(10) + '"}'
        ).encode()  # fmt: skip
        response = Response(200, state.headers("application/json", 1.0), rendered)
        request.status, request.response = 200, response
        return response

    fake.handle = handle
    return client


def transport_client(flavour: str) -> Any:
    """The SDK over the fake's transport answering the same pre-built response every time."""
    client = fake_client(flavour, SHORT)
    fake = client._fake  # type: ignore[attr-defined]
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    answer = fake.requests.last.response
    fake.handle = lambda request: answer
    return client


def _clear(client: Any) -> Callable[[], None] | None:
    """What empties the client's fake's request log between rounds (the floor has none)."""
    fake = getattr(client, "_fake", None)
    return None if fake is None else fake.requests.clear


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    flavours = ["httpx2", "httpx"] if importlib.util.find_spec("httpx2") else ["httpx"]
    print(f"{'case':22} {'floor':>8} {'fakeopenai':>12} {'bound':>12} {'transport':>12}   (µs/call, x floor)")
    for flavour in flavours:
        body, headers = prebuilt(flavour, SHORT, False)
        clients = {
            "floor": floor_client(flavour, body, headers),
            "fakeopenai": fake_client(flavour, SHORT),
            "bound": bound_client(flavour, body),
            "transport": transport_client(flavour),
        }
        runs: dict[str, tuple[Callable[[], None], Callable[[], None] | None]] = {
            name: (call(client, False), _clear(client)) for name, client in clients.items()
        }
        best = dict.fromkeys(runs, float("inf"))
        for run, after in runs.values():
            per_call(run, max(5, options.calls // 10), after)
        for _ in range(options.rounds):
            for name, (run, after) in runs.items():
                best[name] = min(best[name], per_call(run, options.calls, after))
        floor = best["floor"]
        line = f"{flavour + ' non-streamed':22} {floor * 1e6:8.1f}"
        for name in ("fakeopenai", "bound", "transport"):
            line += f" {best[name] * 1e6:7.1f} {best[name] / floor:.3f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
