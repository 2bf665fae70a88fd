"""The price table: USD per million tokens for a (provider type, model id), from the shipped `prices.json`
and the per-entry overrides in config (`input_cost_per_mtok`, `output_cost_per_mtok`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from bastion.config.schema import ModelEntry, ProviderConfig

FREE_TYPES = frozenset({"demo"})  # the built-in demo provider costs nothing


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens. `cache_read` defaults to the input price, `cache_write` likewise."""

    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    source: str = "table"  # "table", "config" or "free"

    @property
    def read(self) -> float:
        return self.input if self.cache_read is None else self.cache_read

    @property
    def write(self) -> float:
        return self.input if self.cache_write is None else self.cache_write

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "output": self.output,
            "cache_read": self.read,
            "cache_write": self.write,
            "source": self.source,
        }


FREE = Price(0.0, 0.0, 0.0, 0.0, "free")


def _price(raw: dict[str, Any]) -> Price:
    return Price(
        float(raw["input"]),
        float(raw["output"]),
        None if raw.get("cache_read") is None else float(raw["cache_read"]),
        None if raw.get("cache_write") is None else float(raw["cache_write"]),
    )


def _match(models: dict[str, Price], model: str) -> Price | None:
    """Exact id, else the longest table id that the model id extends with '-' (dated snapshots)."""
    model = model.removeprefix("models/").lower()
    found = models.get(model)
    if found is not None:
        return found
    best = ""
    for name in models:
        if len(name) > len(best) and model.startswith(name + "-"):
            best = name
    return models[best] if best else None


class PriceTable:
    def __init__(self, data: dict[str, Any]) -> None:
        self.date: str = str(data.get("date", "unknown"))
        self.families: dict[str, dict[str, Price]] = {
            family: {name.lower(): _price(raw) for name, raw in models.items()}
            for family, models in data["families"].items()
        }
        self.provider_family: dict[str, str] = dict(data.get("provider_family", {}))

    @classmethod
    def shipped(cls) -> PriceTable:
        text = resources.files("bastion.cost").joinpath("prices.json").read_text("utf-8")
        return cls(json.loads(text))

    def lookup(self, provider_type: str, model: str) -> Price | None:
        family = self.provider_family.get(provider_type)
        if family is None:
            return None
        return _match(self.families[family], model)

    def for_target(self, entry: ModelEntry, provider: ProviderConfig) -> Price | None:
        """The price of a models entry: config overrides first, then the table; None when unknown."""
        if provider.type in FREE_TYPES:
            return FREE
        table = self.lookup(provider.type, entry.model)
        given_in, given_out = entry.input_cost_per_mtok, entry.output_cost_per_mtok
        if given_in is None and given_out is None:
            return table
        if table is None and (given_in is None or given_out is None):
            return None  # half a price is no price
        return Price(
            given_in if given_in is not None else table.input,  # type: ignore[union-attr]
            given_out if given_out is not None else table.output,  # type: ignore[union-attr]
            table.cache_read if table is not None else None,
            table.cache_write if table is not None else None,
            "config",
        )
