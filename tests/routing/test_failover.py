"""Failover, retries and timeouts end to end: real gateway, scripted fake provider, plain HTTP clients."""

from __future__ import annotations

import time

import anthropic
import httpx
import openai
import orjson

from harness import ADMIN_KEY
from routing.conftest import StartGateway, chat, uid
from routing.scripted import Scripted


def test_failover_on_first_retry_to_the_next_target(scripted: Scripted, start_gateway: StartGateway) -> None:
    a, b = f"a-{uid()}", f"b-{uid()}"
    scripted.script(a).status = 500
    gw = start_gateway([
        {"name": "g", "provider": "p1", "model": a},
        {"name": "g", "provider": "p2", "model": b},
    ])  # fmt: skip
    r = chat(gw, "g")
    assert r.status_code == 200, r.text
    assert r.headers["x-bastion-target"] == f"p2/{b}"
    assert (scripted.hits(a), scripted.hits(b)) == (1, 1)  # no backoff retry of a before failing over


def test_connection_refused_and_hang_before_headers_fail_over(
    scripted: Scripted, start_gateway: StartGateway
) -> None:
    hang, ok = f"hang-{uid()}", f"ok-{uid()}"
    scripted.script(hang).hang = True
    gw = start_gateway([
        {"name": "refused", "provider": "dead", "model": ok},
        {"name": "refused", "provider": "p2", "model": ok},
        {"name": "hung", "provider": "p1", "model": hang, "timeouts": {"first_byte": 0.3}},
        {"name": "hung", "provider": "p2", "model": ok},
    ])  # fmt: skip
    assert chat(gw, "refused").headers["x-bastion-target"] == f"p2/{ok}"
    t0 = time.monotonic()
    r = chat(gw, "hung", stream=True)
    assert r.status_code == 200 and r.headers["x-bastion-target"] == f"p2/{ok}"
    assert "[DONE]" in r.text
    assert time.monotonic() - t0 < 1.0  # the entry's first_byte timeout (0.3 s), not the provider's (1 s)


def test_single_target_is_retried_with_backoff(scripted: Scripted, start_gateway: StartGateway) -> None:
    m = f"flaky-{uid()}"
    scripted.script(m).fail_next(503, 2)
    gw = start_gateway([{"name": "flaky", "provider": "p1", "model": m}])
    r = chat(gw, "flaky")
    assert r.status_code == 200, r.text
    assert scripted.hits(m) == 3


def test_retries_stop_at_the_configured_count(scripted: Scripted, start_gateway: StartGateway) -> None:
    m = f"down-{uid()}"
    scripted.script(m).status = 500
    gw = start_gateway(
        [{"name": "down", "provider": "p1", "model": m}],
        {"retries": 1, "backoff": {"initial": 0.01}},
    )
    r = chat(gw, "down")
    assert r.status_code == 502 and "scripted 500" in r.json()["error"]["message"]
    assert scripted.hits(m) == 2


def test_429_retry_after_is_waited_out(scripted: Scripted, start_gateway: StartGateway) -> None:
    m = f"limited-{uid()}"
    s = scripted.script(m).fail_next(429)
    s.retry_after = "1"
    gw = start_gateway([{"name": "limited", "provider": "p1", "model": m}])
    t0 = time.monotonic()
    r = chat(gw, "limited")
    assert r.status_code == 200, r.text
    assert time.monotonic() - t0 >= 0.95
    assert scripted.hits(m) == 2


def test_429_with_a_long_retry_after_fails_over_or_passes_through(
    scripted: Scripted, start_gateway: StartGateway
) -> None:
    m, ok = f"limited-{uid()}", f"ok-{uid()}"
    s = scripted.script(m)
    s.status, s.retry_after = 429, "30"
    gw = start_gateway([
        {"name": "alone", "provider": "p1", "model": m},
        {"name": "pair", "provider": "p1", "model": m},
        {"name": "pair", "provider": "p2", "model": ok},
    ])  # fmt: skip
    r = chat(gw, "alone")
    assert r.status_code == 429 and r.headers["retry-after"] == "30"
    assert scripted.hits(m) == 1  # not retried: 30 s is longer than backoff.max_retry_after
    r = chat(gw, "pair")
    assert r.status_code == 200 and r.headers["x-bastion-target"] == f"p2/{ok}"
    assert scripted.hits(m) == 1  # held back by its Retry-After: the pair went straight to p2


