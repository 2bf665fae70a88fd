"""Virtual keys on the data plane, through the official OpenAI SDK: 401 for unknown, revoked and expired
keys; 403 naming the model; /v1/models lists only what the key may use; rotation with a grace period."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import openai
import pytest

from harness import Gateway
from identity.conftest import Admin

Client = Callable[[str], openai.OpenAI]


@pytest.fixture
def client(idgw: Gateway) -> Iterator[Client]:
    made: list[openai.OpenAI] = []

    def make(key: str) -> openai.OpenAI:
        c = openai.OpenAI(base_url=idgw.openai_base, api_key=key, max_retries=0, timeout=10)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def chat(c: openai.OpenAI, model: str) -> str:
    r = c.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
    return r.choices[0].message.content or ""


def test_glob_allows_and_403_names_the_model(admin: Admin, client: Client) -> None:
    c = client(admin.key(models=["gpt-4o*"])["key"])
    assert "hi" in chat(c, "gpt-4o") and "hi" in chat(c, "gpt-4o-mini")
    with pytest.raises(openai.PermissionDeniedError) as exc:
        chat(c, "claude-sonnet")
    assert exc.value.status_code == 403 and "claude-sonnet" in exc.value.message
    assert exc.value.body["code"] == "model_not_allowed" and exc.value.body["param"] == "model"  # type: ignore[index]


def test_models_list_is_filtered(admin: Admin, client: Client) -> None:
    assert [m.id for m in client(admin.key(models=["gpt-4o*"])["key"]).models.list()] == [
        "gpt-4o",
        "gpt-4o-mini",
    ]
    everything = {m.id for m in client(admin.key()["key"]).models.list()}
    assert {"gpt-4o", "gpt-4o-mini", "claude-sonnet", "eu-echo", "demo-embed"} <= everything
    team = admin.team(models=["claude-*", "gpt-4o"])
    both = client(admin.key(team=team["name"], models=["gpt-*"])["key"])
    assert [m.id for m in both.models.list()] == ["gpt-4o"]  # key globs ∩ team globs


def test_team_restriction_is_enforced(admin: Admin, client: Client) -> None:
    team = admin.team(models=["claude-*"])
    c = client(admin.key(team=team["id"])["key"])
    assert "hi" in chat(c, "claude-sonnet")
    with pytest.raises(openai.PermissionDeniedError) as exc:
        chat(c, "gpt-4o")
    assert "gpt-4o" in exc.value.message and team["name"] in exc.value.message
    # lifting the team restriction takes effect at once on this worker
    admin.ok("PATCH", f"/teams/{team['id']}", {"models": None})
    assert "hi" in chat(c, "gpt-4o")


def test_regions_filter_deployments(admin: Admin, client: Client) -> None:
    eu = client(admin.key(regions=["eu"])["key"])
    assert "hi" in chat(eu, "eu-echo")
    with pytest.raises(openai.PermissionDeniedError) as exc:
        chat(eu, "gpt-4o")  # served only in "us"
    assert exc.value.body["code"] == "region_not_allowed"  # type: ignore[index]
    team = admin.team(regions=["us"])
    nowhere = client(admin.key(team=team["id"], regions=["eu"])["key"])  # eu ∩ us = nothing
    with pytest.raises(openai.PermissionDeniedError):
        chat(nowhere, "eu-echo")


def test_unknown_and_revoked_keys_are_401(admin: Admin, client: Client) -> None:
    with pytest.raises(openai.AuthenticationError):
        chat(client("bk-" + "A" * 43), "gpt-4o")
    with pytest.raises(openai.AuthenticationError):
        client("bk-nope").models.list()
    key = admin.key()
    c = client(key["key"])
    assert "hi" in chat(c, "gpt-4o")
    admin.ok("DELETE", f"/keys/{key['id']}")
    with pytest.raises(openai.AuthenticationError):
        chat(c, "gpt-4o")
    with pytest.raises(openai.AuthenticationError):
        c.models.list()
    assert admin.ok("GET", f"/keys/{key['id']}")["status"] == "revoked"


def test_expired_key_is_401(admin: Admin, client: Client) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=1.5)
    key = admin.key(expires_at=soon.isoformat())
    c = client(key["key"])
    assert "hi" in chat(c, "gpt-4o")
    time.sleep(max(0.0, soon.timestamp() - time.time()) + 0.1)
    with pytest.raises(openai.AuthenticationError) as exc:
        chat(c, "gpt-4o")
    assert exc.value.body["code"] == "expired_api_key"  # type: ignore[index]
    assert admin.ok("GET", f"/keys/{key['id']}")["status"] == "expired"


def test_rotation_with_and_without_grace(admin: Admin, client: Client) -> None:
    key = admin.key()
    old = client(key["key"])
    rotated = admin.ok("POST", f"/keys/{key['id']}/rotate", {"grace_seconds": 60})
    assert rotated["id"] == key["id"] and rotated["key"] != key["key"] and rotated["previous_valid_until"]
    assert "hi" in chat(old, "gpt-4o") and "hi" in chat(client(rotated["key"]), "gpt-4o")
    again = admin.ok("POST", f"/keys/{key['id']}/rotate", {})
    for stale in (old, client(rotated["key"])):
        with pytest.raises(openai.AuthenticationError):
            chat(stale, "gpt-4o")
    assert "hi" in chat(client(again["key"]), "gpt-4o")
    admin.ok("DELETE", f"/keys/{key['id']}")
    assert admin.request("POST", f"/keys/{key['id']}/rotate", {}).status_code == 409


def test_admin_key_keeps_full_rights(admin: Admin, client: Client, admin_key: str) -> None:
    c = client(admin_key)
    assert "hi" in chat(c, "claude-sonnet")
    assert len(c.models.list().data) == 5


def test_last_used_is_recorded_off_the_hot_path(idgw: Gateway, admin: Admin, client: Client) -> None:
    from bastion.server.state import STATE

    key = admin.key()
    chat(client(key["key"]), "gpt-4o")
    assert admin.ok("GET", f"/keys/{key['id']}")["last_used_at"] is None  # not written per request
    state = idgw.runner.app[STATE]
    idgw.thread.run(state.identity.flush_used())
    assert admin.ok("GET", f"/keys/{key['id']}")["last_used_at"] is not None
