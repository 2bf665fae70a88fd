"""`admin: {host, port}` moves /admin to its own listener; the data-plane listener no longer serves it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness import ADMIN_KEY, Gateway, auth
from identity.conftest import identity_config


@pytest.fixture
def split_gateway(tmp_path: Path) -> Iterator[tuple[Gateway, str]]:
    from bastion.server.state import STATE

    config = identity_config(f"sqlite:///{tmp_path / 'b.db'}", admin={"host": "127.0.0.1", "port": 0})
    gw = Gateway.start(config)
    state = gw.runner.app[STATE]
    yield gw, f"http://127.0.0.1:{state.admin_port}"
    gw.stop()


def test_admin_on_separate_listener(split_gateway: tuple[Gateway, str]) -> None:
    gw, admin_url = split_gateway
    assert httpx.get(gw.url + "/admin/keys", headers=auth(ADMIN_KEY)).status_code == 404
    assert httpx.get(gw.url + "/admin/openapi.json").status_code == 404
    r = httpx.post(admin_url + "/admin/keys", json={"name": "k1"}, headers=auth(ADMIN_KEY))
    assert r.status_code == 201
    key = r.json()["key"]
    assert httpx.get(gw.url + "/v1/models", headers=auth(key)).status_code == 200
    assert httpx.get(admin_url + "/v1/models", headers=auth(key)).status_code == 404
    assert httpx.get(admin_url + "/admin/openapi.json").status_code == 200
