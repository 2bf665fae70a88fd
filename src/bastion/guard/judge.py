"""`judge`: a model-graded check for what small classifiers cannot judge (bias, unsupported claims,
off-topic answers, a custom rubric). It asks a configured model, through the gateway's own pipeline
(routing, PII protection of the judge's provider, limits, cost and audit under the caller's key), for a
structured verdict `{"violation": bool, "score": 0..1, "reason": "..."}`.

The text it sees is the answer as the provider sent it (before pseudonyms are restored) and the last
question, both cut to `max_chars`. Sampling (`sample`) decides per answer; `mode: shadow` judges after
the answer was released (recorded only), `mode: enforce` holds the answer until the verdict."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from bastion.config.guardrails import JudgeConfig

# (parent ctx, chat body, the judge call's request id) -> the chat response
Runner = Callable[[Any, dict[str, Any], str], Awaitable[dict[str, Any]]]
_OBJECT = re.compile(r"\{.*\}", re.S)

SYSTEM = (
    "You are a strict content reviewer. Judge the ANSWER against the RUBRIC (the QUESTION is context). "
    'Reply with one JSON object and nothing else: {"violation": true or false, "score": a number from 0 '
    'to 1 saying how clearly the rubric is violated, "reason": "one short sentence"}.'
)


class JudgeError(Exception):
    """The judge could not give a verdict (model error, timeout, unreadable answer)."""


def parse_verdict(content: str) -> float:
    """The score of a verdict text (JSON, possibly inside prose or a code fence)."""
    match = _OBJECT.search(content or "")
    if match is None:
        raise JudgeError("the judge's answer holds no JSON object")
    try:
        doc = orjson.loads(match.group(0))
    except orjson.JSONDecodeError:
        raise JudgeError("the judge's answer is not valid JSON") from None
    if not isinstance(doc, dict):
        raise JudgeError("the judge's verdict is not an object")
    score = doc.get("score")
    if isinstance(score, int | float) and not isinstance(score, bool) and 0 <= score <= 1:
        return float(score)
    if isinstance(doc.get("violation"), bool):
        return 1.0 if doc["violation"] else 0.0
    raise JudgeError("the judge's verdict has neither a score in 0..1 nor a boolean violation")


class Judge:
    def __init__(self, config: JudgeConfig, threshold: float) -> None:
        self.config = config
        self.threshold = threshold
        self.rng = random.Random()
        self.runner: Runner | None = None  # bound by the composition root (the pipeline itself)

    def sampled(self) -> bool:
        return self.config.sample >= 1.0 or self.rng.random() < self.config.sample

    def request(self, question: str, answer: str) -> dict[str, Any]:
        cap = self.config.max_chars
        user = f"RUBRIC:\n{self.config.rubric}\n\nQUESTION:\n{question[-cap:]}\n\nANSWER:\n{answer[:cap]}"
        return {
            "model": self.config.model,
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}],
            "temperature": 0,
            "max_tokens": 200,
        }

    async def score(self, parent: Any, question: str, answer: str, request_id: str) -> float:
        """The verdict's score; the judge's own request is recorded under `request_id`."""
        if self.runner is None:
            raise JudgeError("the judge is not connected to the gateway")
        try:
            call = self.runner(parent, self.request(question, answer), request_id)
            body = await asyncio.wait_for(call, self.config.timeout)
        except TimeoutError:
            raise JudgeError(f"the judge model did not answer within {self.config.timeout} s") from None
        except JudgeError:
            raise
        except Exception as exc:
            raise JudgeError(f"the judge model failed: {type(exc).__name__}") from None
        try:
            content = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise JudgeError("the judge model's answer has no message") from None
        return parse_verdict(content if isinstance(content, str) else "")
