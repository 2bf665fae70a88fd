"""`toxicity`: insults and harassment aimed at a person or group, hate about protected characteristics,
threats, sexual harassment, encouragement of self-harm. Trained with hard negatives (technical and
medical language, texts *about* harassment). Shipped linear model (`bench/guard/train.py`)."""

from __future__ import annotations

from bastion.guard.linear import LinearModel

NAME = "toxicity"
THRESHOLD = 0.5
WHERE = ("prompt", "response")


class Check:
    name = NAME
    threshold = THRESHOLD
    where = WHERE

    def __init__(self) -> None:
        self.model = LinearModel.packaged(NAME)

    def score(self, text: str) -> float:
        return self.model.score(text)
