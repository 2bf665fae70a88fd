"""A `bastion serve --workers N` subprocess with the fake providers, plus parsing of /metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from fakes import Fakes
from harness import ADMIN_KEY, Served, auth, bastion_env, free_port, gateway_config, wait_ready

DENY_RULE = {"id": "falcon", "when": {"text_matches": ["(?i)project\\s+falcon"]},
             "then": {"action": "deny", "message": "Project Falcon is confidential"}}  # fmt: skip
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def observed_config(fakes: Fakes, tmp: Path, **extra: Any) -> dict[str, Any]:
    config = gateway_config(fakes, free_port(), tmp / "bastion.db")
    config["pii"] = {"enabled": True}
    config["policies"] = [DENY_RULE]
    config["log_format"] = "json"
    config.update(extra)
    return config


@contextmanager
def serve(config: dict[str, Any], tmp: Path, workers: int = 2, **env: str) -> Iterator[Served]:
    path = tmp / "config.yaml"
    path.write_text(json.dumps(config))  # JSON is YAML
    port = free_port()
    served = Served(["serve", "--config", str(path), "--port", str(port), "--workers", str(workers)],
                    bastion_env(**env), cwd=tmp)  # fmt: skip
    try:
        url = served.wait_listening()
        wait_ready(url)
        yield served
    finally:
        served.stop()


def scrape(url: str, key: str = ADMIN_KEY) -> str:
    # a new connection per scrape: any worker may answer
    r = httpx.get(url + "/metrics", headers=auth(key), timeout=10)
    assert r.status_code == 200, r.text
    return r.text


def samples(text: str) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def total(data: Samples, metric: str, /, **labels: str) -> float:
    """The sum of `metric` over every series whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in data.items() if n == metric and want <= ls)
