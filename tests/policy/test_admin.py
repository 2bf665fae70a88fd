"""/admin/policies: read, replace (validated: 400/422, never activated when invalid), history, versions,
rollback, roles; and a replaced set takes effect on the next request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from fakes import Fakes
from harness import Gateway, auth
from policy.conftest import policy_config
from policy.drive import ask

FALCON = {
    "id": "falcon",
    "when": {"text_matches": ["(?i)falcon"]},
    "then": {"action": "deny", "message": "no"},
}
EAGLE = {"id": "eagle", "when": {"keywords": ["eagle"]}, "then": {"action": "deny", "message": "no eagles"}}


@pytest.fixture(scope="module")
def gw(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    config = policy_config(fakes, tmp_path_factory.mktemp("admin") / "bastion.db")
    config["policies"] = [FALCON]
    g = Gateway.start(config)
    yield g
    g.stop()


@pytest.fixture(scope="module")
def oa(gw: Gateway) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=gw.openai_base, api_key=auth()["Authorization"][7:], max_retries=0) as c:
        yield c


def get(gw: Gateway, path: str, key: str | None = None) -> httpx.Response:
    return httpx.get(gw.url + path, headers=auth(key) if key else auth(), timeout=10)


def send(gw: Gateway, method: str, path: str, body: Any, key: str | None = None) -> httpx.Response:
    headers = auth(key) if key else auth()
    if isinstance(body, bytes):
        return httpx.request(method, gw.url + path, content=body, headers=headers, timeout=10)
    return httpx.request(method, gw.url + path, json=body, headers=headers, timeout=10)


def blocked(oa: openai.OpenAI, text: str) -> bool:
    try:
        ask(oa, text)
    except openai.PermissionDeniedError:
        return True
    return False


def test_config_rules_are_the_first_version(gw: Gateway) -> None:
    r = get(gw, "/admin/policies")
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == 1 and body["source"] == "file" and body["active"] is True
    assert [p["id"] for p in body["policies"]] == ["falcon"]
    assert body["rules"] == 1 and len(body["digest"]) == 64


INVALID: list[tuple[Any, int, str]] = [
    (b"{not json", 400, "not valid JSON"),
    (b"[]", 400, "JSON object"),
    ({"policies": [{"id": "x", "when": {"text_matches": ["(a)\\1"]}, "then": {"action": "deny"}}]}, 422,
     "policies.0.when.text_matches.0"),
    ({"policies": [{"id": "x", "when": {"expr": "caller.nope"}, "then": {"action": "deny"}}]}, 422,
     "policies.0.when.expr"),
    ({"policies": [{"id": "x", "then": {"action": "deny"}}, {"id": "x", "then": {"action": "flag"}}]}, 422,
     "duplicate rule id"),
    ({"policies": [{"id": "x", "then": {"action": "teleport"}}]}, 422, "policies.0.then.action"),
    ({"rules": []}, 422, "rules"),
    ({"policies": [{"id": "x", "then": {"action": "route", "route_to": "no-such-model"}}]}, 422,
     "policies.0.then.route_to: unknown model"),
    ({"policies": [{"id": "x", "then": {"action": "route", "route_provider": "nowhere"}}]}, 422,
     "policies.0.then.route_provider"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "status", "text"), INVALID)
def test_invalid_policies_are_rejected_and_never_activated(
    gw: Gateway, oa: openai.OpenAI, body: Any, status: int, text: str
) -> None:
    before = get(gw, "/admin/policies").json()["version"]
    r = send(gw, "PUT", "/admin/policies", body)
    assert r.status_code == status, r.text
    assert text in r.text
    if status == 422:
        assert r.json()["error"]["errors"]
    assert get(gw, "/admin/policies").json()["version"] == before
    assert blocked(oa, "falcon") and not blocked(oa, "eagle")


def test_put_history_version_and_rollback(gw: Gateway, oa: openai.OpenAI) -> None:
    start = get(gw, "/admin/policies").json()["version"]
    r = send(gw, "PUT", "/admin/policies", {"policies": [EAGLE], "comment": "eagles now"})
    assert r.status_code == 200, r.text
    v2 = r.json()
    assert v2["version"] == start + 1 and v2["source"] == "api" and v2["author"] == "admin"
    assert v2["comment"] == "eagles now"
    # takes effect on the next request (this worker activates at once)
    assert blocked(oa, "an eagle") and not blocked(oa, "falcon")

    check = send(gw, "POST", "/admin/policies/validate", {"policies": [FALCON, EAGLE]})
    assert check.status_code == 200 and check.json() == {"valid": True, "rules": 2}
    assert get(gw, "/admin/policies").json()["version"] == v2["version"]  # validate stores nothing

    history = get(gw, "/admin/policies/history").json()["data"]
    assert [h["version"] for h in history][:2] == [v2["version"], start]
    assert history[0]["author"] == "admin" and history[0]["created_at"] > 0

    old = get(gw, f"/admin/policies/versions/{start}").json()
    assert [p["id"] for p in old["policies"]] == ["falcon"] and old["active"] is False
    assert get(gw, "/admin/policies/versions/999").status_code == 404

    rb = send(gw, "POST", "/admin/policies/rollback", {"version": start})
    assert rb.status_code == 200, rb.text
    assert rb.json()["version"] == v2["version"] + 1 and rb.json()["rollback_of"] == start
    assert rb.json()["source"] == "rollback"
    assert blocked(oa, "falcon") and not blocked(oa, "an eagle")
    assert send(gw, "POST", "/admin/policies/rollback", {"version": 999}).status_code == 404
    assert send(gw, "POST", "/admin/policies/rollback", {"version": 0}).status_code == 422


def test_roles(gw: Gateway) -> None:
    created = send(gw, "POST", "/admin/keys", {"name": "policy-auditor", "role": "auditor"})
    assert created.status_code == 201, created.text
    auditor = created.json()["key"]
    assert get(gw, "/admin/policies", auditor).status_code == 200
    assert get(gw, "/admin/policies/history", auditor).status_code == 200
    r = send(gw, "PUT", "/admin/policies", {"policies": []}, auditor)
    assert r.status_code == 403
    plain = send(gw, "POST", "/admin/keys", {"name": "policy-plain"}).json()["key"]
    assert get(gw, "/admin/policies", plain).status_code == 403
    assert httpx.get(gw.url + "/admin/policies", timeout=10).status_code == 401


def test_openapi_lists_the_policy_routes(gw: Gateway) -> None:
    doc = httpx.get(gw.url + "/admin/openapi.json", timeout=10).json()
    assert {"get", "put"} <= set(doc["paths"]["/admin/policies"])
    assert "/admin/policies/rollback" in doc["paths"]


def test_config_view_shows_the_configured_rules(gw: Gateway) -> None:
    r = get(gw, "/admin/config")
    assert r.status_code == 200
    config = r.json()["config"]
    assert config["policies"][0]["id"] == "falcon"
    assert config["policy"]["poll_interval"] == 0.5
