"""Policy evaluation speed: 100 compiled rules against one request, p50/p99 in microseconds.

    .venv/bin/python bench/policy/evaluate.py [--iterations N]

Cases:
  mixed-100      100 rules as a real set looks: 60 regex/keyword rules (confidential names, secrets in code),
                 15 team-scoped, 10 model allow/deny-lists, 10 expressions, 5 transforms/routes; a 2 KB
                 prompt that matches a few of them (decision includes a transform and a region)
  mixed-100-deny the same set, a prompt that a regex rule denies
  expr-100       worst case: 100 rules that all need an expression and a glob (no pattern pre-filter)
  stage-mixed    mixed-100 through `RequestEnforcer.enforce` on an OpenAI body: text extraction from the
                 body, facts, evaluation, effects (what the gateway pays per request)
PII detection (`when.pii`) is the PII engine's cost (bench/pii) and is left out here.
"""

# ruff: noqa: E501

from __future__ import annotations

import argparse
import copy
import statistics
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from bastion.apis.openai_chat import API as CHAT
from bastion.config.policy import PolicySettings
from bastion.context import Principal, RequestContext
from bastion.policy.compiled import compile_document
from bastion.policy.enforce import RequestEnforcer
from bastion.policy.facts import Facts

WORDS = "the quarterly report covers revenue growth churn and the roadmap for next year " * 30


def mixed_rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for i in range(40):
        rules.append({"id": f"name-{i}", "when": {"text_matches": [f"(?i)project\\s+codename{i}\\b"]},
                      "then": {"action": "deny", "message": "confidential"}})  # fmt: skip
    for i in range(20):
        rules.append({"id": f"kw-{i}", "when": {"keywords": [f"secretword{i}", f"internal-{i}"]},
                      "then": {"action": "flag"}})  # fmt: skip
    for i in range(15):
        rules.append({"id": f"team-{i}", "scope": {"teams": [f"team{i}"]}, "when": {"models": ["gpt-4*"]},
                      "then": {"action": "route", "require_region": "eu"}})  # fmt: skip
    for i in range(10):
        rules.append({"id": f"models-{i}", "scope": {"teams": [f"cheap{i}"]}, "when": {"models_not": ["*-mini"]},
                      "then": {"action": "deny"}})  # fmt: skip
    for i in range(10):
        rules.append({"id": f"expr-{i}", "when": {"expr": f"request.prompt_tokens > {100000 + i} or metadata.tier == 'x{i}'"},
                      "then": {"action": "deny"}})  # fmt: skip
    rules += [
        {"id": "eu", "scope": {"teams": ["eu-team"]}, "then": {"action": "route", "require_region": "eu"}},
        {"id": "cap", "when": {"models": ["gpt-4o*"]}, "then": {"action": "transform", "max_tokens": 512}},
        {"id": "sys", "when": {"use_case": ["support"]}, "then": {"action": "transform", "system_prompt": "Be polite."}},
        {"id": "secrets", "when": {"text_matches": ["AKIA[0-9A-Z]{16}", "-----BEGIN [A-Z ]*PRIVATE KEY-----"]},
         "then": {"action": "deny", "message": "no secrets"}},
        {"id": "shadow", "mode": "shadow", "when": {"keywords": ["roadmap"]}, "then": {"action": "deny"}},
    ]  # fmt: skip
    return rules


def expr_rules() -> list[dict[str, Any]]:
    return [
        {"id": f"e{i}", "when": {"models": ["gpt-*"], "expr": f"request.prompt_tokens > {10**6 + i} or caller.team == 'z{i}'"},
         "then": {"action": "deny"}}
        for i in range(100)
    ]  # fmt: skip


def measure(fn: Callable[[], Any], iterations: int) -> tuple[float, float]:
    for _ in range(min(2000, iterations)):
        fn()
    samples = []
    clock = time.perf_counter_ns
    for _ in range(iterations):
        t0 = clock()
        fn()
        samples.append(clock() - t0)
    samples.sort()
    return statistics.median(samples) / 1000, samples[int(len(samples) * 0.99)] / 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=20000)
    args = parser.parse_args()
    mixed = compile_document({"policies": mixed_rules()}, 1)
    worst = compile_document({"policies": expr_rules()}, 1)
    assert len(mixed) == 100 and len(worst) == 100
    text = "You are a helpful assistant.\n" + WORDS[:2000]

    def facts(t: str = text) -> Facts:
        return Facts(api="openai.chat", model="gpt-4o", texts=[t], team="eu-team", key_id="k1",
                     use_case="support", headers={})  # fmt: skip

    assert mixed.evaluate(facts()).record()["require_region"] == ["eu"]
    denied = text + " about Project Codename7 plans"
    assert mixed.evaluate(facts(denied)).deny is not None

    enforcer = RequestEnforcer(SimpleNamespace(active=mixed), PolicySettings(), ["a", "b"], lambda: None)
    body = {"model": "gpt-4o", "messages": [{"role": "system", "content": "You are a helpful assistant."},
                                            {"role": "user", "content": WORDS[:2000]}]}  # fmt: skip
    principal = Principal(key_id="k1", name="bench", team="eu-team")

    def stage() -> None:
        ctx = RequestContext("bench", CHAT, copy.deepcopy(body), {"x-bastion-use-case": "support"})
        ctx.model, ctx.principal = "gpt-4o", principal
        enforcer.enforce(ctx)

    def deny() -> None:
        mixed.evaluate(facts(denied))

    copy_cost = measure(lambda: copy.deepcopy(body), args.iterations)[0]
    print(f"{'case':<16}{'p50 us':>10}{'p99 us':>10}")
    for name, fn in (
        ("mixed-100", lambda: mixed.evaluate(facts())),
        ("mixed-100-deny", deny),
        ("expr-100", lambda: worst.evaluate(facts())),
        ("stage-mixed", stage),
    ):
        p50, p99 = measure(fn, args.iterations)
        if name == "stage-mixed":
            p50, p99 = p50 - copy_cost, p99 - copy_cost  # the body copy is the benchmark's, not the gateway's
        print(f"{name:<16}{p50:>10.1f}{p99:>10.1f}")


if __name__ == "__main__":
    main()
