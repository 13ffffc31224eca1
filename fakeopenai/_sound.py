"""Deterministic speech audio as real files, made with the standard library only.

``samples(text, speed)`` is 24 kHz, 16-bit, mono PCM (the API's ``pcm``): each character of the
text lasts ``CHAR_SECONDS / speed``; a letter or digit is a sine tone whose pitch follows the
character, anything else is silence. ``speech(text, speed, response_format)`` is the file:

- ``pcm``: the raw samples (little-endian, as the API sends them); ``wav``: the same in a RIFF file;
- ``flac``: a real FLAC stream of the same samples (a verbatim frame per character, MD5 set);
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

__all__ = ["CHAR_SECONDS", "CONTENT_TYPES", "SAMPLE_RATE", "duration", "samples", "speech"]

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


def speech(text: str, speed: float = 1.0, response_format: str = "pcm") -> bytes:
    """The speech for ``text`` as a file of ``response_format``."""
    if response_format == "flac":
        return _flac(text or " ", _length(speed))
    pcm = samples(text, speed)
    if response_format == "pcm":
        return pcm
    if response_format == "wav":
        return _wav(pcm)
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


def _crc16(data: bytes, crc: int = 0) -> int:
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16[(crc >> 8) ^ byte]
    return crc


@lru_cache(maxsize=8)
def _crc16_shift(count: int) -> tuple[int, ...]:
    """Where each bit of a CRC-16 state goes after ``count`` zero bytes (the CRC is linear)."""
    return tuple(_crc16(bytes(count), 1 << bit) for bit in range(16))


def _utf8_number(value: int) -> bytes:
    """FLAC's "UTF-8" coding of a frame number."""
    if value < 0x80:
        return bytes((value,))
    if value < 0x800:
        return bytes((0xC0 | value >> 6, 0x80 | value & 0x3F))
    if value < 0x10000:
        return bytes((0xE0 | value >> 12, 0x80 | (value >> 6) & 0x3F, 0x80 | value & 0x3F))
    return bytes((0xF0 | value >> 18, 0x80 | (value >> 12) & 0x3F, 0x80 | (value >> 6) & 0x3F, 0x80 | value & 0x3F))


@lru_cache(maxsize=256)
def _flac_subframe(char: str, length: int) -> tuple[bytes, int]:
    """One character's VERBATIM subframe (big-endian samples) and its CRC-16 from a zero state."""
    values = array("h", _sound(char, length))
    if sys.byteorder == "little":
        values.byteswap()
    subframe = b"\x02" + values.tobytes()
    return subframe, _crc16(subframe)


def _flac(text: str, length: int) -> bytes:
    """A FLAC stream with one frame per character (all frames ``length`` samples: a fixed block size).

    A frame's CRC-16 covers its header and its subframe; the subframe's part is cached per character
    and combined with the header's through the CRC's linearity, so long texts cost little.
    """
    frames = []
    shift = _crc16_shift(1 + 2 * length)
    for number, char in enumerate(text):
        # Sync, fixed block size; "16-bit block size at the end of the header", 24 kHz; mono, 16 bits.
        header = b"\xff\xf8\x77\x08" + _utf8_number(number) + struct.pack(">H", length - 1)
        header += bytes((_crc8(header),))
        subframe, crc = _flac_subframe(char, length)
        state = _crc16(header)
        for bit in range(16):
            if state >> bit & 1:
                crc ^= shift[bit]
        frames.append(header + subframe + struct.pack(">H", crc))
    count = len(text) * length
    info = struct.pack(">HH", length, length) + bytes(6)  # block sizes; frame sizes unknown
    info += (SAMPLE_RATE << 44 | 0 << 41 | 15 << 36 | count).to_bytes(8, "big")
    info += hashlib.md5(b"".join(_sound(char, length) for char in text)).digest()
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
