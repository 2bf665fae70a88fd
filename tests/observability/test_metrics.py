"""`bastion serve --workers 2` with the fake providers: a known mix of requests through the official SDKs
(allowed, streamed, PII, policy-denied, failed over) and the counters and histograms /metrics reports,
exactly, whichever worker answers the scrape."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest

from fakes import Fakes
from harness import ADMIN_KEY
from observability.served import Samples, observed_config, samples, scrape, serve, total

OPTS: dict[str, Any] = {"api_key": ADMIN_KEY, "max_retries": 0, "timeout": 20.0}


def _chat(base: str, model: str, text: str) -> Any:
    with openai.OpenAI(base_url=base + "/v1", **OPTS) as client:  # a new connection: any worker
        return client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])


def _stream(base: str, model: str, text: str) -> Any:
    with anthropic.Anthropic(base_url=base, **OPTS) as client, client.messages.stream(
        model=model, max_tokens=50, messages=[{"role": "user", "content": text}]
    ) as stream:
        for _ in stream.text_stream:
            pass
        return stream.get_final_message()


@pytest.fixture(scope="module")
def run(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("obs-metrics")
    mp = tmp / "mp"
    mp.mkdir()
    with serve(observed_config(fakes, tmp), tmp, BASTION_METRICS_DIR=str(mp)) as served:
        url = served.url
        tokens = {"input": 0, "output": 0}
        answers = []
        for i in range(3):
            r = _chat(url, "openai-echo", f"hello number {i}")
            answers.append(r)
        for i in range(2):
            m = _stream(url, "anthropic-echo", f"stream please {i}")
            tokens["input"] += m.usage.input_tokens
            tokens["output"] += m.usage.output_tokens
        pii = _chat(url, "openai-echo", "write to jane.doe@example.com today")
        failover = _chat(url, "group-5xx", "fail over please")
        answers += [pii, failover]
        for r in answers:
            tokens["input"] += r.usage.prompt_tokens
            tokens["output"] += r.usage.completion_tokens
        with pytest.raises(openai.PermissionDeniedError):
            _chat(url, "openai-echo", "tell me about Project Falcon")
        # another worker's requests reach a scrape within its flush interval (1 s)
        deadline = time.monotonic() + 15
        while total(samples(scrape(url)), "bastion_requests_total") < 8 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)  # every worker's latest snapshot (the audit commits, too) is in
        scrapes = [scrape(url) for _ in range(6)]
        yield {"scrapes": scrapes, "tokens": tokens, "mp": mp, "pii": pii, "url": url, "served": served}


def test_every_worker_counted_whoever_answers(run: dict[str, Any]) -> None:
    pids = {f.name for f in Path(run["mp"]).glob("worker-*.json")}
    assert len(pids) == 2, f"both workers should have recorded: {pids}"
    totals = {total(samples(s), "bastion_requests_total") for s in run["scrapes"]}
    assert totals == {8.0}, totals


def test_requests_by_api_status_and_decision(run: dict[str, Any]) -> None:
    data: Samples = samples(run["scrapes"][-1])
    assert total(data, "bastion_requests_total", decision="allowed") == 7
    assert total(data, "bastion_requests_total", decision="denied", status="403") == 1
    assert total(data, "bastion_requests_total", api="anthropic.messages", status="200") == 2
    assert total(data, "bastion_requests_total", api="openai.chat") == 6
    assert total(data, "bastion_requests_total", gen_ai_system="anthropic") == 3  # 2 streams + failover
    assert total(data, "bastion_requests_total", key="admin", team="") == 8  # the admin key: no team


def test_histograms(run: dict[str, Any]) -> None:
    data = samples(run["scrapes"][-1])
    assert total(data, "bastion_added_latency_seconds_count") == 8
    assert total(data, "bastion_added_latency_seconds_count", streamed="true") == 2
    le_inf = total(data, "bastion_added_latency_seconds_bucket", le="+Inf")
    assert le_inf == 8
    assert total(data, "gen_ai_server_request_duration_count") == 8
    assert total(data, "gen_ai_server_request_duration_count", error_type="PolicyDenied") == 1
    assert total(data, "gen_ai_server_time_to_first_token_count") == 2
    assert total(data, "gen_ai_client_operation_duration_count") == 7
    tokens = run["tokens"]
    assert total(data, "gen_ai_client_token_usage_count", gen_ai_token_type="input") == 7
    assert total(data, "gen_ai_client_token_usage_sum", gen_ai_token_type="input") == tokens["input"]
    assert total(data, "gen_ai_client_token_usage_sum", gen_ai_token_type="output") == tokens["output"]
    assert total(data, "gen_ai_client_token_usage_count", gen_ai_request_model="openai-echo") == 2 * 4


def test_decisions_pii_and_routing(run: dict[str, Any]) -> None:
    data = samples(run["scrapes"][-1])
    assert total(data, "bastion_policy_decisions_total", rule="falcon", action="deny") == 1
    assert total(data, "bastion_pii_replaced_total", type="EMAIL", direction="request") == 1
    assert total(data, "bastion_pii_replaced_total") == 1
    assert "jane.doe" not in run["scrapes"][-1]
    assert "jane.doe@example.com" in run["pii"].choices[0].message.content  # restored for the client
    failed = {"target": "openai/fake-fail-503", "outcome": "BadGateway"}
    assert total(data, "bastion_upstream_attempts_total", **failed) == 1
    assert total(data, "bastion_upstream_failovers_total", target="anthropic/fake-echo") == 1
    assert total(data, "bastion_upstream_retries_total") == 0
    assert total(data, "bastion_upstream_attempts_total", outcome="ok") == 7
    # the harness config disables breakers: every target reports closed
    assert total(data, "bastion_breaker_state") == 0
    assert total(data, "bastion_config_info") == 1
    assert total(data, "bastion_audit_commit_seconds_count") >= 1  # records committed by both workers
    assert total(data, "bastion_audit_backlog_records") >= 0


def test_access_lines(run: dict[str, Any]) -> None:
    served = run["served"]
    lines = [json.loads(line) for line in served.lines if line.startswith('{"msg":"request"')]
    assert len(lines) == 8
    assert {line["decision"] for line in lines} == {"allowed", "denied"}
    text = "".join(served.lines)
    assert "jane.doe" not in text and "Falcon" not in text and ADMIN_KEY not in text
    pii = [line for line in lines if line.get("pii")]
    assert pii and pii[0]["pii"] == {"EMAIL": 1}
    for line in lines:
        assert line["request_id"] and line["latency_ms"] >= line["overhead_ms"] >= 0
        assert "key" in line and "cost_usd" in line and "trace_id" in line


def test_metrics_need_a_key_and_speak_openmetrics(run: dict[str, Any]) -> None:
    url = run["url"]
    assert httpx.get(url + "/metrics", timeout=10).status_code == 401
    bad = httpx.get(url + "/metrics", headers={"Authorization": "Bearer wrong-key-0123456789"}, timeout=10)
    assert bad.status_code == 401 and "error" in bad.json()
    om = httpx.get(url + "/metrics", timeout=10, headers={
        "Authorization": f"Bearer {ADMIN_KEY}", "Accept": "application/openmetrics-text; version=1.0.0"})
    assert om.status_code == 200
    assert om.headers["content-type"].startswith("application/openmetrics-text")
    assert om.text.rstrip().endswith("# EOF")
