"""Providers, models, routing groups, prices, PII and cache settings changed through the admin API, on a
running gateway, with real clients: validated whole, versioned, audited, secrets write-only."""

from __future__ import annotations

import time
from pathlib import Path

import openai
import pytest

from fakes import Fakes
from harness import ADMIN_KEY, marker
from runtime.conftest import Client, base_config, write

SECRET = "sk-runtime-PROVIDER-SECRET-9"


@pytest.fixture
def gw(fakes: Fakes, tmp_path: Path, make_gateway) -> Client:  # type: ignore[no-untyped-def]
    path = write(tmp_path / "bastion.yaml", base_config(fakes, tmp_path / "b.db"))
    return Client(make_gateway(path).url)


def test_provider_and_model_added_at_runtime_serve_requests(gw: Client, fakes: Fakes) -> None:
    before = gw.ok("GET", "/config/versions")["version"]
    body = {"name": "anthropic-rt", "type": "anthropic", "base_url": fakes.anthropic.url, "api_key": SECRET}
    created = gw.ok("POST", "/providers", body, 201)
    assert created["api_key"] == "set" and created["source"] == "api"
    model = gw.ok("POST", "/models", {"name": "rt-echo", "provider": "anthropic-rt", "model": "fake-echo",
                                      "input_cost_per_mtok": 3, "output_cost_per_mtok": 15}, 201)  # fmt: skip
    assert model["deployments"] == [{"provider": "anthropic-rt", "model": "fake-echo", "weight": 1.0,
                                     "priority": 0, "input_cost_per_mtok": 3.0, "output_cost_per_mtok": 15.0,
                                     "tags": [], "modes": ["chat", "embeddings", "responses"]}]  # fmt: skip
    assert model["version"] == before + 2
    mk = marker()
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=ADMIN_KEY, max_retries=0)
    reply = client.chat.completions.create(model="rt-echo", messages=[{"role": "user", "content": mk}])
    assert reply.choices[0].message.content == f"Echo: {mk}"
    assert fakes.anthropic.find(mk).headers["x-api-key"] == SECRET  # the secret reached the provider
    assert "rt-echo" in [m.id for m in client.models.list().data]
    # the secret is never returned, by any read
    for path in ("/providers", "/providers/anthropic-rt", "/config", "/config/export",
                 f"/config/versions/{model['version']}"):  # fmt: skip
        r = gw.admin("GET", path)
        assert r.status_code == 200 and SECRET not in r.text, path


def test_invalid_changes_are_refused_whole(gw: Client) -> None:
    version = gw.ok("GET", "/config/versions")["version"]
    r = gw.admin("POST", "/models", {"name": "bad", "provider": "nope", "model": "x"})
    assert r.status_code == 422
    assert "models[1].provider: unknown provider 'nope'" in r.json()["error"]["message"]
    r = gw.admin("POST", "/providers", {"name": "p2", "type": "openai", "base_url": "http://127.0.0.1:9/v1"})
    assert r.status_code == 422 and "is required for provider type openai" in r.json()["error"]["message"]
    r = gw.admin("PATCH", "/config", {"routing": {"strategy": "fastest"}})
    assert r.status_code == 422 and r.json()["error"]["message"].startswith("the change was refused")
    r = gw.admin("PATCH", "/config", {"routing": {"groups": {"file-echo": {"fallbacks": ["ghost"]}}}})
    assert r.status_code == 422 and "unknown model 'ghost'" in r.text
    r = gw.admin("DELETE", "/providers/openai")
    assert r.status_code == 409 and r.json()["error"]["code"] == "provider_in_use"
    r = gw.admin("POST", "/models", {"name": "file-echo", "provider": "openai", "model": "x"})
    assert r.status_code == 409
    assert gw.admin("GET", "/models/ghost").status_code == 404
    r = gw.admin("POST", "/models", {"name": "x", "provider": "openai", "model": "m", "unknown": 1})
    assert r.status_code == 422 and r.json()["error"]["errors"][0]["field"] == "unknown"
    assert gw.http.post("/admin/models", content=b"{").status_code == 400
    assert gw.ok("GET", "/config/versions")["version"] == version  # nothing stored
    assert gw.chat("file-echo").status_code == 200


def test_prices_and_deployments_change_with_history_and_rollback(gw: Client) -> None:
    v1 = gw.ok("PATCH", "/models/file-echo", {"input_cost_per_mtok": 2.5, "output_cost_per_mtok": 10,
                                              "comment": "new contract"})["version"]  # fmt: skip
    model = gw.ok("GET", "/models/file-echo")
    assert model["deployments"][0]["input_cost_per_mtok"] == 2.5 and model["source"] == "file+api"
    r = gw.chat("file-echo")
    assert r.status_code == 200
    v2 = gw.ok("PATCH", "/models/file-echo", {"deployments": [
        {"provider": "openai", "model": "fake-echo", "weight": 2},
        {"provider": "openai", "model": "fake-echo-b", "priority": 1},
    ]})["version"]  # fmt: skip
    assert v2 == v1 + 1 and len(gw.ok("GET", "/models/file-echo")["deployments"]) == 2
    history = gw.ok("GET", "/config/versions")["data"]
    assert [h["action"] for h in history[:2]] == ["models.update", "models.update"]
    assert history[1]["comment"] == "new contract" and history[1]["author"] == "admin"
    back = gw.ok("POST", "/config/rollback", {"version": v1})
    assert back["action"] == "config.rollback" and back["version"] == v2 + 1
    assert len(gw.ok("GET", "/models/file-echo")["deployments"]) == 1
    reset = gw.ok("POST", "/config/reset", {})
    assert reset["overlay"] == {"providers": {}, "models": {}, "sections": {}}
    assert gw.ok("GET", "/models/file-echo")["source"] == "file"


