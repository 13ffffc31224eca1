"""``/fine_tuning/alpha/graders/run`` and ``/validate``: graders for reinforcement fine-tuning.

``run`` grades ``model_sample`` (with ``item``) deterministically: the ``{{sample.output_text}}``,
``{{sample.output_json.<key>}}`` and ``{{item.<key>}}`` templates are filled in; ``string_check``
compares as its ``operation`` says (``eq``, ``ne``, ``like``, ``ilike``); ``text_similarity`` scores
the two texts with a character similarity ratio (``difflib``, whatever the ``evaluation_metric``);
``multi`` averages its graders (its ``calculate_output`` formula is not evaluated); ``python``,
``score_model`` and ``label_model`` graders, which would run code or a model, give 1.0.
``validate`` answers the grader as given.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from .._state import State
from .._validation import require
from .._wire import Request, Response
from ._common import json_object, ok

__all__ = ["run", "validate"]

_TEMPLATE = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")


def _render(text: Any, context: dict[str, Any]) -> str:
    def lookup(match: re.Match[str]) -> str:
        value: Any = context
        for key in match.group(1).split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value)

    return _TEMPLATE.sub(lookup, text if isinstance(text, str) else "")


def _grade(grader: Any, context: dict[str, Any], sub_rewards: dict[str, Any]) -> float:
    if not isinstance(grader, dict):
        return 0.0
    kind = grader.get("type")
    if kind == "string_check":
        given, reference = _render(grader.get("input"), context), _render(grader.get("reference"), context)
        operation = grader.get("operation")
        if operation == "ne":
            return float(given != reference)
        if operation == "like":
            return float(reference in given)
        if operation == "ilike":
            return float(reference.lower() in given.lower())
        return float(given == reference)
    if kind == "text_similarity":
        given, reference = _render(grader.get("input"), context), _render(grader.get("reference"), context)
        return round(difflib.SequenceMatcher(None, given, reference).ratio(), 4)
    if kind == "multi":
        graders = grader.get("graders")
        if isinstance(graders, dict) and "type" in graders:  # one grader (the SDK's type), else named ones
            graders = {str(graders.get("name") or "0"): graders}
        members = graders.items() if isinstance(graders, dict) else enumerate(graders or ())
        rewards = []
        for name, member in members:
            reward = _grade(member, context, {})
            sub_rewards[str(name)] = reward
            rewards.append(reward)
        return sum(rewards) / len(rewards) if rewards else 0.0
    return 1.0


def run(state: State, request: Request) -> Response:
    """``POST /fine_tuning/alpha/graders/run``: the reward of one sample."""
    body = json_object(request)
    grader = require(body, "grader", "object")
    sample = require(body, "model_sample", "string")
    try:
        output_json = json.loads(sample)
    except ValueError:
        output_json = None
    context = {"sample": {"output_text": sample, "output_json": output_json}, "item": body.get("item") or {}}
    sub_rewards: dict[str, Any] = {}
    reward = _grade(grader, context, sub_rewards)
    errors: dict[str, Any] = dict.fromkeys(
        (
            "formula_parse_error",
            "invalid_variable_error",
            "model_grader_parse_error",
            "model_grader_refusal_error",
            "model_grader_server_error",
            "other_error",
            "python_grader_runtime_error",
            "python_grader_server_error",
            "sample_parse_error",
            "truncated_observation_error",
            "unresponsive_reward_error",
        ),
        False,
    )
    errors.update(
        model_grader_server_error_details=None,
        python_grader_runtime_error_details=None,
        python_grader_server_error_type=None,
    )
    metadata = {
        "errors": errors,
        "execution_time": 0.01,
        "name": str(grader.get("name") or ""),
        "sampled_model_name": None,
        "scores": {"0": reward, **sub_rewards},
        "token_usage": None,
        "type": str(grader.get("type") or ""),
    }
    payload: dict[str, Any] = {"metadata": metadata, "model_grader_token_usage_per_model": {}}
    payload.update(reward=reward, sub_rewards=sub_rewards)
    return ok(state, payload)


def validate(state: State, request: Request) -> Response:
    """``POST /fine_tuning/alpha/graders/validate``: the grader, as given."""
    body = json_object(request)
    return ok(state, {"grader": require(body, "grader", "object")})
