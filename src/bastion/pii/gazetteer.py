"""Word lists shipped as package data (built by ``bench/pii/build_gazetteers.py``), loaded once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources


def _load(name: str) -> frozenset[str]:
    text = resources.files("bastion.pii").joinpath("data", f"{name}.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line)


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Lower-cased first names, last names, place names and frequent English words."""

    first_names: frozenset[str]
    last_names: frozenset[str]
    places: frozenset[str]
    common_words: frozenset[str]
    countries: frozenset[str]
    place_heads: frozenset[str]  # first words of multi-word place names ("porto" for "porto alegre")

    def is_name(self, lower: str) -> bool:
        return lower in self.first_names or lower in self.last_names


@cache
def load_common_words() -> frozenset[str]:
    """Only the frequent-word list, for recognizers that need no names or places (cached, shared)."""
    return _load("common_words")


@cache
def load_gazetteer() -> Gazetteer:
    """Read the shipped lists (immutable; cached so every engine in the process shares one copy)."""
    places = _load("places")
    heads = frozenset(p.split(" ", 1)[0] for p in places if " " in p)
    return Gazetteer(
        _load("first_names"), _load("last_names"), places, load_common_words(), _load("countries"), heads
    )
