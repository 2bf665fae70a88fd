"""The shipped detectors' model: a linear classifier over `bastion.guard.features`, stored as JSON
(`{"bias", "weights": {feature: weight}, "meta"}`) in `bastion/guard/models/`, scored in pure Python.

A long text is scored per window (its sentences, see `windows`) and gets its highest window score, so
one injected sentence in a long e-mail is not diluted by the rest of it.
"""

from __future__ import annotations

import math
import re
from importlib import resources
from itertools import repeat
from typing import Any

import orjson

from bastion.guard.features import features

WINDOW = 400  # a text up to this long is scored whole; a longer one per sentence
MIN_WINDOW = 50  # shorter sentences are joined with the next (a few words say too little alone)
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\n])\s+")


def windows(text: str, size: int = WINDOW) -> list[str]:
    """`text` whole when short; else its sentences (joined up to `MIN_WINDOW` characters, long ones cut
    at a space near `size`), so one injected sentence in a long document is scored on its own."""
    if len(text) <= size:
        return [text]
    out: list[str] = []
    current = ""
    for piece in _SENTENCE_END.split(text):
        sentence = piece
        while len(sentence) > size:  # one very long sentence: cut at a space near `size`
            cut = sentence.rfind(" ", size // 2, size)
            cut = cut if cut > 0 else size
            if current:
                out.append(current)
                current = ""
            out.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        current = f"{current} {sentence}" if current else sentence
        if len(current) >= MIN_WINDOW:
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def sigmoid(x: float) -> float:
    if x < -40:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


class LinearModel:
    __slots__ = ("bias", "meta", "weights")

    def __init__(self, weights: dict[str, float], bias: float, meta: dict[str, Any] | None = None) -> None:
        self.weights = weights
        self.bias = bias
        self.meta = meta or {}

    @classmethod
    def packaged(cls, name: str) -> LinearModel:
        data = resources.files("bastion.guard").joinpath("models", f"{name}.json").read_bytes()
        return cls.from_json(data)

    @classmethod
    def from_json(cls, data: bytes) -> LinearModel:
        doc = orjson.loads(data)
        return cls({k: float(v) for k, v in doc["weights"].items()}, float(doc["bias"]), doc.get("meta"))

    def logit(self, text: str) -> float:
        return self.logit_of(features(text))

    def logit_of(self, found: list[str]) -> float:
        if not found:
            return self.bias
        return self.bias + sum(map(self.weights.get, found, repeat(0.0))) / math.sqrt(len(found))

    def score(self, text: str) -> float:
        """0..1: the highest window's probability."""
        return self.score_featurized(featurize(text))

    def score_featurized(self, windows_features: list[list[str]]) -> float:
        """`score` from `featurize(text)`: several models score one text's features, extracted once."""
        if not windows_features:
            return 0.0
        return sigmoid(max(map(self.logit_of, windows_features)))


def featurize(text: str) -> list[list[str]]:
    """The features of each window of `text` (none for a blank text): what every model scores."""
    if not text.strip():
        return []
    return [features(w) for w in windows(text)]
