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
