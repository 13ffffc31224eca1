"""Deterministic speech audio as real files, made with the standard library only.

``samples(text, speed)`` is 24 kHz, 16-bit, mono PCM (the API's ``pcm``): each character of the
text lasts ``CHAR_SECONDS / speed``; a letter or digit is a sine tone whose pitch follows the
character, anything else is silence. ``encode`` wraps it:

- ``pcm``: the raw samples (little-endian, as the API sends them); ``wav``: the same in a RIFF file;
- ``flac``: a real FLAC stream of the same samples (verbatim subframes, MD5 in STREAMINFO);
- ``mp3``, ``opus``, ``aac``: valid files of the same duration that decode to silence (MPEG-2 Layer
  III frames, Ogg Opus with CELT silence packets, ADTS AAC-LC frames): the standard library has
  no encoder for them.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import sys
import wave
from array import array
from functools import lru_cache

__all__ = ["CHAR_SECONDS", "CONTENT_TYPES", "SAMPLE_RATE", "duration", "encode", "samples"]

SAMPLE_RATE = 24_000
CHAR_SECONDS = 0.06
CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}


def _length(speed: float) -> int:
    return max(1, round(SAMPLE_RATE * CHAR_SECONDS / speed))


@lru_cache(maxsize=256)
def _sound(char: str, length: int) -> bytes:
    """One character's samples: a tone with short fades, or silence."""
    if not char.isalnum():
        return bytes(2 * length)
    frequency = 220.0 + (ord(char.lower()) % 32) * 20.0
    fade = max(1, min(length // 8, 120))
    values = array("h")
    for i in range(length):
        envelope = min(1.0, i / fade, (length - 1 - i) / fade)
        values.append(round(8000 * envelope * math.sin(2 * math.pi * frequency * i / SAMPLE_RATE)))
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def samples(text: str, speed: float = 1.0) -> bytes:
    """The speech for ``text``: 24 kHz 16-bit mono little-endian PCM (at least one character long)."""
    length = _length(speed)
    return b"".join(_sound(char, length) for char in text or " ")


def duration(text: str, speed: float = 1.0) -> float:
    """Seconds of speech for ``text``."""
    return len(text or " ") * _length(speed) / SAMPLE_RATE


def encode(pcm: bytes, response_format: str) -> bytes:
    """``pcm`` (24 kHz 16-bit mono) as a file of ``response_format``."""
    if response_format == "pcm":
        return pcm
    if response_format == "wav":
        return _wav(pcm)
    if response_format == "flac":
        return _flac(pcm)
    count = len(pcm) // 2
    if response_format == "opus":
        return _opus(count)
    if response_format == "aac":
        return _aac(count)
    return _mp3(count)


def _wav(pcm: bytes) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(SAMPLE_RATE)
        writer.writeframes(pcm)
    return out.getvalue()


# -- FLAC ------------------------------------------------------------------------------------------


def _crc_table(poly: int, width: int) -> list[int]:
    top, mask = 1 << (width - 1), (1 << width) - 1
    table = []
    for byte in range(256):
        crc = byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) if crc & top else crc << 1
        table.append(crc & mask)
    return table


_CRC8 = _crc_table(0x07, 8)
_CRC16 = _crc_table(0x8005, 16)
_CRC32 = _crc_table(0x04C11DB7, 32)


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16[(crc >> 8) ^ byte]
    return crc


def _utf8_number(value: int) -> bytes:
    """FLAC's "UTF-8" coding of a frame number."""
    if value < 0x80:
        return bytes((value,))
    if value < 0x800:
        return bytes((0xC0 | value >> 6, 0x80 | value & 0x3F))
    if value < 0x10000:
        return bytes((0xE0 | value >> 12, 0x80 | (value >> 6) & 0x3F, 0x80 | value & 0x3F))
    return bytes((0xF0 | value >> 18, 0x80 | (value >> 12) & 0x3F, 0x80 | (value >> 6) & 0x3F, 0x80 | value & 0x3F))


_BLOCK = 4096


def _flac(pcm: bytes) -> bytes:
    count = len(pcm) // 2
    signed = array("h", pcm[: 2 * count])
    if sys.byteorder == "little":
        signed.byteswap()  # FLAC samples are big-endian
    big_endian = signed.tobytes()
    frames = []
    for number, start in enumerate(range(0, count, _BLOCK)):
        size = min(_BLOCK, count - start)
        code = 0xC if size == _BLOCK else 0x7  # 4096, or "16-bit size at the end of the header"
        header = bytes((0xFF, 0xF8, code << 4 | 0x7, 0x08)) + _utf8_number(number)
        if code == 0x7:
            header += struct.pack(">H", size - 1)
        header += bytes((_crc8(header),))
        frame = header + b"\x02" + big_endian[2 * start : 2 * (start + size)]  # a VERBATIM subframe
        frames.append(frame + struct.pack(">H", _crc16(frame)))
    info = struct.pack(">HH", 16 if count < _BLOCK else _BLOCK, max(16, min(count, _BLOCK)))
    info += b"\x00\x00\x00" + b"\x00\x00\x00"  # frame sizes unknown
    info += (SAMPLE_RATE << 44 | 0 << 41 | 15 << 36 | count).to_bytes(8, "big")
    info += hashlib.md5(pcm[: 2 * count]).digest()
    return b"fLaC" + bytes((0x80, 0, 0, len(info))) + info + b"".join(frames)


# -- silent MP3, Ogg Opus, AAC ---------------------------------------------------------------------

# MPEG-2 Layer III, 32 kbit/s, 24 kHz, mono, no CRC: 576 samples in 96 bytes; zero side information
# (no main data) decodes as silence.
_MP3_FRAME = b"\xff\xf3\x44\xc0" + bytes(92)


def _mp3(count: int) -> bytes:
    return _MP3_FRAME * max(1, -(-count // 576))


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC32[(crc >> 24) ^ byte]
    return crc


def _ogg_page(packets: list[bytes], granule: int, sequence: int, flags: int) -> bytes:
    lacing = b"".join(bytes([255] * (len(p) // 255) + [len(p) % 255]) for p in packets)
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, 0x46414B45, sequence, 0, len(lacing))
    page = header + lacing + b"".join(packets)
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


_OPUS_SILENCE = b"\xd8\xff\xfe"  # CELT, super-wideband, 20 ms, mono: a silent frame
_PRE_SKIP = 312


def _opus(count: int) -> bytes:
    # 20 ms packets (960 samples at 48 kHz, Opus's clock) covering the pre-skip and the speech.
    packets = max(1, -(-(2 * count + _PRE_SKIP) // 960))
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, _PRE_SKIP, SAMPLE_RATE, 0, 0)
    vendor = b"fakeopenai"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    pages = [_ogg_page([head], 0, 0, 0x02), _ogg_page([tags], 0, 1, 0)]
    done = 0
    while done < packets:
        batch = min(255, packets - done)
        done += batch
        last = done == packets
        granule = _PRE_SKIP + 2 * count if last else done * 960
        pages.append(_ogg_page([_OPUS_SILENCE] * batch, granule, len(pages), 0x04 if last else 0))
    return b"".join(pages)


# One AAC-LC single channel element with no spectral data (silence), then the END element.
_AAC_RAW = bytes((0x00, 0x00, 0x00, 0x07))


def _aac(count: int) -> bytes:
    length = 7 + len(_AAC_RAW)
    # ADTS: MPEG-4, no CRC, AAC LC, 24 kHz (index 6), mono, buffer fullness 0x7ff, one raw block.
    fields = 0xFFF << 44 | 1 << 40 | 1 << 38 | 6 << 34 | 1 << 30 | length << 13 | 0x7FF << 2
    header = fields.to_bytes(7, "big")
    return (header + _AAC_RAW) * max(1, -(-count // 1024))
