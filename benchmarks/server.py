"""What ``python -m fakeopenai serve`` costs over HTTP, next to the cheapest possible uvicorn app.

Three servers run side by side in the same run, each in its own process, with the same uvicorn
settings (so the same HTTP parser and event loop):
  floor       a minimal raw ASGI app answering pre-built bytes (the exact bytes the fake renders)
  starlette   a bare Starlette app answering the same pre-built bytes: what a user would write
              in a few lines, and the issue's yardstick for ``serve`` (target: >= 0.8x its rate)
  fakeopenai  ``python -m fakeopenai serve``: the real fake (routing, validation, reply selection,
              rendering, recording)
A load generator in a third process (raw asyncio sockets, HTTP/1.1 keep-alive, loopback only,
bounded in time and count) measures:
  - non-streamed chat completions per second,
  - 200-token streams per second (no delays: throughput),
  - timing fidelity: a fake started with ``--ttft 0.2 --token-delay 0.02`` streaming 50-token replies
    to 50 and to 200 concurrent clients; measured TTFT and inter-token gaps vs the setting.
Throughput rounds alternate between the contenders so machine noise hits both alike; the best round
counts. Fidelity rounds report the median of each figure.

    python benchmarks/server.py [--seconds 2] [--rounds 3] [--connections 32] [--http auto] [--loop auto]

Not part of the test suite. Takes about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"  # loopback only
ROOT = Path(__file__).resolve().parents[1]
MESSAGES = [{"role": "user", "content": "Tell me something."}]
LONG_TEXT = " ".join(f"word{i % 50}" for i in range(200))  # 200 tokens once split
FIDELITY_TEXT = " ".join(f"tok{i % 50}" for i in range(50))
TTFT, TOKEN_DELAY = 0.2, 0.02


def chat_body(stream: bool, marker: str = "") -> bytes:
    content = "Tell me something." + marker
    body: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}
    if stream:
        body["stream"] = True
    return json.dumps(body, separators=(",", ":")).encode()


# -- the floor: a minimal uvicorn app answering pre-built bytes ------------------------------------


def prebuilt() -> tuple[tuple[bytes, list[tuple[bytes, bytes]]], tuple[bytes, list[tuple[bytes, bytes]]]]:
    """(body, headers) the fake answers for the non-streamed request and for the 200-token stream."""
    import fakeopenai
    from fakeopenai.server._asgi import Headers

    fake = fakeopenai.FakeOpenAI(seed=0)
    fake.on(contains="LONG").reply(LONG_TEXT)
    out = []
    for stream in (False, True):
        body = chat_body(stream, " LONG" if stream else "")
        headers = Headers([(b"content-type", b"application/json")])
        request = fakeopenai.Request("POST", "http://x/v1/chat/completions", "/v1/chat/completions", headers, {}, body)
        response = fake.handle(request)
        data = b"".join(e.data for e in response.events) if response.events is not None else response.body
        raw = [(k.encode(), v.encode()) for k, v in response.headers]
        if response.events is None:
            raw.append((b"content-length", str(len(data)).encode()))
        out.append((data, raw))
    return out[0], out[1]


def starlette_app(plain: bytes, plain_headers: list[tuple[bytes, bytes]], stream: bytes, stream_headers: Any) -> Any:
    """A bare Starlette app: one route, the body read, pre-built bytes answered (streams as one body)."""
    from starlette.applications import Starlette
    from starlette.requests import Request as StarletteRequest
    from starlette.responses import Response as StarletteResponse
    from starlette.routing import Route

    plain_map = {k.decode(): v.decode() for k, v in plain_headers if k != b"content-length"}
    stream_map = {k.decode(): v.decode() for k, v in stream_headers if k != b"content-length"}

    async def chat(request: StarletteRequest) -> StarletteResponse:
        body = await request.body()
        if b'"stream":true' in body:
            return StarletteResponse(stream, headers=stream_map)
        return StarletteResponse(plain, headers=plain_map)

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


def floor_main(options: argparse.Namespace) -> int:
    import uvicorn

    from fakeopenai.server._cli import _bind

    (plain, plain_headers), (stream, stream_headers) = prebuilt()

    async def floor(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if b'"stream":true' in body:
            await send({"type": "http.response.start", "status": 200, "headers": stream_headers})
            await send({"type": "http.response.body", "body": stream})
        else:
            await send({"type": "http.response.start", "status": 200, "headers": plain_headers})
            await send({"type": "http.response.body", "body": plain})

    app: Any = floor
    if options.role == "starlette":
        app = starlette_app(plain, plain_headers, stream, stream_headers)
    sock = _bind(HOST, 0)

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            print(f"floor serving http://{HOST}:{sock.getsockname()[1]}/v1", flush=True)

    config = uvicorn.Config(
        app,
        http=options.http,
        loop=options.loop,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,  # as serve
    )
    with contextlib.suppress(KeyboardInterrupt):
        Server(config).run(sockets=[sock])
    return 0


# -- the load generator: raw asyncio sockets, HTTP/1.1 keep-alive ----------------------------------


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes, arrivals: list[float] | None
) -> int:
    """Send one request and read its whole answer; ``arrivals`` gets the time of each HTTP chunk."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    found = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    if found is not None:
        await reader.readexactly(int(found.group(1)))
        if arrivals is not None:
            arrivals.append(time.perf_counter())
        return status
    while True:  # chunked
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status
        await reader.readexactly(size + 2)
        if arrivals is not None:
            arrivals.append(time.perf_counter())


