"""Key material and the in-process cache (no database): format, hashing, expiry, grace, revocation."""

from __future__ import annotations

import time

import pytest

from bastion.context import Principal
from bastion.errors import Forbidden, Unauthorized
from bastion.identity.access import check_model_access, model_allowed, region_allowed
from bastion.identity.authenticator import IdentityAuthenticator
from bastion.identity.cache import KeyCache, build_entries, principal_for
from bastion.identity.keygen import display_prefix, hash_secret, new_id, new_secret
from bastion.storage.keys import KeyRecord
from bastion.storage.teams import Team

ADMIN = "admin-key-0123456789abcdef"


def record(secret: str, **kw: object) -> KeyRecord:
    now = time.time()
    fields: dict[str, object] = dict(
        id=new_id("key"), name="k", team_id=None, user=None, role=None, models=["*"], regions=None,
        prefix=display_prefix(secret), secret_hash=hash_secret(secret), previous_hash=None,
        previous_expires_at=None, expires_at=None, created_by="t", created_at=now, updated_at=now,
        last_used_at=None, revoked_at=None,
    )  # fmt: skip
    fields.update(kw)
    return KeyRecord(**fields)  # type: ignore[arg-type]


def test_key_format() -> None:
    keys = {new_secret() for _ in range(1000)}
    assert len(keys) == 1000
    for k in list(keys)[:20]:
        assert k.startswith("bk-") and len(k) == 46 and display_prefix(k) == k[:11]
        assert len(hash_secret(k)) == 64 and hash_secret(k) != k


def test_lookup_expiry_grace_and_revocation() -> None:
    live, expired, rotated_old, rotated_new, revoked = (new_secret() for _ in range(5))
    records = [
        record(live),
        record(expired, id="key_exp", expires_at=time.time() - 1),
        record(
            rotated_new,
            id="key_rot",
            previous_hash=hash_secret(rotated_old),
            previous_expires_at=time.time() + 60,
        ),
        record(revoked, revoked_at=time.time()),
    ]
    cache = KeyCache()
    cache.replace(build_entries(records, {}), 7)
    auth = IdentityAuthenticator(ADMIN, cache)
    assert auth.authenticate(live) is not None and cache.version == 7
    assert auth.authenticate(rotated_old) == auth.authenticate(rotated_new)
    assert auth.authenticate(revoked) is None
    assert auth.authenticate(live + "x") is None and auth.authenticate("sk-other") is None
    with pytest.raises(Unauthorized) as exc:
        auth.authenticate(expired)
    assert exc.value.code == "expired_api_key"
    admin = auth.authenticate(ADMIN)
    assert admin is not None and admin.role == "admin" and admin.models is None
    assert set(cache.drain_used()) == {records[0].id, "key_rot"} and cache.drain_used() == {}


def test_principal_intersects_team_and_key() -> None:
    now = time.time()
    team = Team("team_1", "ml", {}, ["gpt-*"], ["eu", "us"], now, now)
    p = principal_for(record(new_secret(), team_id="team_1", models=["*-mini"], regions=["eu", "ap"]), team)
    assert p.team == "ml" and p.regions == frozenset({"eu"})
    assert model_allowed(p, "gpt-4o-mini") and not model_allowed(p, "gpt-4o")
    assert not model_allowed(p, "claude-mini")
    assert region_allowed(p, "eu") and not region_allowed(p, "us") and not region_allowed(p, None)


@pytest.mark.parametrize(
    ("models", "team_models", "model", "allowed", "blamed"),
    [
        (None, None, "anything", True, None),
        (("gpt-4o*",), None, "gpt-4o-mini", True, None),
        (("gpt-4o*",), None, "gpt-4", False, "this API key"),
        (("gpt-4o",), None, "gpt-4o-mini", False, "this API key"),  # globs anchor at both ends
        (("*",), ("claude-*",), "gpt-4o", False, "team 'ml'"),
        (("gpt-*",), ("claude-*",), "claude-3", False, "this API key"),
        (("[!x]*",), None, "gpt", True, None),
    ],
)
def test_model_access_table(
    models: tuple[str, ...] | None, team_models: tuple[str, ...] | None, model: str, allowed: bool,
    blamed: str | None,
) -> None:  # fmt: skip
    p = Principal("key_1", "k", team="ml", role=None, models=models, team_models=team_models)
    assert model_allowed(p, model) is allowed
    if allowed:
        check_model_access(p, model)
        return
    with pytest.raises(Forbidden) as exc:
        check_model_access(p, model)
    assert f"'{model}'" in exc.value.message and blamed is not None and blamed in exc.value.message
    assert exc.value.status_code == 403 and exc.value.param == "model"
