"""The fake_openai fixture, tested as users run it: a pytest run of a user's test file."""

from __future__ import annotations

import pytest


def test_fixture_is_registered_and_patches(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import openai
        from fakeopenai import ToolCall

        def test_reply(fake_openai):
            fake_openai.reply("Hello from the fixture")
            client = openai.OpenAI()
            completion = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
            )
            assert completion.choices[0].message.content == "Hello from the fixture"
            assert fake_openai.requests[-1].json["messages"][0]["content"] == "Hi"

        def test_fresh_fake_each_test(fake_openai):
            assert len(fake_openai.requests) == 0 and fake_openai.pending == []

        def test_tool_call(fake_openai):
            fake_openai.reply(tool_calls=[ToolCall("get_weather", {"city": "Paris"})])
            message = openai.OpenAI().chat.completions.create(
                model="m", messages=[{"role": "user", "content": "weather?"}]
            ).choices[0].message
            assert message.tool_calls[0].function.name == "get_weather"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_fixture_fails_a_wrong_assertion(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import openai

        def test_wrong(fake_openai):
            fake_openai.reply("actual")
            text = openai.OpenAI().chat.completions.create(
                model="m", messages=[{"role": "user", "content": "Hi"}]
            ).choices[0].message.content
            assert text == "expected"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)


CASSETTE_CONFTEST = """
import os

import pytest

import fakeopenai


@pytest.fixture
def fakeopenai_cassette_options():
    return {"upstream": fakeopenai.FakeOpenAI(seed=os.environ.get("UPSTREAM_SEED", "1"))}
"""

CASSETTE_TESTS = """
import os

import openai
import pytest

QUESTION = os.environ.get("QUESTION", "Summarise")


@pytest.mark.fakeopenai_cassette
def test_summary(fake_openai):
    answer = openai.OpenAI().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": QUESTION}]
    )
    print("ID", answer.id)


@pytest.mark.fakeopenai_cassette("shared.yaml")
def test_without_the_fixture():
    stream = openai.OpenAI().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], stream=True
    )
    print("TEXT", "".join(c.choices[0].delta.content or "" for c in stream if c.choices))
"""


def test_cassette_marker_and_record_option(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeconftest(CASSETTE_CONFTEST)
    pytester.makepyfile(test_user=CASSETTE_TESTS)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)

    missing = pytester.runpytest_subprocess("-p", "no:cacheprovider")  # replay only: no cassette yet
    missing.assert_outcomes(failed=2)
    missing.stdout.fnmatch_lines(["*the file does not exist; record it with*"])

    recorded = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", "--fakeopenai-record=once")
    recorded.assert_outcomes(passed=2)
    assert (pytester.path / "cassettes" / "test_user" / "test_summary.yaml").exists()
    assert (pytester.path / "shared.yaml").exists()
    ids = [line for line in recorded.outlines if line.startswith(("ID", "TEXT"))]

    monkeypatch.setenv("UPSTREAM_SEED", "2")  # an upstream that would answer differently now
    replayed = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    replayed.assert_outcomes(passed=2)
    assert [line for line in replayed.outlines if line.startswith(("ID", "TEXT"))] == ids

    monkeypatch.setenv("QUESTION", "Summarise briefly")
    changed = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    changed.assert_outcomes(passed=1, failed=1)
    changed.stdout.fnmatch_lines(["*messages[[]0[]].content: recorded 'Summarise', sent 'Summarise briefly'*"])
