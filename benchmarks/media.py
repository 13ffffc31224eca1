"""What the media routes cost per call, in-process, through the real SDK.

Each case is timed on a fresh prompt or input (so no cache answers it) and again on a repeated one
(the last pictures are cached: a test asking for the same image twice pays once). Prints the best
of ``--rounds`` rounds, in milliseconds per call.

    python benchmarks/media.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable
from typing import Any

import openai

import fakeopenai

fake = fakeopenai.FakeOpenAI(seed=0)
client = openai.OpenAI(api_key="test", http_client=fake.client(), max_retries=0)
counter = itertools.count()
WAV = ("a.wav", fakeopenai.speech_for("Hello there. How are you?", response_format="wav"), "audio/wav")
TEXT = "The quick brown fox jumps over the lazy dog. " * 4  # 180 characters: 10.8 s of speech


def image(size: str, output_format: str, fresh: bool) -> Callable[[], Any]:
    def call() -> Any:
        prompt = f"picture {next(counter)}" if fresh else "the same picture"
        return client.images.generate(model="gpt-image-1", prompt=prompt, size=size, output_format=output_format)

    return call


def speech(response_format: str) -> Callable[[], Any]:
    def call() -> Any:
        text = f"{next(counter)} {TEXT}"
        return client.audio.speech.create(model="tts-1", voice="alloy", input=text, response_format=response_format)

    return call


def transcription(response_format: str, stream: bool = False) -> Callable[[], Any]:
    def call() -> Any:
        result = client.audio.transcriptions.create(
            model="gpt-4o-transcribe", file=WAV, response_format=response_format, stream=stream  # type: ignore[arg-type]
        )
        return list(result) if stream else result

    return call


CASES: dict[str, Callable[[], Any]] = {
    "images.generate 1024x1024 png (new prompt)": image("1024x1024", "png", True),
    "images.generate 1024x1024 png (same prompt)": image("1024x1024", "png", False),
    "images.generate 1024x1024 jpeg (new prompt)": image("1024x1024", "jpeg", True),
    "images.generate 1024x1024 webp (new prompt)": image("1024x1024", "webp", True),
    "images.generate 1536x1024 png (new prompt)": image("1536x1024", "png", True),
    "audio.speech.create wav, 180 chars": speech("wav"),
    "audio.speech.create flac, 180 chars": speech("flac"),
    "audio.speech.create mp3, 180 chars": speech("mp3"),
    "audio.transcriptions.create json": transcription("json"),
    "audio.transcriptions.create verbose_json": transcription("verbose_json"),
    "audio.transcriptions.create stream": transcription("json", stream=True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args()
    for name, call in CASES.items():
        call()  # warm up (imports, caches of the tones)
        best = float("inf")
        for _ in range(args.rounds):
            start = time.perf_counter()
            for _ in range(args.calls):
                call()
            best = min(best, (time.perf_counter() - start) / args.calls)
            fake.requests.clear()
        print(f"{name:48} {best * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
