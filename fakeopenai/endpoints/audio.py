"""``/audio/speech``, ``/audio/transcriptions``, ``/audio/translations``.

Speech is real audio of the input text (``_sound``: a tone per character, ``CHAR_SECONDS`` each at
speed 1), in the requested ``response_format``, or ``speech.audio.delta``/``speech.audio.done``
events with ``stream_format="sse"``.

Transcriptions and translations are answered by the reply machinery, as a generation is: a queued
``fake.reply("text")`` (or a rule, a responder, ``fail()``) becomes the transcript; else the
default reply. The audio's duration is read from a WAV upload, else estimated from the transcript
(``CHAR_SECONDS`` a character, the pace of the fake's own speech); segments (one per sentence) and
words get timings spread over it in proportion to their length.
"""

from __future__ import annotations

import base64
import contextlib
import io
import math
import re
import wave
import zlib
from typing import Any, Literal

from .._errors import APIError, bad_request
from .._faults import has_faults
from .._faults import non_streamed as non_streamed_faults
from .._multipart import Form
from .._sound import CHAR_SECONDS, CONTENT_TYPES
from .._sound import speech as make_speech
from .._state import JSON, SSE, State
from .._tokens import count_tokens, split_tokens
from .._validation import check_enum, check_range, check_type, require
from .._wire import Event, Request, Response, dumps, sse
from ._common import form_of, json_object, stream_response

__all__ = ["speech", "transcribe", "translate"]

_FORMATS = tuple(CONTENT_TYPES)
_TEXT = "text/plain; charset=utf-8"
_CHUNK = 8192  # bytes of audio per speech.audio.delta event
_LANGUAGES = {
    "en": "english",
    "fr": "french",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "ja": "japanese",
    "zh": "chinese",
    "ko": "korean",
    "ru": "russian",
}
# Models that stream a transcription (whisper-1 ignores ``stream``, as the real API does).
_STREAMING = ("gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-transcribe")


def _missing(field: str) -> APIError:
    """The real API's 400 for a missing multipart field (its validation layer's wording)."""
    return bad_request(f"1 validation error for Request\nbody -> {field}\n  field required (type=value_error.missing)")


# -- speech ----------------------------------------------------------------------------------------


def speech(state: State, request: Request) -> Response:
    """``POST /audio/speech``: audio bytes, or events with ``stream_format="sse"``."""
    body = json_object(request)
    model = require(body, "model", "string")
    text = require(body, "input", "string")
    if "voice" not in body or body["voice"] is None:
        require(body, "voice", "string", "object")
    check_type(body["voice"], "voice", "string", "object")
    if len(text) > 4096:
        raise bad_request(
            f"Invalid 'input': string too long. Expected a string with maximum length 4096, but got a string "
            f"with length {len(text)} instead.",
            param="input",
            code="string_above_max_length",
        )
    state.check_model(model)
    response_format = body.get("response_format") or "mp3"
    check_type(response_format, "response_format", "string")
    check_enum(response_format, "response_format", _FORMATS)
    speed = body.get("speed", 1.0)
    speed = 1.0 if speed is None else speed
    check_type(speed, "speed", "number")
    check_range(speed, "speed", 0.25, 4.0, "number")
    stream_format = body.get("stream_format") or "audio"
    check_enum(stream_format, "stream_format", ("sse", "audio"))
    audio = make_speech(text, float(speed), str(response_format))
    if stream_format == "audio":
        return Response(200, state.headers(CONTENT_TYPES[str(response_format)]), audio)
    delta = "speech.audio.delta"
    chunks = [
        sse({"type": delta, "audio": base64.b64encode(audio[i : i + _CHUNK]).decode()}, delta)
        for i in range(0, len(audio), _CHUNK)
    ]
    tokens = count_tokens(text, "gpt-4o")
    output = math.ceil(len(audio) / 1024)
    usage = {"input_tokens": tokens, "output_tokens": output, "total_tokens": tokens + output}
    chunks.append(sse({"type": "speech.audio.done", "usage": usage}, "speech.audio.done"))
    return Response(200, state.headers(SSE), events=[Event(0.0, b"".join(chunks))])


# -- transcriptions and translations ---------------------------------------------------------------


def _duration(form: Form, text: str) -> float:
    upload = form.file("file")
    if upload is not None and upload.data[:4] == b"RIFF":
        with contextlib.suppress(Exception), wave.open(io.BytesIO(upload.data)) as reader:
            frames: int = reader.getnframes()
            rate: int = reader.getframerate()
            return round(frames / rate, 2)
    return round(max(0.1, len(text) * CHAR_SECONDS), 2)