def test_client_errors_are_not_retried(scripted: Scripted, start_gateway: StartGateway) -> None:
    bad, ok = f"bad-{uid()}", f"ok-{uid()}"
    scripted.script(bad).status = 400
    gw = start_gateway([
        {"name": "g", "provider": "p1", "model": bad},
        {"name": "g", "provider": "p2", "model": ok},
    ])  # fmt: skip
    assert chat(gw, "g").status_code == 400
    assert (scripted.hits(bad), scripted.hits(ok)) == (1, 0)


def test_no_retry_after_the_first_byte(scripted: Scripted, start_gateway: StartGateway) -> None:
    broken, ok = f"reset-{uid()}", f"ok-{uid()}"
    scripted.script(broken).reset_after = 2
    gw = start_gateway([
        {"name": "g", "provider": "p1", "model": broken},
        {"name": "g", "provider": "p2", "model": ok},
    ])  # fmt: skip
    r = chat(gw, "g", stream=True)
    assert r.status_code == 200
    events = [line[6:] for line in r.text.splitlines() if line.startswith("data: ")]
    last = orjson.loads(events[-1])
    assert "error" in last and "stream" in last["error"]["message"]
    assert (scripted.hits(broken), scripted.hits(ok)) == (1, 0)


def test_cross_format_fallback_openai_client_to_anthropic_target(
    scripted: Scripted, start_gateway: StartGateway
) -> None:
    down, claude = f"down-{uid()}", f"claude-{uid()}"
    scripted.script(down).status = 503
    gw = start_gateway(
        [
            {"name": "gpt", "provider": "p1", "model": down},
            {"name": "claude", "provider": "anth", "model": claude},
        ],
        {"groups": {"gpt": {"fallbacks": ["claude"]}}},
    )
    client = openai.OpenAI(base_url=gw.openai_base, api_key=ADMIN_KEY, max_retries=0)
    with client:
        reply = client.chat.completions.create(
            model="gpt", messages=[{"role": "user", "content": "hi there"}]
        )
        assert reply.choices[0].message.content == "Echo: hi there"
        stream = client.chat.completions.create(
            model="gpt", messages=[{"role": "user", "content": "hi again"}], stream=True
        )
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert text == "Echo: hi again"
    assert scripted.hits(claude) == 2


def test_explicit_group_is_listed_and_served(scripted: Scripted, start_gateway: StartGateway) -> None:
    m = f"m-{uid()}"
    gw = start_gateway(
        [{"name": "base", "provider": "p2", "model": m}],
        {"groups": {"smart": {"fallbacks": ["base"]}}},
    )
    ids = [
        m["id"]
        for m in httpx.get(gw.url + "/v1/models", headers={"Authorization": f"Bearer {ADMIN_KEY}"}).json()[
            "data"
        ]
    ]
    assert ids == ["base", "smart"]
    assert chat(gw, "smart").headers["x-bastion-target"] == f"p2/{m}"