async def throughput(port: int, body: bytes, connections: int, seconds: float, limit: int) -> dict[str, Any]:
    request = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer sk-bench\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    done = 0
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, errors
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while time.perf_counter() < deadline and done < limit:
                if await exchange(reader, writer, request, None) != 200:
                    errors += 1
                done += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return {"per_second": done / elapsed, "done": done, "errors": errors}


class _Timed(asyncio.Protocol):
    """One streamed exchange on its own connection, stamping each HTTP chunk when its last byte is read.

    The stamp is taken in ``data_received``, before any parsing, so a client busy with other
    connections does not push the arrival times late (as awaiting a stream reader per chunk would).
    """

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.arrivals: list[float] = []
        self.buffer = b""
        self.head = True
        self.done = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.sent = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self) -> None:
        assert self.transport is not None
        self.sent = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buffer += data
        if self.head:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buffer.startswith(b"HTTP/1.1 200"):
                self.done.set_exception(RuntimeError(f"bad answer: {self.buffer[:200]!r}"))
                return
            self.buffer = self.buffer[end + 4 :]
            self.head = False
        while True:  # whole chunks: size line, data, CRLF
            line = self.buffer.find(b"\r\n")
            if line < 0:
                return
            size = int(self.buffer[:line].split(b";")[0], 16)
            if len(self.buffer) < line + 2 + size + 2:
                return
            self.buffer = self.buffer[line + 2 + size + 2 :]
            if size == 0:
                if not self.done.done():
                    self.done.set_result(None)
                return
            self.arrivals.append(now)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(exc or ConnectionError("closed before the end of the stream"))


async def fidelity(port: int, body: bytes, clients: int) -> dict[str, Any]:
    """``clients`` streams sent at once on fresh connections: each one's TTFT and inter-chunk gaps."""
    request = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer sk-bench\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    loop = asyncio.get_running_loop()
    exchanges = []
    for _ in range(clients):
        _, protocol = await loop.create_connection(lambda: _Timed(request), HOST, port)
        exchanges.append(protocol)
    for exchange in exchanges:
        exchange.send()
    await asyncio.wait_for(asyncio.gather(*(exchange.done for exchange in exchanges)), 60)
    for exchange in exchanges:
        assert exchange.transport is not None
        exchange.transport.close()
    return {
        "ttft": [exchange.arrivals[0] - exchange.sent for exchange in exchanges],
        "gaps": [b - a for exchange in exchanges for a, b in itertools.pairwise(exchange.arrivals)],
    }


def load_main(options: argparse.Namespace) -> int:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    if options.mode == "fidelity":
        result = asyncio.run(fidelity(options.port, chat_body(True, " FIDELITY"), options.connections))
    else:
        stream = options.mode == "streams"
        body = chat_body(stream, " LONG" if stream else "")
        result = asyncio.run(throughput(options.port, body, options.connections, options.seconds, options.limit))
    print(json.dumps(result))
    return 0


# -- the orchestrator ------------------------------------------------------------------------------


