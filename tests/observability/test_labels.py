"""Spend, budgets, rate-limit and budget rejections, cache lookups and bounded labels (keys past
`metrics.max_keys` and unknown models fold into `other`), on a gateway with virtual keys and teams."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakes import Fakes
from harness import Gateway, auth, free_port, gateway_config
from observability.served import Samples, samples, total

PRICE_IN, PRICE_OUT = 1000.0, 2000.0  # USD per million tokens


def _name(prefix: str) -> str:
    return f"{prefix}-{os.urandom(4).hex()}"


def _config(fakes: Fakes, home: Path) -> dict[str, Any]:
    cfg = gateway_config(fakes, free_port(), home / "gw.db")
    cfg["models"].append({"name": "priced-echo", "provider": "openai", "model": "fake-echo",
                          "input_cost_per_mtok": PRICE_IN, "output_cost_per_mtok": PRICE_OUT})  # fmt: skip
    cfg["cache"] = {"enabled": True, "backend": "memory"}
    cfg["audit"] = {"dir": str(home / "audit")}
    cfg["metrics"] = {"max_keys": 2}
    return cfg


@pytest.fixture(scope="module")
def gw(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    g = Gateway.start(_config(fakes, tmp_path_factory.mktemp("obs-labels")))
    yield g
    g.stop()


def _post(gw: Gateway, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(gw.url + path, json=body, headers=auth(), timeout=10)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _chat(gw: Gateway, key: str, text: str, model: str = "priced-echo") -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": text}]}
    return httpx.post(gw.url + "/v1/chat/completions", json=body, headers=auth(key), timeout=20)


def _metrics(gw: Gateway) -> Samples:
    return samples(httpx.get(gw.url + "/metrics", headers=auth(), timeout=10).text)


def test_spend_budgets_rejections_cache_and_folding(gw: Gateway) -> None:
    team = _post(gw, "/admin/teams", {"name": _name("t"), "budget": {"usd": 10, "period": "day"}})
    spender = _post(gw, "/admin/keys", {"name": _name("spender"), "team": team["name"]})
    limited = _post(gw, "/admin/keys", {"name": _name("limited"), "limits": {"rpm": 1}})
    broke = _post(gw, "/admin/keys", {"name": _name("broke"), "budget": {"usd": 0.000001, "period": "day"}})

    first = _chat(gw, spender["key"], "the same question")
    assert first.status_code == 200
    usage = first.json()["usage"]
    again = _chat(gw, spender["key"], "the same question")
    assert again.status_code == 200  # answered from the cache

    assert _chat(gw, limited["key"], "one").status_code == 200
    assert _chat(gw, limited["key"], "two").status_code == 429
    assert _chat(gw, broke["key"], "costly").status_code == 402
    # a key may only use configured models (403); the admin key learns the model does not exist (404)
    assert _chat(gw, spender["key"], "which model?", model="no-such-model").status_code == 403
    assert httpx.post(gw.url + "/v1/chat/completions", headers=auth(), timeout=10, json={
        "model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]}).status_code == 404

    data = _metrics(gw)
    usd = (usage["prompt_tokens"] * PRICE_IN + usage["completion_tokens"] * PRICE_OUT) / 1e6
    spent = total(data, "bastion_spend_usd_total", team=team["name"], gen_ai_request_model="priced-echo")
    assert spent == pytest.approx(usd)  # the cache hit cost nothing
    assert total(data, "bastion_cache_lookups_total", result="hit") == 1
    assert total(data, "bastion_cache_lookups_total", result="miss") == 2  # spender's first, limited's first
    # budgets: the limit, and what was left at the last admission (the first request's reservation was
    # still held when the second was admitted)
    labels = {"scope": "team", "name": team["name"], "period": "day"}
    assert total(data, "bastion_budget_limit_usd", **labels) == 10
    assert 9.9 < total(data, "bastion_budget_remaining_usd", **labels) <= 10
    # max_keys: 2 -> spender and limited keep their names, broke is `other`
    assert total(data, "bastion_rate_limit_rejections_total", key=limited["name"]) == 1
    assert total(data, "bastion_budget_rejections_total", key="other") == 1
    assert total(data, "bastion_requests_total", key=broke["name"]) == 0
    assert total(data, "bastion_requests_total", decision="budget_exceeded", status="402", key="other") == 1
    assert total(data, "bastion_requests_total", decision="rate_limited", status="429") == 1
    # an unknown model name never becomes a label of its own
    assert total(data, "bastion_requests_total", gen_ai_request_model="other", status="404", key="other") == 1
    assert total(data, "bastion_requests_total", gen_ai_request_model="other", decision="denied") == 1
    assert not any("no-such-model" in str(labels) for _, labels in data)