def test_audit_record_explains_the_route(scripted: Scripted, start_gateway: StartGateway) -> None:
    a, b = f"a-{uid()}", f"b-{uid()}"
    scripted.script(a).status = 502
    gw = start_gateway(
        [{"name": "g", "provider": "p1", "model": a}, {"name": "g", "provider": "p2", "model": b}],
        {"strategy": "least-latency", "shadow": "adaptive"},
        audit=True,
    )
    rid = f"req-{uid()}"
    r = httpx.post(
        gw.url + "/v1/chat/completions",
        json={"model": "g", "messages": [{"role": "user", "content": "hello"}]},
        headers={"Authorization": f"Bearer {ADMIN_KEY}", "x-request-id": rid},
    )
    assert r.status_code == 200
    for _ in range(100):
        found = httpx.get(f"{gw.url}/admin/audit/{rid}", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        if found.status_code == 200:
            break
        time.sleep(0.05)
    route = found.json()["data"][0]["route"]
    assert route["strategy"] == "least-latency" and route["target"] == f"p2/{b}"
    assert route["candidates"] == [f"p1/{a}", f"p2/{b}"] and route["failovers"] == 1
    assert route["attempts"][0] == {"target": f"p1/{a}", "outcome": "BadGateway", "status": 502}
    assert set(route["scores"]) == {f"p1/{a}", f"p2/{b}"}
    assert route["shadow"]["strategy"] == "adaptive" and route["context"].startswith("api=openai.chat")


def test_stalled_stream_ends_with_an_error_event_and_is_not_retried(
    scripted: Scripted, start_gateway: StartGateway
) -> None:
    stalled, ok = f"stall-{uid()}", f"ok-{uid()}"
    scripted.script(stalled).stall_after = 2
    gw = start_gateway([
        {"name": "g", "provider": "p1", "model": stalled, "timeouts": {"idle": 0.3}},
        {"name": "g", "provider": "p2", "model": ok},
    ])  # fmt: skip
    r = chat(gw, "g", stream=True)
    events = [line[6:] for line in r.text.splitlines() if line.startswith("data: ")]
    assert "idle" in orjson.loads(events[-1])["error"]["message"]
    assert (scripted.hits(stalled), scripted.hits(ok)) == (1, 0)
    health = httpx.get(gw.url + "/admin/providers/health", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    target = {t["target"]: t for t in health.json()["targets"]}[f"p1/{stalled}"]
    assert target["failures"] == 1 and target["last_error"].startswith("mid-stream")


def test_stream_failing_before_its_first_event_fails_over_cleanly(
    scripted: Scripted, start_gateway: StartGateway
) -> None:
    empty, ok = f"empty-{uid()}", f"ok-{uid()}"
    scripted.script(empty).reset_after = 0  # 200 and SSE headers, then the connection drops
    gw = start_gateway(
        [{"name": "g", "provider": "p1", "model": empty}, {"name": "g", "provider": "p2", "model": ok}],
        audit=True,
    )
    rid = f"req-{uid()}"
    r = httpx.post(
        gw.url + "/v1/chat/completions",
        json={"model": "g", "messages": [{"role": "user", "content": "hello"}], "stream": True},
        headers={"Authorization": f"Bearer {ADMIN_KEY}", "x-request-id": rid},
    )
    assert r.status_code == 200 and r.headers["x-bastion-target"] == f"p2/{ok}"
    assert r.text.rstrip().endswith("data: [DONE]")
    for _ in range(100):
        found = httpx.get(f"{gw.url}/admin/audit/{rid}", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        if found.status_code == 200:
            break
        time.sleep(0.05)
    record = found.json()["data"][0]
    assert record["error"] is None and record["status"] == 200 and record["stream_completed"] is True
    assert [a["outcome"] for a in record["route"]["attempts"]] == ["BadGateway", "ok"]


def test_anthropic_client_falls_over_from_openai_to_anthropic_target(
    scripted: Scripted, start_gateway: StartGateway
) -> None:
    down, claude = f"down-{uid()}", f"claude-{uid()}"
    scripted.script(down).status = 500
    gw = start_gateway(
        [{"name": "g", "provider": "p1", "model": down}, {"name": "g", "provider": "anth", "model": claude}],
        {"backoff": {"initial": 0.01}},
    )
    with anthropic.Anthropic(base_url=gw.url, api_key=ADMIN_KEY, max_retries=0) as client:
        msg = client.messages.create(model="g", max_tokens=50, messages=[{"role": "user", "content": "yo"}])
        assert msg.content[0].text == "Echo: yo"  # type: ignore[union-attr]
        with client.messages.stream(
            model="g", max_tokens=50, messages=[{"role": "user", "content": "yo yo"}]
        ) as stream:
            assert stream.get_final_text() == "Echo: yo yo"
    assert scripted.hits(claude) == 2 and scripted.hits(down) == 2
