"""The demo provider's `judge` model: answers the guard's judge prompt (`bastion.guard.judge`) with a
structured verdict, deterministically and offline, so the judge works without keys.

It reads the ANSWER part of the prompt and calls it a violation when it makes sweeping unsupported claims
("guaranteed", "100%", "always works", "everyone knows", ...) or when the shipped toxicity model scores
it at 0.5 or more. A stand-in for a real model, good for demos and tests, not for production verdicts."""

from __future__ import annotations

import re

import orjson

_CLAIMS = re.compile(
    r"\b(guaranteed?|100\s?%|always works|never fails|proven fact|everyone knows|definitely cures|"
    r"no risk at all|scientifically proven)\b",
    re.I,
)


def verdict(prompt: str) -> str:
    answer = prompt.rsplit("ANSWER:\n", 1)[-1]
    if _CLAIMS.search(answer):
        doc = {"violation": True, "score": 0.9, "reason": "the answer makes sweeping unsupported claims"}
    else:
        from bastion.guard.checks.toxicity import Check

        toxic = Check().score(answer)
        if toxic >= 0.5:
            doc = {"violation": True, "score": round(toxic, 3), "reason": "the answer is abusive"}
        else:
            doc = {"violation": False, "score": round(toxic / 2, 3), "reason": "no violation of the rubric"}
    return orjson.dumps(doc).decode()
