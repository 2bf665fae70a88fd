"""The judge's modes and failures end to end: shadow (the answer goes out untouched, the verdict is
recorded after), a judge model that fails (recorded `not_evaluated`, then `on_error` decides)."""

# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

from fakes import Fakes
from guard.conftest import audit_record, guard_config
from harness import ADMIN_KEY, Gateway, marker

CLAIM = "Our supplement is guaranteed to cure flu."


def judge_gateway(fakes: Fakes, tmp: Any, **judge: Any) -> Gateway:
    config = guard_config(fakes, tmp / "bastion.db")
    config["guardrails"] = {"judge": {"model": "demo-judge", "on": "response", "action": "block", **judge}}
    config["policies"] = []
    return Gateway.start(config)


@pytest.fixture(scope="module")
def gateways(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Gateway]]:
    gws = {
        "shadow": judge_gateway(fakes, tmp_path_factory.mktemp("shadow"), mode="shadow"),
        "down-block": judge_gateway(fakes, tmp_path_factory.mktemp("down1"), model="openai-fail-503",
                                    mode="enforce", on_error="block"),
        "down-allow": judge_gateway(fakes, tmp_path_factory.mktemp("down2"), model="openai-fail-503",
                                    mode="enforce", on_error="allow"),
        "sampled": judge_gateway(fakes, tmp_path_factory.mktemp("sampled"), mode="enforce", sample=0.0),
    }  # fmt: skip
    yield gws
    for gw in gws.values():
        gw.stop()


def ask(gw: Gateway, text: str, stream: bool, rid: str) -> tuple[str, str | None]:
    with openai.OpenAI(base_url=gw.openai_base, api_key=ADMIN_KEY, max_retries=0, timeout=30) as c:
        messages: Any = [{"role": "user", "content": text}]
        h = {"x-request-id": rid}
        if not stream:
            r = c.chat.completions.create(model="openai-echo", messages=messages, extra_headers=h)
            return r.choices[0].message.content or "", r.choices[0].finish_reason
        text, reason = "", None
        for chunk in c.chat.completions.create(model="openai-echo", messages=messages, stream=True, extra_headers=h):
            for choice in chunk.choices:
                text += choice.delta.content or ""
                reason = choice.finish_reason or reason
        return text, reason


def judge_verdict(gw: Gateway, rid: str) -> dict[str, Any]:
    def has_judge(record: dict[str, Any]) -> bool:
        return any(c["check"] == "judge" for c in record.get("checks") or ())

    record = audit_record(gw, rid, until=has_judge)
    return next(c for c in record["checks"] if c["check"] == "judge")


@pytest.mark.parametrize("stream", [False, True])
def test_shadow_releases_the_answer_and_records_the_verdict(gateways: dict[str, Gateway], stream: bool) -> None:
    rid = "judge-shadow-" + marker()
    text, reason = ask(gateways["shadow"], CLAIM, stream, rid)
    assert text == f"Echo: {CLAIM}" and reason == "stop"
    verdict = judge_verdict(gateways["shadow"], rid)
    assert verdict["outcome"] == "flagged" and verdict["score"] == 0.9 and verdict["action"] == "block"


@pytest.mark.parametrize("stream", [False, True])
def test_a_judge_that_cannot_run_is_not_evaluated_and_blocks_under_on_error_block(
    gateways: dict[str, Gateway], stream: bool
) -> None:
    rid = "judge-down-" + marker()
    text, reason = ask(gateways["down-block"], "The meeting is at noon.", stream, rid)
    assert text == "" and reason == "content_filter"
    verdict = judge_verdict(gateways["down-block"], rid)
    assert verdict["outcome"] == "not_evaluated" and verdict["score"] is None


@pytest.mark.parametrize("stream", [False, True])
def test_on_error_allow_lets_the_answer_through_still_not_evaluated(gateways: dict[str, Gateway], stream: bool) -> None:
    rid = "judge-allow-" + marker()
    text, reason = ask(gateways["down-allow"], "The meeting is at noon.", stream, rid)
    assert text == "Echo: The meeting is at noon." and reason == "stop"
    assert judge_verdict(gateways["down-allow"], rid)["outcome"] == "not_evaluated"


def test_sampled_out_answers_are_recorded_as_such(gateways: dict[str, Gateway]) -> None:
    rid = "judge-sampled-" + marker()
    text, _ = ask(gateways["sampled"], CLAIM, False, rid)
    assert text == f"Echo: {CLAIM}"
    assert judge_verdict(gateways["sampled"], rid)["outcome"] == "sampled_out"
