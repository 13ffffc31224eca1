"""Audio through the real SDK: speech as real audio, transcriptions and translations from the reply machinery."""

from __future__ import annotations

import base64
import inspect
import io
import json
import re
import struct
import wave
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import fakeopenai
from fakeopenai import Reply

from .conftest import OPENAI_MAJOR, Api

# openai 3.x marks audio.translations deprecated; the calls still go out as before.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

WAV = ("speech.wav", fakeopenai.speech_for("Hello there. How are you today?", response_format="wav"), "audio/wav")


def read_wav(data: bytes) -> tuple[int, int, int, bytes]:
    with wave.open(io.BytesIO(data)) as reader:
        return reader.getframerate(), reader.getnchannels(), reader.getsampwidth(), reader.readframes(-1)


async def test_speech_wav_and_pcm_are_real_audio_whose_length_follows_the_text(api: Api) -> None:
    short = await api("audio.speech.create", model="tts-1", voice="alloy", input="Hi", response_format="wav")
    assert short.response.headers["content-type"] == "audio/wav"
    rate, channels, width, frames = read_wav(short.content)
    assert (rate, channels, width) == (24000, 1, 2)
    assert len(frames) == 2 * 24000 * 0.06 * 2  # two characters, 60 ms each
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    assert max(samples) > 4000 and min(samples) < -4000  # a tone, not silence
    long = await api("audio.speech.create", model="tts-1", voice="alloy", input="Hi " * 10, response_format="pcm")
    assert long.response.headers["content-type"] == "audio/pcm"
    assert len(long.content) == 30 * 1440 * 2
    fast = await api("audio.speech.create", model="tts-1", voice="alloy", input="Hi", response_format="pcm", speed=2.0)
    assert len(fast.content) == len(frames) // 2
    assert long.content == fakeopenai.speech_for("Hi " * 10, response_format="pcm")


@pytest.mark.parametrize(
    ("response_format", "content_type", "magic"),
    [
        ("mp3", "audio/mpeg", b"\xff\xf3"),
        ("opus", "audio/opus", b"OggS"),
        ("aac", "audio/aac", b"\xff\xf1"),
        ("flac", "audio/flac", b"fLaC"),
    ],
)
async def test_speech_other_formats_are_files_of_their_kind(
    api: Api, response_format: str, content_type: str, magic: bytes
) -> None:
    audio = await api(
        "audio.speech.create", model="gpt-4o-mini-tts", voice="coral", input="Hello", response_format=response_format
    )
    assert audio.response.headers["content-type"] == content_type
    assert audio.content.startswith(magic)


