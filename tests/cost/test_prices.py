"""The shipped price table: lookups by provider type and model id (dated snapshots), config overrides,
the free demo provider, and unknown models (None, never $0)."""

from __future__ import annotations

import pytest

from bastion.config.schema import ModelEntry, ProviderConfig
from bastion.cost.prices import FREE, Price, PriceTable

TABLE = PriceTable.shipped()


@pytest.mark.parametrize(
    ("ptype", "model", "expected"),
    [
        ("openai", "gpt-4o", (2.5, 10.0, 1.25)),
        ("openai", "gpt-4o-2024-08-06", (2.5, 10.0, 1.25)),
        ("openai", "gpt-4o-2024-05-13", (5.0, 15.0, 5.0)),  # the older snapshot has its own price
        ("openai", "gpt-4o-mini-2024-07-18", (0.15, 0.6, 0.075)),  # longest prefix wins over gpt-4o
        ("azure-openai", "gpt-4.1-mini", (0.4, 1.6, 0.1)),
        ("openai", "text-embedding-3-small", (0.02, 0.0, 0.02)),
        ("anthropic", "claude-sonnet-4-5-20250929", (3.0, 15.0, 0.3)),
        ("anthropic", "claude-sonnet-4-20250514", (3.0, 15.0, 0.3)),
        ("anthropic", "claude-3-5-haiku-latest", (0.8, 4.0, 0.08)),
        ("gemini", "models/gemini-2.5-flash", (0.3, 2.5, 0.075)),
        ("gemini", "gemini-2.5-flash-lite", (0.1, 0.4, 0.025)),
        ("deepseek", "deepseek-chat", (0.28, 0.42, 0.028)),
        ("mistral", "mistral-large-latest", (2.0, 6.0, 2.0)),
        ("xai", "grok-4-0709", (3.0, 15.0, 0.75)),
        ("grok", "grok-3-mini", (0.3, 0.5, 0.075)),
    ],
)
def test_lookup(ptype: str, model: str, expected: tuple[float, float, float]) -> None:
    price = TABLE.lookup(ptype, model)
    assert price is not None
    assert (price.input, price.output, price.read) == expected


@pytest.mark.parametrize(
    ("ptype", "model"),
    [("openai", "gpt-4o2"), ("openai", "my-finetune"), ("groq", "llama-3.1-8b"), ("anthropic", "gpt-4o")],
)
def test_unknown_is_none(ptype: str, model: str) -> None:
    assert TABLE.lookup(ptype, model) is None


def test_anthropic_cache_writes_cost_more_than_input() -> None:
    price = TABLE.lookup("anthropic", "claude-opus-4-1")
    assert price is not None and price.write == 18.75 and price.read == 1.5


def test_every_family_has_models_and_the_table_is_dated() -> None:
    assert set(TABLE.families) == {"openai", "anthropic", "gemini", "deepseek", "mistral", "xai"}
    assert all(TABLE.families.values())
    assert TABLE.date[:4].isdigit()


def _target(ptype: str, model: str, **costs: float) -> tuple[ModelEntry, ProviderConfig]:
    provider = ProviderConfig(name="p", type=ptype, api_key="k" * 8, base_url="http://127.0.0.1:9")  # type: ignore[arg-type]
    return ModelEntry(name="m", provider="p", model=model, **costs), provider


def test_config_overrides_the_table() -> None:
    price = TABLE.for_target(*_target("openai", "gpt-4o", input_cost_per_mtok=1.0))
    assert price == Price(1.0, 10.0, 1.25, None, "config")
    price = TABLE.for_target(
        *_target("openai-compatible", "llama", input_cost_per_mtok=0.2, output_cost_per_mtok=0.4)
    )
    assert price is not None and (price.input, price.output, price.read, price.write) == (0.2, 0.4, 0.2, 0.2)


def test_half_a_price_for_an_unknown_model_is_no_price() -> None:
    assert TABLE.for_target(*_target("openai-compatible", "llama", input_cost_per_mtok=0.2)) is None
    assert TABLE.for_target(*_target("openai-compatible", "llama")) is None


def test_demo_is_free() -> None:
    provider = ProviderConfig(name="demo", type="demo")
    assert TABLE.for_target(ModelEntry(name="m", provider="demo", model="echo"), provider) is FREE