class Process:
    """A server subprocess that printed its base URL."""

    def __init__(self, args: Sequence[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/v1", line)
        if found is None:
            self.stop()
            raise SystemExit(f"server did not start: {line!r}")
        self.port = int(found.group(1))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()


def load(port: int, mode: str, connections: int, seconds: float = 0, limit: int = 10**9) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "load", "--port", str(port), "--mode", mode, "--connections", str(connections),
         "--seconds", str(seconds), "--limit", str(limit)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def control(port: int, path: str, body: Any) -> None:
    import httpx

    httpx.post(f"http://{HOST}:{port}/_fakeopenai/{path}", json=body).raise_for_status()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def fidelity_figures(result: dict[str, Any]) -> dict[str, float]:
    """Percentiles of one fidelity round, in milliseconds; errors are distances from the setting."""
    ttft, gaps = result["ttft"], result["gaps"]
    return {
        "ttft_p50": percentile(ttft, 50) * 1e3,
        "ttft_p99": percentile(ttft, 99) * 1e3,
        "ttft_error": percentile([abs(t - TTFT) for t in ttft], 99) * 1e3,
        "gap_p50": percentile(gaps, 50) * 1e3,
        "gap_p1": percentile(gaps, 1) * 1e3,
        "gap_p99": percentile(gaps, 99) * 1e3,
        "gap_error": percentile([abs(gap - TOKEN_DELAY) for gap in gaps], 99) * 1e3,
    }


def run(options: argparse.Namespace) -> int:
    import uvicorn

    settings = ["--http", options.http, "--loop", options.loop]
    floor = Process([__file__, "floor", *settings])
    starlette = Process([__file__, "starlette", *settings])
    fake = Process(["-m", "fakeopenai", "serve", "--port", "0", "--keep-requests", "1000", *settings])
    timed = Process(
        ["-m", "fakeopenai", "serve", "--port", "0", "--ttft", str(TTFT), "--token-delay", str(TOKEN_DELAY), *settings]
    )
    try:
        control(fake.port, "rules", {"match": {"contains": "LONG"}, "reply": LONG_TEXT})
        control(timed.port, "rules", {"match": {"contains": "FIDELITY"}, "reply": FIDELITY_TEXT})
        contenders = {"floor": floor.port, "starlette": starlette.port, "fakeopenai": fake.port}
        print(
            f"server benchmark: uvicorn {uvicorn.__version__}, http={options.http}, loop={options.loop}, "
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {options.connections} connections, "
            f"best of {options.rounds} x {options.seconds:g} s"
        )
        rows = []
        for label, mode in (("non-streamed requests/s", "rps"), ("200-token streams/s", "streams")):
            best = dict.fromkeys(contenders, 0.0)
            for port in contenders.values():  # warm up
                load(port, mode, options.connections, 0.5)
            for _ in range(options.rounds):
                for name, port in contenders.items():
                    result = load(port, mode, options.connections, options.seconds)
                    assert result["errors"] == 0, result
                    best[name] = max(best[name], result["per_second"])
            rows.append((label, best["floor"], best["starlette"], best["fakeopenai"]))
        print(f"{'':28}{'raw ASGI':>12}{'starlette':>12}{'fakeopenai':>12}{'/ raw':>9}{'/ starlette':>13}")
        for label, floor_rate, starlette_rate, fake_rate in rows:
            print(
                f"{label:28}{floor_rate:>12,.0f}{starlette_rate:>12,.0f}{fake_rate:>12,.0f}"
                f"{fake_rate / floor_rate:>8.2f}x{fake_rate / starlette_rate:>12.2f}x"
            )
        print(
            f"timing fidelity: --ttft {TTFT} --token-delay {TOKEN_DELAY}, 50-token replies, all sent at once; "
            f"median of {options.rounds} rounds (targets at 50 streams: p99 errors <= 15 ms TTFT, <= 5 ms gap)"
        )
        for clients in (50, 200):
            load(timed.port, "fidelity", min(clients, 20))  # warm up
            rounds = [fidelity_figures(load(timed.port, "fidelity", clients)) for _ in range(options.rounds)]
            figures = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
            print(
                f"  {clients:>3} streams: TTFT p50 {figures['ttft_p50']:6.1f} ms, p99 {figures['ttft_p99']:6.1f} ms, "
                f"p99 error {figures['ttft_error']:5.1f} ms | gap p50 {figures['gap_p50']:5.1f} ms, "
                f"p1 {figures['gap_p1']:5.1f} ms, p99 {figures['gap_p99']:5.1f} ms, "
                f"p99 error {figures['gap_error']:4.1f} ms"
            )
    finally:
        for process in (floor, starlette, fake, timed):
            process.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("role", nargs="?", default="run", choices=["run", "floor", "starlette", "load"])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--http", default="auto")
    parser.add_argument("--loop", default="auto")
    parser.add_argument("--port", type=int)
    parser.add_argument("--mode", choices=["rps", "streams", "fidelity"])
    parser.add_argument("--limit", type=int, default=10**9)
    options = parser.parse_args(argv)
    if options.role in ("floor", "starlette"):
        return floor_main(options)
    if options.role == "load":
        return load_main(options)
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
