"""The admin API through a running gateway, on both backends: CRUD, validation (400/422), duplicates
(409), roles (403), key material shown once and never again."""

from __future__ import annotations

import httpx
import pytest

from identity.conftest import Admin, unique


def test_team_lifecycle(admin: Admin) -> None:
    name = unique("ml")
    team = admin.team(name=name, metadata={"cost_centre": "42"}, models=["gpt-4o*"], regions=["eu"])
    assert team["id"].startswith("team_") and team["name"] == name
    assert team["models"] == ["gpt-4o*"] and team["regions"] == ["eu"]
    listed = admin.ok("GET", "/teams")
    assert listed["object"] == "list" and team["id"] in [t["id"] for t in listed["data"]]
    assert admin.ok("GET", f"/teams/{name}")["id"] == team["id"]
    patched = admin.ok("PATCH", f"/teams/{team['id']}", {"models": None, "metadata": {"owner": "ann"}})
    assert (
        patched["models"] is None and patched["metadata"] == {"owner": "ann"} and patched["regions"] == ["eu"]
    )
    assert admin.ok("DELETE", f"/teams/{team['id']}") == {"id": team["id"], "deleted": True}
    assert admin.request("GET", f"/teams/{team['id']}").status_code == 404


def test_duplicate_names_are_409(admin: Admin) -> None:
    team = admin.team()
    r = admin.request("POST", "/teams", {"name": team["name"]})
    assert r.status_code == 409 and r.json()["error"]["param"] == "name"
    other = admin.team()
    r = admin.request("PATCH", f"/teams/{other['id']}", {"name": team["name"]})
    assert r.status_code == 409
    key = admin.key()
    r = admin.request("POST", "/keys", {"name": key["name"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_name"
    # a revoked key's name may be reused
    admin.ok("DELETE", f"/keys/{key['id']}")
    admin.key(name=key["name"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "ok", "models": "gpt-4o"}, "models"),
        ({"name": "ok", "models": [""]}, "models.0"),
        ({"name": "ok", "role": "root"}, "role"),
        ({"name": "ok", "expires_at": "not a date"}, "expires_at"),
        ({"name": "ok", "surprise": 1}, "surprise"),
    ],
)
def test_invalid_key_requests_are_422_with_field_errors(admin: Admin, body: dict, field: str) -> None:
    r = admin.request("POST", "/keys", body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "validation_error"
    assert error["param"] == field and field in [e["field"] for e in error["errors"]]


def test_semantic_errors(admin: Admin) -> None:
    r = admin.request("POST", "/keys", {"name": unique("k"), "team": "no-such-team"})
    assert r.status_code == 422 and r.json()["error"]["param"] == "team"
    r = admin.request("POST", "/keys", {"name": unique("k"), "role": "team-admin"})
    assert r.status_code == 422 and r.json()["error"]["param"] == "team"
    r = admin.request("POST", "/keys", {"name": unique("k"), "expires_at": "2001-01-01T00:00:00Z"})
    assert r.status_code == 422 and r.json()["error"]["param"] == "expires_at"
    assert admin.request("GET", "/keys/key_nope").status_code == 404
    assert admin.request("PATCH", "/teams/nope", {"name": "x"}).status_code == 404
    assert admin.request("PATCH", f"/teams/{admin.team()['id']}", {}).status_code == 422


def test_malformed_json_is_400(admin: Admin) -> None:
    for raw in (b"{not json", b"[1, 2]"):
        r = admin.client.post("/admin/keys", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 400, r.text
        assert r.json()["error"]["type"] == "invalid_request_error"


def test_key_material_is_shown_once(admin: Admin) -> None:
    created = admin.key(models=["gpt-4o*"], user="app-7")
    secret = created["key"]
    assert secret.startswith("bk-") and len(secret) >= 3 + 43  # 256 random bits, URL-safe
    assert created["prefix"] == secret[:11] and created["id"].startswith("key_")
    for body in (admin.ok("GET", f"/keys/{created['id']}"), admin.ok("GET", "/keys")):
        text = str(body)
        assert secret not in text and secret[11:] not in text
        assert "hash" not in text
    got = admin.ok("GET", f"/keys/{created['id']}")
    assert got["user"] == "app-7" and got["status"] == "active" and "key" not in got


def test_team_delete_with_keys_is_409(admin: Admin) -> None:
    team = admin.team()
    key = admin.key(team=team["name"])
    assert admin.request("DELETE", f"/teams/{team['id']}").status_code == 409
    admin.ok("DELETE", f"/keys/{key['id']}")
    assert admin.request("DELETE", f"/teams/{team['id']}").status_code == 409  # kept for the audit trail
    empty = admin.team()
    admin.ok("DELETE", f"/teams/{empty['id']}")


def test_unauthenticated_and_plain_keys(admin: Admin) -> None:
    r = httpx.get(admin.url + "/admin/keys")
    assert r.status_code == 401
    assert admin.as_key("bk-unknown").request("GET", "/keys").status_code == 401
    plain = admin.key()
    for method, path in (("GET", "/keys"), ("GET", "/teams"), ("POST", "/teams"), ("GET", "/whoami")):
        r = admin.as_key(plain["key"]).request(
            method, path, {"name": unique("t")} if method == "POST" else None
        )
        assert r.status_code == 403, (method, path, r.text)
        assert r.json()["error"]["type"] == "permission_error"


def test_auditor_reads_but_cannot_manage(admin: Admin) -> None:
    auditor = admin.as_key(admin.key(role="auditor")["key"])
    victim = admin.key()
    assert auditor.ok("GET", "/keys")["object"] == "list"
    assert auditor.ok("GET", "/teams")["object"] == "list"
    assert auditor.ok("GET", f"/keys/{victim['id']}")["id"] == victim["id"]
    config = auditor.ok("GET", "/config")["config"]
    assert config["admin_key"] == "**********"
    assert auditor.ok("GET", "/whoami")["role"] == "auditor"
    for method, path, body in (
        ("POST", "/keys", {"name": unique("k")}),
        ("DELETE", f"/keys/{victim['id']}", None),
        ("POST", f"/keys/{victim['id']}/rotate", {}),
        ("POST", "/teams", {"name": unique("t")}),
    ):
        assert auditor.request(method, path, body).status_code == 403
    assert admin.ok("GET", f"/keys/{victim['id']}")["status"] == "active"


def test_team_admin_manages_only_its_team(admin: Admin) -> None:
    mine, other = admin.team(), admin.team()
    ta = admin.as_key(admin.key(team=mine["name"], role="team-admin")["key"])
    theirs = admin.key(team=other["id"])
    created = ta.key()  # defaults to its own team
    assert created["team_id"] == mine["id"] and created["role"] is None
    assert {k["team_id"] for k in ta.ok("GET", "/keys")["data"]} == {mine["id"]}
    assert [t["id"] for t in ta.ok("GET", "/teams")["data"]] == [mine["id"]]
    assert ta.request("GET", f"/keys/{theirs['id']}").status_code == 403
    assert ta.request("DELETE", f"/keys/{theirs['id']}").status_code == 403
    assert ta.request("POST", "/keys", {"name": unique("k"), "team": other["name"]}).status_code == 403
    assert ta.request("POST", "/keys", {"name": unique("k"), "role": "admin"}).status_code == 403
    assert ta.request("POST", "/teams", {"name": unique("t")}).status_code == 403
    assert ta.request("GET", "/config").status_code == 403
    rotated = ta.ok("POST", f"/keys/{created['id']}/rotate", {})
    assert rotated["key"] != created["key"]
    assert ta.ok("DELETE", f"/keys/{created['id']}")["status"] == "revoked"


def test_admin_role_key_has_full_rights(admin: Admin) -> None:
    creator = admin.key(role="admin")
    boss = admin.as_key(creator["key"])
    team = boss.team()
    key = boss.key(team=team["id"], role="auditor")
    assert key["created_by"] == f"{creator['name']} ({creator['id']})"
    boss.ok("DELETE", f"/keys/{key['id']}")


def test_openapi_document(admin: Admin) -> None:
    doc = httpx.get(admin.url + "/admin/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    paths = doc["paths"]
    for path, methods in {
        "/admin/teams": {"get", "post"},
        "/admin/teams/{id}": {"get", "patch", "delete"},
        "/admin/keys": {"get", "post"},
        "/admin/keys/{id}": {"get", "patch", "delete"},
        "/admin/keys/{id}/rotate": {"post"},
    }.items():
        assert methods <= set(paths[path]), path
    schemas = doc["components"]["schemas"]
    expected = {"KeyCreate", "KeyCreated", "KeyOut", "KeyUpdate", "TeamCreate", "TeamUpdate", "ErrorResponse"}
    assert expected <= set(schemas)
    assert "name" in schemas["KeyCreate"]["required"]
    assert schemas["KeyCreate"]["additionalProperties"] is False
    post = paths["/admin/keys"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/KeyCreate")
    assert {"201", "401", "403", "409", "422"} <= set(post["responses"])
