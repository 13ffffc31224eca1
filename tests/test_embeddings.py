"""Embeddings through the real SDK: sync and async, every HTTP stack, base64 (the SDK's default) and floats."""

from __future__ import annotations

import base64
import json
import math
import struct

import openai
import pytest

import fakeopenai
from fakeopenai._wire import Request

from .conftest import Api

SMALL = "text-embedding-3-small"


def norm(vector: list[float]) -> float:
    return math.sqrt(math.fsum(x * x for x in vector))


def cosine(a: list[float], b: list[float]) -> float:
    return math.fsum(x * y for x, y in zip(a, b, strict=False)) / (norm(a) * norm(b))


def loose(api: Api) -> Api:
    """The SDK's default base64 path fails its own strict validation (WIRE.md §4): check it loosely."""
    return api.with_options(_strict_response_validation=False)


async def test_default_request_is_base64_and_decodes(api: Api) -> None:
    result = await loose(api)("embeddings.create", model=SMALL, input="The food was delicious")
    assert api.fake.requests.last.json == {
        "model": SMALL,
        "input": "The food was delicious",
        "encoding_format": "base64",
    }
    body = json.loads(api.fake.requests.last.response.body)
    assert isinstance(body["data"][0]["embedding"], str)
    (item,) = result.data
    assert result.object == "list" and result.model == SMALL
    assert item.object == "embedding" and item.index == 0
    assert len(item.embedding) == 1536
    assert norm(item.embedding) == pytest.approx(1.0, abs=1e-6)
    assert item.embedding == api.fake.embedding("The food was delicious")
    raw = base64.b64decode(body["data"][0]["embedding"])
    assert list(struct.unpack("<1536f", raw)) == item.embedding  # little-endian float32


async def test_deterministic_and_distinct(api: Api) -> None:
    client = loose(api)
    first = await client("embeddings.create", model=SMALL, input=["cat", "dog", "cat"])
    again = await client("embeddings.create", model=SMALL, input="cat")
    cat, dog, cat2 = (item.embedding for item in first.data)
    assert cat == cat2 == again.data[0].embedding
    assert cat != dog
    assert abs(cosine(cat, dog)) < 0.2  # unrelated texts are nearly orthogonal
    other_model = await client("embeddings.create", model="text-embedding-3-large", input="cat")
    assert len(other_model.data[0].embedding) == 3072
    assert [item.index for item in first.data] == [0, 1, 2]


async def test_float_format_is_the_same_vector(api: Api) -> None:
    floats = await api("embeddings.create", model=SMALL, input="hello", encoding_format="float")
    assert api.fake.requests.last.json["encoding_format"] == "float"
    vector = floats.data[0].embedding
    assert len(vector) == 1536 and all(isinstance(x, float) for x in vector)
    # printed in float32's shortest form, as the real API prints them
    assert b'"embedding":[' in api.fake.requests.last.response.body
    as_float32 = list(struct.unpack("<1536f", struct.pack("<1536f", *vector)))
    assert as_float32 == api.fake.embedding("hello")  # the same float32 values as the base64 answer
    assert norm(vector) == pytest.approx(1.0, abs=1e-6)


async def test_explicit_base64_is_left_encoded(api: Api) -> None:
    result = await loose(api)("embeddings.create", model=SMALL, input="hello", encoding_format="base64")
    encoded = result.data[0].embedding
    assert isinstance(encoded, str)
    assert list(struct.unpack("<1536f", base64.b64decode(encoded))) == api.fake.embedding("hello")


async def test_dimensions(api: Api) -> None:
    short = await api(
        "embeddings.create", model="text-embedding-3-large", input="x", dimensions=256, encoding_format="float"
    )
    assert len(short.data[0].embedding) == 256
    assert norm(short.data[0].embedding) == pytest.approx(1.0, abs=1e-6)
    assert api.fake.requests.last.json["dimensions"] == 256
    with pytest.raises(openai.BadRequestError) as ada:
        await api("embeddings.create", model="text-embedding-ada-002", input="x", dimensions=256)
    assert ada.value.body == {
        "message": "This model does not support specifying dimensions.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.BadRequestError) as big:
        await api("embeddings.create", model=SMALL, input="x", dimensions=2000)
    assert big.value.param == "dimensions" and big.value.code == "integer_above_max_value"


async def test_default_dimensions_and_reported_model(api: Api) -> None:
    client = loose(api)
    for model, size, reported in [
        ("text-embedding-3-small", 1536, "text-embedding-3-small"),
        ("text-embedding-3-large", 3072, "text-embedding-3-large"),
        ("text-embedding-ada-002", 1536, "text-embedding-ada-002-v2"),
    ]:
        result = await client("embeddings.create", model=model, input="x")
        assert len(result.data[0].embedding) == size
        assert result.model == reported


async def test_token_inputs_and_usage(api: Api) -> None:
    client = loose(api)
    tokens = await client("embeddings.create", model=SMALL, input=[15339, 1917, 0])
    assert len(tokens.data) == 1
    assert tokens.usage.prompt_tokens == tokens.usage.total_tokens == 3
    lists = await client("embeddings.create", model=SMALL, input=[[1, 2], [3, 4, 5]])
    assert [item.index for item in lists.data] == [0, 1]
    assert lists.usage.prompt_tokens == 5
    assert lists.data[0].embedding != lists.data[1].embedding
    assert lists.data[0].embedding == api.fake.embedding([1, 2])
    texts = await client("embeddings.create", model=SMALL, input=["Hello world", "Hi"])
    assert texts.usage.prompt_tokens == texts.usage.total_tokens > 2


@pytest.mark.parametrize("bad", ["", [], [""], ["ok", ""], [[]]])
async def test_empty_input_is_rejected_like_the_real_api(api: Api, bad: object) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        await api("embeddings.create", model=SMALL, input=bad)
    assert error.value.body["message"].startswith("'$.input' is invalid.")
    assert error.value.status_code == 400


def test_repeated_requests_answer_the_same_bytes() -> None:
    """The same input gives the same vector, byte for byte, request after request (its cost is
    measured by benchmarks, never asserted here)."""
    fake = fakeopenai.FakeOpenAI(seed=0)
    body = json.dumps({"model": SMALL, "input": "hello", "encoding_format": "base64"}).encode()

    def call() -> bytes:
        request = Request("POST", "https://api.openai.com/v1/embeddings", "/v1/embeddings", {}, {}, body)
        response = fake.handle(request)
        assert response.status == 200
        return bytes(json.loads(response.body)["data"][0]["embedding"], "ascii")

    first = call()
    assert all(call() == first for _ in range(50))
