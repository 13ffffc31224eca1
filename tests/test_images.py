"""Images through the real SDK: generate, edit, variations; real PNG/JPEG/WebP bytes; streamed partial images.

The pictures are decoded here with the standard library only (PNG fully; JPEG and WebP down to
their headers and sizes), and checked against the documented rule: a checkerboard of 64-px squares
whose top-left colour is bytes 0-2 of the prompt's SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import struct
import zlib
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import fakeopenai

from .conftest import Api

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png(data: bytes) -> tuple[int, int, int, bytes]:
    """Decode a PNG made of unfiltered rows: (width, height, channels, raw pixel rows with filter bytes)."""
    assert data.startswith(PNG_MAGIC)
    at, chunks = 8, {}
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind!r}"
        chunks[kind] = chunks.get(kind, b"") + body
        at += 12 + length
    assert list(chunks)[-1] == b"IEND"
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(chunks[b"IDAT"])
    assert len(raw) == height * (1 + width * channels)
    return width, height, channels, raw


def pixel(decoded: tuple[int, int, int, bytes], x: int, y: int) -> tuple[int, ...]:
    width, _, channels, raw = decoded
    row = y * (1 + width * channels)
    assert raw[row] == 0  # filter: none
    start = row + 1 + x * channels
    return tuple(raw[start : start + channels])


def jpeg_size(data: bytes) -> tuple[int, int]:
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    at = 2
    while at < len(data):
        marker, length = struct.unpack(">HH", data[at : at + 4])
        if marker == 0xFFC0:
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    raise AssertionError("no SOF0 segment")


def webp_size(data: bytes) -> tuple[int, int]:
    assert data[:4] == b"RIFF" and data[8:16] == b"WEBPVP8L"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    assert data[20] == 0x2F
    bits = int.from_bytes(data[21:25], "little")
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1


def first_colour(prompt: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(prompt.encode()).digest()
    return digest[0], digest[1], digest[2]


def second_colour(prompt: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(prompt.encode()).digest()
    return digest[3], digest[4], digest[5]


async def test_generate_gpt_image_is_a_real_png_of_the_size(api: Api) -> None:
    result = await api("images.generate", model="gpt-image-1", prompt="a red fox", size="1024x1536", quality="low")
    assert result.size == "1024x1536" and result.quality == "low"
    assert result.output_format == "png" and result.background == "opaque"
    assert result.usage.output_tokens == 408 and result.usage.input_tokens_details.text_tokens > 0
    assert result.usage.total_tokens == result.usage.input_tokens + result.usage.output_tokens
    assert result.data[0].url is None and result.data[0].revised_prompt is None
    data = base64.b64decode(result.data[0].b64_json)
    decoded = png(data)
    assert decoded[:3] == (1024, 1536, 3)
    assert pixel(decoded, 0, 0) == first_colour("a red fox")
    assert pixel(decoded, 64, 0) == second_colour("a red fox")
    assert pixel(decoded, 64, 64) == first_colour("a red fox")
    assert data == fakeopenai.image_for("a red fox", size="1024x1536")


async def test_same_prompt_same_image_other_prompt_other_image(api: Api) -> None:
    one = await api("images.generate", model="gpt-image-1", prompt="a cat", size="1024x1024")
    two = await api("images.generate", model="gpt-image-1", prompt="a cat", size="1024x1024")
    other = await api("images.generate", model="gpt-image-1", prompt="a dog", size="1024x1024")
    assert one.data[0].b64_json == two.data[0].b64_json != other.data[0].b64_json


async def test_n_images_differ_and_auto_is_the_default_size(api: Api) -> None:
    result = await api("images.generate", model="gpt-image-1", prompt="boats", n=3, size="auto", quality="auto")
    assert result.size == "1024x1024" and result.quality == "high"
    pictures = [base64.b64decode(item.b64_json) for item in result.data]
    assert len(set(pictures)) == 3
    assert pictures[1] == fakeopenai.image_for("boats", index=1)
    assert result.usage.output_tokens == 3 * 4160


@pytest.mark.parametrize("output_format", ["jpeg", "webp"])
async def test_output_formats_are_real_files(api: Api, output_format: str) -> None:
    result = await api(
        "images.generate", model="gpt-image-1", prompt="a map", size="1536x1024", output_format=output_format
    )
    assert result.output_format == output_format
    data = base64.b64decode(result.data[0].b64_json)
    assert (jpeg_size if output_format == "jpeg" else webp_size)(data) == (1536, 1024)


async def test_transparent_background_is_rgba_with_clear_squares(api: Api) -> None:
    result = await api("images.generate", model="gpt-image-1", prompt="a logo", background="transparent")
    assert result.background == "transparent"
    decoded = png(base64.b64decode(result.data[0].b64_json))
    assert decoded[2] == 4
    assert pixel(decoded, 0, 0) == (*first_colour("a logo"), 255)
    assert pixel(decoded, 64, 0)[3] == 0


async def test_dall_e_answers_a_data_url_by_default_and_dall_e_3_revises(api: Api) -> None:
    result = await api("images.generate", model="dall-e-2", prompt="a lighthouse", size="256x256")
    url = result.data[0].url
    assert url.startswith("data:image/png;base64,") and result.data[0].b64_json is None
    assert png(base64.b64decode(url.split(",", 1)[1]))[:2] == (256, 256)
    assert result.usage is None and result.size is None  # DALL·E answers carry only created and data
    three = await api("images.generate", model="dall-e-3", prompt="a lighthouse", response_format="b64_json")
    assert "a lighthouse" in three.data[0].revised_prompt and three.data[0].b64_json


async def test_streamed_generation_sends_partial_images_then_the_final_one(api: Api) -> None:
    stream = await api(
        "images.generate", model="gpt-image-1", prompt="a tree", stream=True, partial_images=2, size="1024x1024"
    )
    events = await api.collect(stream)
    assert [e.type for e in events] == [
        "image_generation.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    assert [e.partial_image_index for e in events[:2]] == [0, 1]
    final = base64.b64decode(events[-1].b64_json)
    assert final == fakeopenai.image_for("a tree")
    for event in events:
        assert png(base64.b64decode(event.b64_json))[:2] == (1024, 1024)
    # A coarser board first: at (64, 0) the partials still show the first colour.
    assert pixel(png(base64.b64decode(events[0].b64_json)), 64, 0) == first_colour("a tree")
    assert events[-1].usage.output_tokens == 4160


async def test_edit_with_several_images_and_a_mask(api: Api) -> None:
    result = await api(
        "images.edit",
        model="gpt-image-1",
        image=[("a.png", b"first", "image/png"), ("b.png", b"second", "image/png")],
        mask=("mask.png", b"mask", "image/png"),
        prompt="add a hat",
        output_format="webp",
    )
    assert result.output_format == "webp"
    assert webp_size(base64.b64decode(result.data[0].b64_json)) == (1024, 1024)
    assert result.usage.input_tokens_details.image_tokens > 0
    form = api.fake.requests.last.form
    assert form is not None and form.get("prompt") == "add a hat" and form.file("mask") is not None


async def test_streamed_edit_sends_image_edit_events(api: Api) -> None:
    stream = await api(
        "images.edit",
        model="gpt-image-1",
        image=("a.png", b"x", "image/png"),
        prompt="snow",
        stream=True,
        partial_images=1,
    )
    events = await api.collect(stream)
    assert [e.type for e in events] == ["image_edit.partial_image", "image_edit.completed"]
    assert base64.b64decode(events[-1].b64_json) == fakeopenai.image_for("snow")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # openai 3.x deprecates create_variation
async def test_variation_follows_the_uploaded_bytes(api: Api) -> None:
    upload = b"\x89PNG some picture"
    result = await api(
        "images.create_variation", image=("a.png", upload, "image/png"), n=2, response_format="b64_json",
        size="512x512",
    )
    pictures = [base64.b64decode(item.b64_json) for item in result.data]
    assert pictures[0] == fakeopenai.image_for(hashlib.sha256(upload).hexdigest(), size="512x512")
    assert pictures[0] != pictures[1]
    assert png(pictures[0])[:2] == (512, 512)


async def test_bad_requests_get_the_real_errors(api: Api) -> None:
    with pytest.raises(openai.BadRequestError) as size:
        await api("images.generate", model="gpt-image-1", prompt="x", size="big")
    assert size.value.code == "invalid_value" and size.value.param == "size"
    with pytest.raises(openai.BadRequestError) as n:
        await api("images.generate", model="gpt-image-1", prompt="x", n=11)
    assert n.value.code == "integer_above_max_value"
    with pytest.raises(openai.BadRequestError) as missing:
        await api("images.generate", model="gpt-image-1", prompt=None)
    assert missing.value.param == "prompt"
    with pytest.raises(openai.BadRequestError, match="field required"):
        posted = api.client.post(
            "/images/edits",
            cast_to=object,
            body={"prompt": "x"},
            files=[("other", ("a.png", b"x", "image/png"))],
            options={"headers": {"Content-Type": "multipart/form-data"}},
        )
        if inspect.isawaitable(posted):
            await posted


async def test_faults_and_recording_apply_to_images(api: Api) -> None:
    api.fake.fail(429, endpoint="/images/generations")
    with pytest.raises(openai.RateLimitError):
        await api("images.generate", model="gpt-image-1", prompt="x")
    await api("images.generate", model="gpt-image-1", prompt="x")
    assert [r.status for r in api.fake.requests.where(endpoint="/images/generations")] == [429, 200]


# -- over `serve` ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[Any]:
    pytest.importorskip("uvicorn")
    from fakeopenai.server import app

    from .test_server import Served

    with Served(app(fakeopenai.FakeOpenAI(seed=1))) as running:
        yield running


def test_generate_and_stream_over_the_server(served: Any) -> None:
    client = openai.OpenAI(
        base_url=f"{served.base}/v1", api_key="sk-test", max_retries=0, _strict_response_validation=True
    )
    with client:
        result = client.images.generate(model="gpt-image-1", prompt="over http", size="1024x1024")
        assert base64.b64decode(result.data[0].b64_json) == fakeopenai.image_for("over http")
        events = list(
            client.images.edit(
                model="gpt-image-1", image=("a.png", b"x", "image/png"), prompt="edited", stream=True, partial_images=2
            )
        )
    assert [e.type for e in events][-1] == "image_edit.completed"
    assert len(events) == 3
