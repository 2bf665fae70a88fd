"""PATCH /admin/keys/{id} through a running gateway, on both backends: a merge patch of the mutable fields
(absent: unchanged, null: cleared), the same validation as creation, 404/409 for unknown and revoked keys,
roles, the effect on the data plane, its audit record, and the OpenAPI document."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from harness import Gateway, auth
from identity.conftest import Admin, unique


def chat_status(url: str, key: str, model: str = "gpt-4o") -> int:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    return httpx.post(url + "/v1/chat/completions", json=body, headers=auth(key), timeout=10).status_code


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_patch_changes_only_what_is_sent(admin: Admin) -> None:
    key = admin.key(models=["gpt-4o*"], regions=["eu"], user="app-1", limits={"rpm": 60})
    path = f"/keys/{key['id']}"
    name = unique("renamed")
    budget = {"usd": 5, "period": "day"}
    out = admin.ok("PATCH", path, {"name": name, "models": ["claude-*"], "budget": budget})
    assert out["id"] == key["id"] and out["name"] == name and out["models"] == ["claude-*"]
    assert out["budget"] == {"usd": 5.0, "period": "day"}
    assert out["regions"] == ["eu"] and out["user"] == "app-1" and out["limits"] == {"rpm": 60}  # untouched
    assert out["prefix"] == key["prefix"] and out["team_id"] == key["team_id"] and "key" not in out
    assert admin.ok("GET", path) == out

    expires = in_days(7)
    out = admin.ok("PATCH", path, {"expires_at": expires, "limits": {"tpm": 1000}})
    assert out["expires_at"].startswith(expires[:19]) and out["limits"] == {"tpm": 1000}  # replaced whole

    cleared = admin.ok(
        "PATCH", path,
        {"models": None, "regions": None, "user": None, "expires_at": None, "limits": None, "budget": None},
    )  # fmt: skip
    assert cleared["models"] == ["*"] and cleared["regions"] is None and cleared["user"] is None
    assert cleared["expires_at"] is None and cleared["limits"] is None and cleared["budget"] is None
    assert cleared["name"] == name and cleared["status"] == "active"
    assert admin.ok("PATCH", path, {"name": name})["name"] == name  # its own name again: no conflict


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"name": "bad name!"}, "name"),
        ({"models": "gpt-4o"}, "models"),
        ({"models": [""]}, "models.0"),
        ({"regions": ["e u"]}, "regions.0"),
        ({"expires_at": "not a date"}, "expires_at"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"limits": {"rpm": 0}}, "limits.rpm"),
        ({"limits": {"rps": 1}}, "limits.rps"),
        ({"budget": {"usd": 5, "soft_usd": 9}}, "budget"),
        ({"team": "other"}, "team"),
        ({"role": "admin"}, "role"),
        ({"key": "bk-" + "A" * 43}, "key"),
        ({"secret_hash": "00"}, "secret_hash"),
        ({}, "body"),
    ],
)
def test_invalid_patches_are_422_naming_the_field(admin: Admin, body: dict[str, Any], field: str) -> None:
    key = admin.key()
    r = admin.request("PATCH", f"/keys/{key['id']}", body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == field, error
    assert admin.ok("GET", f"/keys/{key['id']}") == {k: v for k, v in key.items() if k != "key"}


def test_unknown_revoked_and_duplicate(admin: Admin) -> None:
    r = admin.request("PATCH", "/keys/key_nope", {"user": "x"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "key_not_found"
    taken = admin.key()
    key = admin.key()
    r = admin.request("PATCH", f"/keys/{key['id']}", {"name": taken["name"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_name"
    admin.ok("DELETE", f"/keys/{key['id']}")
    r = admin.request("PATCH", f"/keys/{key['id']}", {"models": ["*"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "key_revoked"
    # a revoked key's name is free again
    assert admin.ok("PATCH", f"/keys/{taken['id']}", {"name": key["name"]})["name"] == key["name"]


def test_an_expired_key_can_be_given_a_new_expiry(admin: Admin, idgw: Gateway) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=1)
    key = admin.key(expires_at=soon.isoformat())
    time.sleep(max(0.0, soon.timestamp() - time.time()) + 0.1)
    assert admin.ok("GET", f"/keys/{key['id']}")["status"] == "expired"
    assert chat_status(idgw.url, key["key"]) == 401
    assert admin.ok("PATCH", f"/keys/{key['id']}", {"expires_at": in_days(1)})["status"] == "active"
    assert chat_status(idgw.url, key["key"]) == 200


def test_roles(admin: Admin) -> None:
    mine, other = admin.team(), admin.team()
    ta = admin.as_key(admin.key(team=mine["name"], role="team-admin")["key"])
    own = admin.key(team=mine["id"])
    assert ta.ok("PATCH", f"/keys/{own['id']}", {"models": ["gpt-4o"]})["models"] == ["gpt-4o"]
    peer = admin.key(team=mine["id"], role="team-admin")
    assert ta.ok("PATCH", f"/keys/{peer['id']}", {"user": "lead"})["user"] == "lead"
    refused = {
        "other team": (admin.key(team=other["id"]), "other_team"),
        "no team": (admin.key(), "other_team"),
        "auditor of its team": (admin.key(team=mine["id"], role="auditor"), "insufficient_role"),
        "admin of its team": (admin.key(team=mine["id"], role="admin"), "insufficient_role"),
    }
    for why, (victim, code) in refused.items():
        r = ta.request("PATCH", f"/keys/{victim['id']}", {"expires_at": None})
        assert r.status_code == 403 and r.json()["error"]["code"] == code, why
    auditor = admin.as_key(admin.key(role="auditor")["key"])
    plain = admin.as_key(admin.key()["key"])
    for caller in (auditor, plain):
        assert caller.request("PATCH", f"/keys/{own['id']}", {"models": ["*"]}).status_code == 403
    boss = admin.as_key(admin.key(role="admin")["key"])
    assert boss.ok("PATCH", f"/keys/{own['id']}", {"models": None})["models"] == ["*"]


def test_takes_effect_on_the_data_plane(admin: Admin, idgw: Gateway) -> None:
    key = admin.key()
    path = f"/keys/{key['id']}"
    assert chat_status(idgw.url, key["key"]) == 200
    admin.ok("PATCH", path, {"models": ["claude-*"]})
    assert chat_status(idgw.url, key["key"]) == 403
    assert chat_status(idgw.url, key["key"], "claude-sonnet") == 200
    admin.ok("PATCH", path, {"models": None, "regions": ["eu"]})
    assert chat_status(idgw.url, key["key"], "eu-echo") == 200
    assert chat_status(idgw.url, key["key"], "gpt-4o") == 403  # served only in "us"
    admin.ok("PATCH", path, {"regions": None, "limits": {"rpm": 1}})
    assert chat_status(idgw.url, key["key"]) == 200
    assert chat_status(idgw.url, key["key"]) == 429
    admin.ok("PATCH", path, {"limits": None})
    assert chat_status(idgw.url, key["key"]) == 200
    r = httpx.get(idgw.url + "/v1/models", headers=auth(key["key"]), timeout=10)
    assert len(r.json()["data"]) == 5


@pytest.fixture
def audit_of(admin: Admin) -> Iterator[Any]:
    def records(request_id: str) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 10
        while (r := admin.request("GET", f"/audit/{request_id}")).status_code == 404:
            assert time.monotonic() < deadline, "no audit record"
            time.sleep(0.05)
        assert r.status_code == 200, r.text
        return r.json()["data"]  # type: ignore[no-any-return]

    yield records


def test_one_audit_record_with_before_and_after(admin: Admin, audit_of: Any) -> None:
    rid = unique("mk")
    key = admin.request("POST", "/keys", {"name": unique("k")}, headers={"x-request-id": rid}).json()
    (created,) = audit_of(rid)
    path = f"/keys/{key['id']}"
    r = admin.request("PATCH", path, {"models": ["claude-*"]}, headers={"x-request-id": rid + "p"})
    assert r.status_code == 200
    (patched,) = audit_of(rid + "p")
    assert patched["kind"] == "admin" and patched["action"] == "PATCH /admin/keys/{id}"
    assert patched["target"] == key["id"] and patched["status"] == 200
    assert patched["actor"]["key_id"] == "admin"
    assert patched["before_hash"] == created["after_hash"] != patched["after_hash"]
    r = admin.request("PATCH", path, {"team": "x"}, headers={"x-request-id": rid + "r"})
    assert r.status_code == 422
    (refused,) = audit_of(rid + "r")
    assert refused["status"] == 422 and refused["after_hash"] is None


def test_openapi_document_has_the_patch(admin: Admin) -> None:
    doc = httpx.get(admin.url + "/admin/openapi.json").json()
    op = doc["paths"]["/admin/keys/{id}"]["patch"]
    assert op["operationId"] == "update_key" and op["x-bastion-permission"] == "keys:write"
    assert op["requestBody"]["required"] is True
    assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/KeyUpdate")
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/KeyOut")
    assert {"401", "403", "404", "409", "422"} <= set(op["responses"])
    schema = doc["components"]["schemas"]["KeyUpdate"]
    assert schema["additionalProperties"] is False and not schema.get("required")
    fields = {"name", "user", "models", "regions", "expires_at", "limits", "budget"}
    assert set(schema["properties"]) == fields
