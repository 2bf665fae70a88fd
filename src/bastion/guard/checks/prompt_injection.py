"""`prompt_injection`: direct overrides and their paraphrases, jailbreak role-play, system-prompt
extraction, and instructions hidden in documents, e-mails, web pages and code comments (tool results).
en, de, fr, es, it, pt, nl. Shipped linear model (`bench/guard/train.py`, figures in bench/guard/)."""

from __future__ import annotations

from bastion.guard.linear import LinearModel

NAME = "prompt_injection"
THRESHOLD = 0.7
WHERE = ("prompt", "tool_result")


class Check:
    name = NAME
    threshold = THRESHOLD
    where = WHERE

    def __init__(self) -> None:
        self.model = LinearModel.packaged(NAME)

    def score(self, text: str) -> float:
        return self.model.score(text)