def test_model_deleted_and_provider_removed(gw: Client, fakes: Fakes) -> None:
    gw.ok("POST", "/providers", {"name": "extra", "type": "openai", "base_url": fakes.openai.url + "/v1",
                                 "api_key": SECRET}, 201)  # fmt: skip
    gw.ok(
        "POST", "/models", {"name": "tmp", "deployments": [{"provider": "extra", "model": "fake-echo"}]}, 201
    )
    assert gw.chat("tmp").status_code == 200
    assert gw.ok("DELETE", "/models/tmp")["deleted"] is True
    assert gw.chat("tmp").status_code == 404
    assert gw.ok("DELETE", "/providers/extra")["deleted"] is True
    assert gw.admin("GET", "/providers/extra").status_code == 404
    gw.ok("DELETE", "/models/file-echo")  # a file model: hidden by the overlay
    assert gw.chat("file-echo").status_code == 404
    assert gw.ok("POST", "/config/reset", {})["action"] == "config.reset"
    assert gw.chat("file-echo").status_code == 200


def test_pii_cache_and_groups_change_at_runtime(gw: Client, fakes: Fakes) -> None:
    mk = marker()
    gw.ok("PATCH", "/config", {"pii": {"enabled": True}})
    r = gw.chat("file-echo", f"{mk} write to jane.doe@example.com")
    assert r.status_code == 200 and "jane.doe@example.com" in r.text  # restored for the caller
    assert "jane.doe@example.com" not in fakes.openai.find(mk).raw.decode()  # pseudonymised upstream
    gw.ok("PATCH", "/config", {"cache": {"enabled": True, "ttl": 60}})
    text = marker()
    assert gw.chat("file-echo", text).headers["x-bastion-cache"] == "miss"
    assert gw.chat("file-echo", text).headers["x-bastion-cache"] == "hit"
    gw.ok(
        "PATCH", "/config", {"cache": {"enabled": False}, "pii": {"enabled": None}}
    )  # null: back to default
    live = gw.ok("GET", "/config")["config"]
    assert live["cache"]["enabled"] is False and live["pii"]["enabled"] is False  # the file's value
    assert "x-bastion-cache" not in gw.chat("file-echo", text).headers
    # a group made of fallbacks only, created at runtime
    gw.ok("PATCH", "/config", {"routing": {"groups": {"smart": {"fallbacks": ["file-echo"]}}}})
    assert gw.chat("smart").status_code == 200


def test_roles_and_audit(gw: Client) -> None:
    auditor = gw.ok("POST", "/keys", {"name": "aud", "role": "auditor"}, 201)["key"]
    as_auditor = Client(gw.url, auditor)
    assert as_auditor.admin("GET", "/models").status_code == 200
    r = as_auditor.admin("POST", "/models", {"name": "x", "provider": "openai", "model": "m"})
    assert r.status_code == 403
    user = gw.ok("POST", "/keys", {"name": "user"}, 201)["key"]
    assert Client(gw.url, user).admin("GET", "/providers").status_code == 403
    assert Client(gw.url, "nope").admin("GET", "/providers").status_code == 401
    gw.ok("PATCH", "/models/file-echo", {"weight": 3})
    deadline = time.monotonic() + 10
    while True:
        records = gw.ok("GET", "/audit?kind=admin&limit=20")["data"]
        actions = [r.get("action") for r in records]
        if "PATCH /admin/models/{id}" in actions and "POST /admin/models" in actions:
            break
        assert time.monotonic() < deadline, actions
        time.sleep(0.2)
    change = next(r for r in records if r.get("action") == "PATCH /admin/models/{id}")
    assert change["target"] == "file-echo" and change["status"] == 200
    refused = next(r for r in records if r.get("action") == "POST /admin/models")
    assert refused["status"] == 403


def test_a_model_the_active_policies_route_to_cannot_go(gw: Client) -> None:
    gw.ok("POST", "/models", {"name": "target", "provider": "openai", "model": "fake-echo"}, 201)
    rule = {
        "id": "to-target",
        "when": {"keywords": ["reroute"]},
        "then": {"action": "route", "route_to": "target"},
    }
    gw.ok("PUT", "/policies", {"policies": [rule]})
    r = gw.admin("DELETE", "/models/target")
    assert r.status_code == 422 and "policies.0.then.route_to: unknown model 'target'" in r.text, r.text
    assert gw.chat("file-echo", "please reroute").status_code == 200
    gw.ok("PUT", "/policies", {"policies": []})
    gw.ok("DELETE", "/models/target")