def _sentences(text: str) -> list[str]:
    parts = [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part]
    return parts or [text]


def _spread(pieces: list[str], start: float, end: float) -> list[tuple[str, float, float]]:
    """Each piece with a start and an end, sharing [start, end] in proportion to its length."""
    total = sum(len(piece) + 1 for piece in pieces) or 1
    out = []
    at = start
    for piece in pieces:
        step = (end - start) * (len(piece) + 1) / total
        out.append((piece, round(at, 2), round(at + step, 2)))
        at += step
    return out


def _segments(text: str, duration: float, temperature: float) -> list[dict[str, Any]]:
    segments = []
    for index, (sentence, start, end) in enumerate(_spread(_sentences(text), 0.0, duration)):
        tokens = [50364 + zlib.crc32(piece.encode()) % 50000 for piece in split_tokens(sentence)]
        segments.append(
            {
                "id": index,
                "seek": int(start * 100),
                "start": start,
                "end": end,
                "text": " " + sentence,
                "tokens": tokens,
                "temperature": temperature,
                "avg_logprob": -0.25,
                "compression_ratio": 1.2,
                "no_speech_prob": 0.01,
            }
        )
    return segments


def _words(text: str, duration: float) -> list[dict[str, Any]]:
    words = re.findall(r"[\w'-]+", text)
    return [{"word": word, "start": start, "end": end} for word, start, end in _spread(words, 0.0, duration)]


def _timestamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _subtitles(text: str, duration: float, kind: Literal["srt", "vtt"]) -> str:
    cues = _spread(_sentences(text), 0.0, duration)
    if kind == "srt":
        blocks = [
            f"{i}\n{_timestamp(start, ',')} --> {_timestamp(end, ',')}\n{line}\n"
            for i, (line, start, end) in enumerate(cues, start=1)
        ]
        return "\n".join(blocks) + "\n"
    blocks = [f"{_timestamp(start, '.')} --> {_timestamp(end, '.')}\n{line}\n" for line, start, end in cues]
    return "WEBVTT\n\n" + "\n".join(blocks) + "\n"


def _logprob(piece: str) -> dict[str, Any]:
    return {"token": piece, "logprob": -(zlib.crc32(piece.encode()) % 1000) / 10000, "bytes": list(piece.encode())}