async def test_flac_holds_the_same_samples_as_pcm(api: Api) -> None:
    flac = (await api("audio.speech.create", model="tts-1", voice="alloy", input="ab", response_format="flac")).content
    pcm = fakeopenai.speech_for("ab", response_format="pcm")
    info = int.from_bytes(flac[18:26], "big")
    assert (info >> 44, info & (2**36 - 1)) == (24000, len(pcm) // 2)  # sample rate, total samples
    (block,) = struct.unpack(">H", flac[8:10])
    # Verbatim frames: header (4 bytes, frame number, 16-bit block size, CRC-8), subframe header,
    # big-endian samples, CRC-16.
    samples: list[int] = []
    at = 42
    while at < len(flac):
        assert flac[at : at + 2] == b"\xff\xf8"
        samples += struct.unpack(f">{block}h", flac[at + 9 : at + 9 + 2 * block])
        at += 9 + 2 * block + 2
    assert tuple(samples) == struct.unpack(f"<{len(pcm) // 2}h", pcm)


async def test_streamed_speech_sends_audio_deltas_then_done(api: Api) -> None:
    audio = await api(
        "audio.speech.create",
        model="gpt-4o-mini-tts",
        voice="alloy",
        input="Streaming speech, a little longer than one chunk of audio data.",
        response_format="wav",
        stream_format="sse",
    )
    assert audio.response.headers["content-type"].startswith("text/event-stream")
    events = [json.loads(line[6:]) for line in audio.text.splitlines() if line.startswith("data: ")]
    assert [e["type"] for e in events[:-1]] == ["speech.audio.delta"] * (len(events) - 1) and len(events) > 2
    assert events[-1]["type"] == "speech.audio.done" and events[-1]["usage"]["total_tokens"] > 0
    joined = b"".join(base64.b64decode(e["audio"]) for e in events[:-1])
    assert read_wav(joined)[0] == 24000


async def test_speech_errors(api: Api) -> None:
    with pytest.raises(openai.BadRequestError) as speed:
        await api("audio.speech.create", model="tts-1", voice="alloy", input="x", speed=5)
    assert speed.value.code == "decimal_above_max_value" or speed.value.code == "number_above_max_value"
    with pytest.raises(openai.BadRequestError) as fmt:
        await api("audio.speech.create", model="tts-1", voice="alloy", input="x", response_format="ogg")
    assert fmt.value.code == "invalid_value" and fmt.value.param == "response_format"
    with pytest.raises(openai.BadRequestError) as long:
        await api("audio.speech.create", model="tts-1", voice="alloy", input="x" * 4097)
    assert long.value.param == "input"


async def test_a_queued_reply_becomes_the_transcript(api: Api) -> None:
    api.fake.reply("Exactly what was said.")
    result = await api("audio.transcriptions.create", model="whisper-1", file=WAV)
    assert result.text == "Exactly what was said."
    assert result.usage.type == "duration" and result.usage.seconds == 2  # the WAV lasts 1.86 s
    request = api.fake.requests.last
    assert request.endpoint == "/audio/transcriptions" and request.model == "whisper-1"
    assert isinstance(request.answer, Reply)
    default = await api("audio.transcriptions.create", model="whisper-1", file=WAV)
    assert default.text  # the default reply, stable for the same request
    assert default.text == (await api("audio.transcriptions.create", model="whisper-1", file=WAV)).text


async def test_rules_responders_and_failures_apply(api: Api) -> None:
    api.fake.on(endpoint="/audio/translations").reply("Good morning.")
    api.fake.on(contains="names: Ada").reply("Ada speaks.")
    translated = await api("audio.translations.create", model="whisper-1", file=WAV)
    assert translated.text == "Good morning."
    prompted = await api("audio.transcriptions.create", model="whisper-1", file=WAV, prompt="names: Ada")
    assert prompted.text == "Ada speaks."
    api.fake.fail(503, endpoint="/audio/transcriptions")
    with pytest.raises(openai.InternalServerError):
        await api("audio.transcriptions.create", model="whisper-1", file=WAV)
    api.fake.reply(lambda request: Reply(f"heard {request.form.file('file').filename}"))
    named = await api("audio.transcriptions.create", model="whisper-1", file=WAV)
    assert named.text == "heard speech.wav"


async def test_text_srt_and_vtt(api: Api) -> None:
    api.fake.reply("First sentence. Second one!", times=3)
    text = await api("audio.transcriptions.create", model="whisper-1", file=WAV, response_format="text")
    assert text == "First sentence. Second one!\n"
    srt = await api("audio.transcriptions.create", model="whisper-1", file=WAV, response_format="srt")
    cues = re.findall(r"(\d+)\n(\d\d:\d\d:\d\d,\d{3}) --> (\d\d:\d\d:\d\d,\d{3})\n(.+)\n", srt)
    assert [(n, line) for n, _, _, line in cues] == [("1", "First sentence."), ("2", "Second one!")]
    assert cues[0][1] == "00:00:00,000" and cues[0][2] == cues[1][1] and cues[1][2] == "00:00:01,860"
    vtt = await api("audio.transcriptions.create", model="whisper-1", file=WAV, response_format="vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> ") and "Second one!" in vtt
    assert api.fake.requests.last.response.headers[0] == ("content-type", "text/plain; charset=utf-8")


async def test_verbose_json_segments_and_words(api: Api) -> None:
    api.fake.reply("One two three. Four five.", times=2)
    verbose = await api(
        "audio.transcriptions.create",
        model="whisper-1",
        file=WAV,
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
        language="fr",
    )
    assert verbose.language == "french" and verbose.duration == 1.86
    assert [s.text for s in verbose.segments] == [" One two three.", " Four five."]
    assert [w.word for w in verbose.words] == ["One", "two", "three", "Four", "five"]
    assert verbose.words[0].start == 0.0 and verbose.words[-1].end == verbose.duration
    assert all(a.end <= b.start + 1e-9 for a, b in zip(verbose.words, verbose.words[1:], strict=False))
    words_only = await api(
        "audio.transcriptions.create",
        model="whisper-1",
        file=WAV,
        response_format="verbose_json",
        timestamp_granularities=["word"],
    )
    assert words_only.segments is None and len(words_only.words) == 5


async def test_gpt_transcribe_counts_tokens_and_gives_logprobs(api: Api) -> None:
    api.fake.reply("Token counted.")
    result = await api("audio.transcriptions.create", model="gpt-4o-transcribe", file=WAV, include=["logprobs"])
    assert result.usage.type == "tokens" and result.usage.output_tokens > 0
    assert "".join(p.token for p in result.logprobs) == "Token counted."


async def test_streamed_transcription_deltas_then_done(api: Api) -> None:
    api.fake.reply("Streamed words arrive one by one.")
    stream = await api(
        "audio.transcriptions.create", model="gpt-4o-mini-transcribe", file=WAV, stream=True, include=["logprobs"]
    )
    events = await api.collect(stream)
    deltas = [e for e in events if e.type == "transcript.text.delta"]
    assert "".join(e.delta for e in deltas) == "Streamed words arrive one by one." and len(deltas) > 3
    assert all(e.logprobs and e.logprobs[0].token == e.delta for e in deltas)
    assert events[-1].type == "transcript.text.done" and events[-1].text == "Streamed words arrive one by one."
    assert events[-1].usage.output_tokens > 0
    assert api.fake.requests.last.stream and api.fake.requests.last.read_to_end is not False


async def post_form(api: Api, path: str, body: dict[str, Any], files: list[Any]) -> Any:
    """A multipart POST through the SDK's generic ``post`` (for what its typed methods cannot send)."""
    posted = api.client.post(
        path, cast_to=object, body=body, files=files, options={"headers": {"Content-Type": "multipart/form-data"}}
    )
    return await posted if inspect.isawaitable(posted) else posted


async def test_whisper_ignores_stream_as_the_real_api_does(api: Api) -> None:
    api.fake.reply("Not streamed.")
    body = await post_form(api, "/audio/transcriptions", {"model": "whisper-1", "stream": "true"}, [("file", WAV)])
    assert body["text"] == "Not streamed."
    assert api.fake.requests.last.response.headers[0] == ("content-type", "application/json")


async def test_a_stream_fault_reaches_the_client(api: Api) -> None:
    api.fake.reply(Reply("one two three four", error_after=2))
    stream = await api("audio.transcriptions.create", model="gpt-4o-transcribe", file=WAV, stream=True)
    with pytest.raises(openai.APIError):
        await api.collect(stream)


@pytest.mark.skipif(OPENAI_MAJOR < 2, reason="openai 1.x has no diarized transcription type")
async def test_diarized_json_names_speakers(api: Api) -> None:
    api.fake.reply("Hello, support here. Hi, I have a question.")
    result = await api(
        "audio.transcriptions.create",
        model="gpt-4o-transcribe-diarize",
        file=WAV,
        response_format="diarized_json",
        chunking_strategy="auto",
        known_speaker_names=["agent", "customer"],
        known_speaker_references=["data:audio/wav;base64,AAA=", "data:audio/wav;base64,AAA="],
    )
    assert [(s.speaker, s.text) for s in result.segments] == [
        ("agent", "Hello, support here."),
        ("customer", "Hi, I have a question."),
    ]
    assert result.segments[-1].end == result.duration


async def test_missing_file_is_the_real_400(api: Api) -> None:
    with pytest.raises(openai.BadRequestError) as no_file:
        await post_form(api, "/audio/transcriptions", {"model": "whisper-1"}, [("audio", WAV)])
    assert no_file.value.body["message"] == (  # type: ignore[index]
        "1 validation error for Request\nbody -> file\n  field required (type=value_error.missing)"
    )
    with pytest.raises(openai.BadRequestError) as no_model:
        await post_form(api, "/audio/translations", {}, [("file", WAV)])
    assert "body -> model\n" in no_model.value.body["message"]  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as bad:  # only transcriptions are diarized
        body = {"model": "whisper-1", "response_format": "diarized_json"}
        await post_form(api, "/audio/translations", body, [("file", WAV)])
    assert bad.value.code == "invalid_value"


# -- over `serve` ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[Any]:
    pytest.importorskip("uvicorn")
    from fakeopenai.server import app

    from .test_server import Served

    with Served(app(fakeopenai.FakeOpenAI(seed=1))) as running:
        yield running


def test_speech_then_transcription_over_the_server(served: Any) -> None:
    import httpx

    served.app.reset()
    httpx.post(f"{served.base}/_fakeopenai/replies", json={"text": "Heard over HTTP."}).raise_for_status()
    client = openai.OpenAI(
        base_url=f"{served.base}/v1", api_key="sk-test", max_retries=0, _strict_response_validation=True
    )
    with client:
        audio = client.audio.speech.create(model="tts-1", voice="alloy", input="Over HTTP", response_format="wav")
        assert audio.content == fakeopenai.speech_for("Over HTTP", response_format="wav")
        result = client.audio.transcriptions.create(
            model="whisper-1", file=("a.wav", audio.content, "audio/wav"), response_format="verbose_json"
        )
        assert result.text == "Heard over HTTP." and result.duration == 0.54
        events = list(client.audio.transcriptions.create(model="gpt-4o-transcribe", file=WAV, stream=True))
    assert events[-1].type == "transcript.text.done"
