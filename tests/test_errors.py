"""Bad input and scripted failures get what the real API gives, as the SDK's own exceptions."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

import fakeopenai

from .conftest import OPENAI_MAJOR, Api

HI = [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(
    ("kwargs", "param", "code"),
    [
        ({"model": "m", "messages": "Hi"}, "messages", "invalid_type"),
        ({"model": "m", "messages": []}, "messages", "empty_array"),
        ({"model": "m", "messages": [{"role": "bot", "content": "x"}]}, "messages[0].role", "invalid_value"),
        ({"model": "m", "messages": [{"role": "user", "content": 3}]}, "messages[0].content", "invalid_type"),
        ({"model": "m", "messages": HI, "temperature": "hot"}, "temperature", "invalid_type"),
        ({"model": "m", "messages": HI, "temperature": 3}, "temperature", "decimal_above_max_value"),
        ({"model": "m", "messages": HI, "n": 0}, "n", "integer_below_min_value"),
    ],
)
async def test_bad_request_names_the_param(api: Api, kwargs: dict[str, object], param: str, code: str) -> None:
    api.fake.reply("must not be consumed by a rejected request")
    with pytest.raises(openai.BadRequestError) as caught:
        await api("chat.completions.create", extra_body=kwargs, **_placeholders(kwargs))
    error = caught.value
    assert error.status_code == 400
    assert error.param == param
    assert error.code == code
    assert error.type == "invalid_request_error"
    assert isinstance(error.body, dict) and set(error.body) == {"message", "type", "param", "code"}
    assert len(api.fake.pending) == 1


def _placeholders(kwargs: dict[str, object]) -> dict[str, object]:
    """Required SDK arguments, overridden on the wire by ``extra_body`` (so missing ones go missing)."""
    return {"model": kwargs.get("model", "m"), "messages": HI}


def test_missing_field_really_missing_on_the_wire(fake: fakeopenai.FakeOpenAI) -> None:
    with httpx.Client(transport=fakeopenai.HttpxTransport(fake)) as http:
        response = http.post("https://api.openai.com/v1/chat/completions", json={"messages": HI})
        bad_json = http.post(
            "https://api.openai.com/v1/chat/completions",
            content=b"{not json",
            headers={"content-type": "application/json"},
        )
        unknown = http.get("https://api.openai.com/v1/nothing/here")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "model"
    assert bad_json.status_code == 400
    assert bad_json.json()["error"]["message"].startswith("We could not parse the JSON body")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "error": {
            "message": "Invalid URL (GET /v1/nothing/here)",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }
    assert all(r.headers["x-request-id"].startswith("req_") for r in (response, bad_json, unknown))


async def test_unknown_path_is_not_found(api: Api) -> None:
    async def call() -> None:
        result = api.method("post")("/no/such/endpoint", cast_to=object, body={})
        if api.is_async:
            await result

    with pytest.raises(openai.NotFoundError) as caught:
        await call()
    assert "Invalid URL (POST /v1/no/such/endpoint)" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "exception"),
    [
        (400, openai.BadRequestError),
        (401, openai.AuthenticationError),
        (403, openai.PermissionDeniedError),
        (404, openai.NotFoundError),
        (409, openai.ConflictError),
        (422, openai.UnprocessableEntityError),
        (429, openai.RateLimitError),
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
    ],
)
async def test_fail_maps_to_the_sdk_exception(api: Api, status: int, exception: type[Exception]) -> None:
    api.fake.fail(status)
    with pytest.raises(exception) as caught:
        await api("chat.completions.create", model="m", messages=HI)
    assert caught.value.status_code == status  # type: ignore[attr-defined]
    assert caught.value.request_id.startswith("req_")  # type: ignore[attr-defined]


async def test_fail_message_and_code(api: Api) -> None:
    api.fake.fail(429, code="insufficient_quota")
    with pytest.raises(openai.RateLimitError) as caught:
        await api("chat.completions.create", model="m", messages=HI)
    assert caught.value.code == "insufficient_quota"
    assert "exceeded your current quota" in caught.value.message
    if OPENAI_MAJOR >= 3:
        assert str(caught.value).startswith("Error code: 429 - You exceeded")
    else:
        assert str(caught.value).startswith("Error code: 429 - {'error': {")


async def test_retries_honour_retry_after(api: Api) -> None:
    api.fake.fail(429, retry_after_ms=1, times=2)
    api.fake.reply("third time lucky")
    retrying = api.with_options(max_retries=2)
    completion = await retrying("chat.completions.create", model="m", messages=HI)
    assert completion.choices[0].message.content == "third time lucky"
    assert [r.status for r in api.fake.requests] == [429, 429, 200]
    assert [r.headers["x-stainless-retry-count"] for r in api.fake.requests] == ["0", "1", "2"]
    failed = api.fake.requests[0].response
    assert failed is not None and ("retry-after-ms", "1") in failed.headers


async def test_no_retries_when_max_retries_is_zero(api: Api) -> None:
    api.fake.fail(500)
    api.fake.reply("kept for the next request")
    with pytest.raises(openai.InternalServerError):
        await api("chat.completions.create", model="m", messages=HI)
    assert len(api.fake.requests) == 1
    completion = await api("chat.completions.create", model="m", messages=HI)
    assert completion.choices[0].message.content == "kept for the next request"


async def test_fail_on_any_endpoint(api: Api) -> None:
    api.fake.fail(503, endpoint="*")
    with pytest.raises(openai.InternalServerError):
        await api("chat.completions.create", model="m", messages=HI)


async def test_error_body_is_openai_shaped(api: Api) -> None:
    api.fake.fail(401)
    with pytest.raises(openai.AuthenticationError):
        await api("chat.completions.create", model="m", messages=HI)
    response = api.fake.requests.last.response
    assert response is not None
    body = json.loads(response.body)
    assert body["error"]["code"] == "invalid_api_key"
    assert ("www-authenticate", 'Bearer realm="OpenAI API"') in response.headers


async def test_scripted_header_replaces_the_default(api: Api) -> None:
    api.fake.fail(429, headers={"X-RateLimit-Remaining-Tokens": "0"})
    with pytest.raises(openai.RateLimitError) as caught:
        await api("chat.completions.create", model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
    headers = caught.value.response.headers
    assert headers.get_list("x-ratelimit-remaining-tokens") == ["0"]  # not the default as well
    assert headers["x-ratelimit-limit-tokens"]  # the other defaults stay


async def test_agents_trace_export_is_accepted(api: Api) -> None:
    """The OpenAI Agents SDK exports traces here from a background thread; a 404 would log errors."""
    raw = await api("post", path="/traces/ingest", body={"data": []}, cast_to=httpx.Response)
    assert raw.status_code == 204
    assert raw.content == b""
    assert api.fake.requests.last.endpoint == "/traces/ingest"
