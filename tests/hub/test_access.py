"""Hub access rules over plain HTTP against real gateways: sign-in throttling, the inactivity expiry, the
`Secure` cookie behind a TLS-terminating proxy, and the console moving to the separate admin listener."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bastion.server.state import STATE
from fakes import Fakes
from harness import ADMIN_KEY, Gateway
from hub.conftest import csrf_of, hub_config


def sign_in(http: httpx.Client, key: str, headers: dict[str, str] | None = None) -> httpx.Response:
    form = http.get("/hub/login", headers=headers)
    return http.post(
        "/hub/login", data={"key": key, "csrf": csrf_of(form.text), "next": "/hub"}, headers=headers
    )


@pytest.fixture
def gateway_with(fakes: Fakes, tmp_path: Path) -> Iterator[Callable[[dict[str, Any]], Gateway]]:
    """A gateway of its own, with these `hub:` settings (the sign-in throttle counts per client address:
    every test here comes from 127.0.0.1)."""
    started: list[Gateway] = []

    def start(hub: dict[str, Any]) -> Gateway:
        config = hub_config(fakes, tmp_path / f"bastion{len(started)}.db")
        config["hub"] = hub
        started.append(Gateway.start(config))
        return started[-1]

    yield start
    for gw in started:
        gw.stop()


def test_sign_in_throttled_per_client(gateway_with: Callable[[dict[str, Any]], Gateway]) -> None:
    gw = gateway_with({"login_attempts": 3, "login_window_seconds": 60})
    with httpx.Client(base_url=gw.url, follow_redirects=False) as http:
        for _ in range(3):
            assert sign_in(http, "wrong-key-0123456789").status_code == 401
        refused = sign_in(http, "wrong-key-0123456789")
        assert refused.status_code == 429 and "Too many failed sign-ins" in refused.text
        # even the right key waits out the window: guessing cannot go on
        assert sign_in(http, ADMIN_KEY).status_code == 429
        assert ADMIN_KEY not in refused.text


def test_session_ends_after_inactivity_and_secure_behind_proxy(
    gateway_with: Callable[[dict[str, Any]], Gateway],
) -> None:
    gw = gateway_with({"session_idle_minutes": 2 / 60, "trust_forwarded_proto": True})
    proxy = {"X-Forwarded-Proto": "https"}  # the proxy talks plain HTTP to us: Secure cookies sent by hand
    with httpx.Client(base_url=gw.url, follow_redirects=False) as http:
        form = http.get("/hub/login", headers=proxy)
        assert "Secure" in form.headers["set-cookie"]  # the sign-in form's CSRF cookie, too
        jar = "; ".join(f"{k}={v}" for k, v in form.cookies.items())
        answer = http.post("/hub/login", data={"key": ADMIN_KEY, "csrf": csrf_of(form.text), "next": "/hub"},
                           headers={**proxy, "Cookie": jar})  # fmt: skip
        assert answer.status_code == 303
        cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("bastion_hub="))
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" in cookie
        session = {**proxy, "Cookie": f"bastion_hub={answer.cookies['bastion_hub']}"}
        assert http.get("/hub", headers=session).status_code == 200
        time.sleep(1.2)
        assert http.get("/hub", headers=session).status_code == 200  # use keeps it alive
        time.sleep(1.2)
        assert http.get("/hub", headers=session).status_code == 200
        time.sleep(2.5)  # longer than session_idle_minutes without use
        gone = http.get("/hub", headers=session)
        assert gone.status_code in (302, 303) and "/hub/login" in gone.headers["location"]


def test_cookie_not_secure_over_plain_http(hub_gateway: Gateway) -> None:
    """Without `hub.trust_forwarded_proto`, a client-sent X-Forwarded-Proto does not decide anything."""
    with httpx.Client(base_url=hub_gateway.url, follow_redirects=False) as http:
        answer = sign_in(http, ADMIN_KEY, headers={"X-Forwarded-Proto": "https"})
        assert answer.status_code == 303
        cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("bastion_hub="))
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie


def test_console_on_the_admin_listener_only(fakes: Fakes, tmp_path: Path) -> None:
    config = hub_config(fakes, tmp_path / "bastion.db")
    config["admin"] = {"host": "127.0.0.1", "port": 0}
    gw = Gateway.start(config)
    try:
        admin_port = gw.runner.app[STATE].admin_port
        assert admin_port
        with httpx.Client(base_url=gw.url, follow_redirects=False) as main:
            assert main.get("/hub/login").status_code == 404
            assert main.get("/hub").status_code == 404
        with httpx.Client(base_url=f"http://127.0.0.1:{admin_port}", follow_redirects=False) as admin:
            assert admin.get("/hub/login").status_code == 200
            assert sign_in(admin, ADMIN_KEY).status_code == 303
            page = admin.get("/hub")
            assert page.status_code == 200 and "<h1>Overview</h1>" in page.text.replace("\n", "")
    finally:
        gw.stop()
