"""End to end with a real Prometheus (Debian's package) on 127.0.0.1: it scrapes `bastion serve --workers 2`
on its own metrics listener with the metrics_token, loads the shipped alert rules, and its HTTP API
answers queries over the gateway's metrics."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from fakes import Fakes
from harness import ADMIN_KEY, free_port
from observability.served import observed_config, serve

KIT = Path(__file__).resolve().parents[2] / "deploy" / "observability"
TOKEN = "metrics-token-0123456789abcdef"
REQUESTS = 5


def _prometheus() -> str:
    found = shutil.which("prometheus")
    if found is None:
        if os.environ.get("BASTION_TEST_REQUIRE_SERVICES"):
            pytest.fail("prometheus is missing (.ci/run installs Debian's prometheus package)")
        pytest.skip("prometheus is not installed (apt-get install prometheus)")
    return found


class PromServer:
    def __init__(self, binary: str, tmp: Path, target: str) -> None:
        shutil.copy(KIT / "alerts.yaml", tmp / "alerts.yaml")
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(tmp / "alerts.yaml")],
            "scrape_configs": [{
                "job_name": "bastion", "metrics_path": "/metrics", "scrape_interval": "1s",
                "authorization": {"type": "Bearer", "credentials": TOKEN},
                "static_configs": [{"targets": [target]}],
            }],
        }  # fmt: skip
        (tmp / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (tmp / "prometheus.log").open("w")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=1h"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=tmp,
        )  # fmt: skip

    def query(self, expr: str) -> list[dict[str, Any]]:
        r = httpx.get(self.url + "/api/v1/query", params={"query": expr}, timeout=5)
        r.raise_for_status()
        result: list[dict[str, Any]] = r.json()["data"]["result"]
        return result

    def wait_value(self, expr: str, want: float, timeout: float = 60.0) -> float:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            try:
                result = self.query(expr)
                if result:
                    last = float(result[0]["value"][1])
                    if last == want:
                        return last
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"{expr} = {last}, wanted {want}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def prom(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PromServer, str]]:
    binary = _prometheus()
    tmp = tmp_path_factory.mktemp("obs-prom")
    metrics_port = free_port()
    config = observed_config(fakes, tmp, metrics={"host": "127.0.0.1", "port": metrics_port},
                             metrics_token=TOKEN)  # fmt: skip
    with serve(config, tmp, workers=2) as served:
        server = PromServer(binary, tmp, f"127.0.0.1:{metrics_port}")
        try:
            yield server, served.url
        finally:
            server.stop()


def test_prometheus_scrapes_the_gateway_and_answers_queries(prom: tuple[PromServer, str]) -> None:
    server, url = prom
    server.wait_value('up{job="bastion"}', 1)
    for i in range(REQUESTS):
        with openai.OpenAI(base_url=url + "/v1", api_key=ADMIN_KEY, max_retries=0, timeout=20) as client:
            messages = [{"role": "user", "content": f"q{i}"}]
            client.chat.completions.create(model="openai-echo", messages=messages)  # type: ignore[arg-type]
    server.wait_value("sum(bastion_requests_total)", REQUESTS)
    server.wait_value('sum(bastion_requests_total{decision="allowed", api="openai.chat"})', REQUESTS)
    server.wait_value("sum(bastion_added_latency_seconds_count)", REQUESTS)
    p95 = server.query("histogram_quantile(0.95, sum by (le) (bastion_added_latency_seconds_bucket))")
    assert p95 and 0 < float(p95[0]["value"][1]) < 1
    assert server.query('max by (target) (bastion_breaker_state) == 2') == []  # no breaker open
    rules = httpx.get(server.url + "/api/v1/rules", timeout=5).json()["data"]["groups"]
    loaded = {r["name"]: r["health"] for g in rules for r in g["rules"]}
    assert "BastionBreakerOpen" in loaded
    assert all(h in ("ok", "unknown") for h in loaded.values()), loaded


def test_own_listener_needs_the_token_and_the_main_one_has_no_metrics(prom: tuple[PromServer, str]) -> None:
    server, url = prom
    r = httpx.get(url + "/metrics", headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=5)
    assert r.status_code == 404
    (target,) = server.query('up{job="bastion"}')
    own = "http://" + target["metric"]["instance"] + "/metrics"
    assert httpx.get(own, timeout=5).status_code == 401
    assert httpx.get(own, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).status_code == 200
    assert httpx.get(own, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=5).status_code == 200