class _Transcript:
    """One transcription or translation request: its fields read and checked, and its reply."""

    def __init__(self, state: State, request: Request, task: Literal["transcribe", "translate"]) -> None:
        form = form_of(request)
        if form.file("file") is None:
            raise _missing("file")
        self.body = form.as_object()
        if not self.body.get("model"):
            raise _missing("model")
        self.task = task
        self.model = str(self.body["model"])
        state.check_model(self.model)
        formats: tuple[str, ...] = ("json", "text", "srt", "verbose_json", "vtt")
        if task == "transcribe":
            formats += ("diarized_json",)
        self.response_format = str(self.body.get("response_format") or "json")
        check_enum(self.response_format, "response_format", formats)
        temperature = self.body.get("temperature")
        try:
            self.temperature = float(temperature) if temperature not in (None, "") else 0.0
        except ValueError:
            raise bad_request(
                "Invalid type for 'temperature': expected a number, but got a string instead.",
                param="temperature",
                code="invalid_type",
            ) from None
        check_range(self.temperature, "temperature", 0, 1, "number")
        self.include = form.getlist("include")
        self.granularities = form.getlist("timestamp_granularities")
        self.speakers = form.getlist("known_speaker_names")
        self.stream = str(self.body.get("stream")).lower() == "true" and self.model.startswith(_STREAMING)
        self.state = state
        self.reply = state.reply_for(request)  # a scripted failure raises here
        self.text = self.reply.text_for(0) or ""
        self.duration = _duration(form, self.text)
        self.language = "english" if task == "translate" else _LANGUAGES.get(str(self.body.get("language")), "english")
        self.prompt = str(self.body.get("prompt") or "")

    def usage(self) -> dict[str, Any]:
        """Tokens for the GPT transcribe models, seconds of audio for whisper."""
        if not self.model.startswith("gpt-"):
            return {"type": "duration", "seconds": math.ceil(self.duration)}
        text_tokens = count_tokens(self.prompt, "gpt-4o")
        audio_tokens = max(1, round(self.duration * 10))
        output = count_tokens(self.text, "gpt-4o")
        usage: dict[str, Any] = {
            "type": "tokens",
            "input_tokens": text_tokens + audio_tokens,
            "input_token_details": {"text_tokens": text_tokens, "audio_tokens": audio_tokens},
            "output_tokens": output,
            "total_tokens": text_tokens + audio_tokens + output,
        }
        usage.update(self.reply.usage or {})
        return usage

    def diarized_segments(self) -> list[dict[str, Any]]:
        names = self.speakers or ["A", "B"]
        return [
            {
                "type": "transcript.text.segment",
                "id": f"seg_{index + 1:03d}",
                "start": start,
                "end": end,
                "text": sentence,
                "speaker": names[index % len(names)],
            }
            for index, (sentence, start, end) in enumerate(_spread(_sentences(self.text), 0.0, self.duration))
        ]

    def payload(self) -> dict[str, Any]:
        if self.response_format == "diarized_json":
            segments = self.diarized_segments()
            return {
                "task": "transcribe",
                "duration": self.duration,
                "text": self.text,
                "segments": segments,
                "usage": self.usage(),
            }
        if self.response_format == "verbose_json":
            out: dict[str, Any] = {
                "task": self.task,
                "language": self.language,
                "duration": self.duration,
                "text": self.text,
            }
            if "word" in self.granularities:
                out["words"] = _words(self.text, self.duration)
            if not self.granularities or "segment" in self.granularities:
                out["segments"] = _segments(self.text, self.duration, self.temperature)
            if self.task == "transcribe":
                out["usage"] = {"type": "duration", "seconds": math.ceil(self.duration)}
            return out
        out = {"text": self.text}
        if self.task == "transcribe":
            if "logprobs" in self.include and self.model.startswith("gpt-"):
                out["logprobs"] = [_logprob(piece) for piece in self.reply.pieces(self.text)]
            out["usage"] = self.usage()
        return out

    def answer(self) -> Response:
        if self.stream:
            return self.events()
        if self.response_format in ("text", "srt", "vtt"):
            if self.response_format == "text":
                content, kind = self.text + "\n", _TEXT
            else:
                content, kind = _subtitles(self.text, self.duration, self.response_format), _TEXT  # type: ignore[arg-type]
            return self._respond(content.encode(), kind)
        return self._respond(dumps(self.payload()), JSON)

    def _respond(self, body: bytes, content_type: str) -> Response:
        reply = self.reply
        delay = reply.ttft + reply.token_delay * max(0, len(reply.pieces(self.text)) - 1)
        then: Literal["close", "drop"] = "close"
        if has_faults(reply):
            stall, then = non_streamed_faults(reply)
            delay += stall
        headers = self.state.headers(content_type, delay * 1000)
        return Response(200, headers, body, delay=delay, then=then)

    def events(self) -> Response:
        reply = self.reply
        logprobs = "logprobs" in self.include
        events: list[Event] = []
        diarized = self.response_format == "diarized_json"
        groups = (
            [(segment, reply.pieces(segment["text"])) for segment in self.diarized_segments()]
            if diarized
            else [(None, reply.pieces(self.text))]
        )
        step = 0
        for segment, pieces in groups:
            for piece in pieces:
                event: dict[str, Any] = {"type": "transcript.text.delta", "delta": piece}
                if logprobs:
                    event["logprobs"] = [_logprob(piece)]
                if segment is not None:
                    event["segment_id"] = segment["id"]
                delay = reply.ttft if step == 0 else reply.token_delay
                events.append(Event(delay, sse(event, event["type"])))
                step += 1
            if segment is not None:
                events.append(Event(0.0, sse(segment, segment["type"])))
        done: dict[str, Any] = {"type": "transcript.text.done", "text": self.text}
        if logprobs:
            done["logprobs"] = [_logprob(piece) for piece in reply.pieces(self.text)]
        usage = self.usage()
        if usage["type"] == "tokens":
            done["usage"] = usage
        events.append(Event(0.0, sse(done, done["type"])))
        return stream_response(self.state, reply, events, _error_event)


def _error_event(message: str, position: int) -> bytes:
    """The error event of a failing transcription stream (the SDK raises ``APIError`` on it)."""
    error = {"type": "server_error", "code": None, "message": message, "param": None}
    return sse({"type": "error", "error": error}, "error")


def transcribe(state: State, request: Request) -> Response:
    """``POST /audio/transcriptions``: the transcript is the reply the fake picks for the request."""
    return _Transcript(state, request, "transcribe").answer()


def translate(state: State, request: Request) -> Response:
    """``POST /audio/translations``: the English text is the reply the fake picks for the request."""
    return _Transcript(state, request, "translate").answer()

