"""The Hub under test: a gateway (PII on, an audit trail, policies) on SQLite, Debian's chromium driven by
Playwright, and helpers to sign in. Screenshots go to tests/hub/artifacts/ (gitignored)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from fakes import Fakes
from harness import ADMIN_KEY, Gateway, free_port, fresh_pg_database, gateway_config

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"


def hub_config(fakes: Fakes, db: Path) -> dict[str, Any]:
    config = gateway_config(fakes, free_port(), db)
    config["pii"] = {"enabled": True}
    for entry in config["models"]:
        if entry["name"] == "openai-echo":  # priced, so spend and budgets have figures
            entry.update(input_cost_per_mtok=2.5, output_cost_per_mtok=10.0)
    config["audit"] = {"dir": str(db.parent / "audit"), "checkpoint_every": 5}
    config["policies"] = [
        {"id": "no-secrets-word", "when": {"text_matches": ["topsecret"]},
         "then": {"action": "deny", "message": "no <b>secrets</b> here"}},
        {"id": "flag-invoice", "when": {"text_matches": ["invoice"]}, "then": {"action": "flag"}},
        {"id": "try-shadow", "mode": "shadow", "when": {"text_matches": ["shadowprobe"]},
         "then": {"action": "deny"}},
    ]  # fmt: skip
    return config


@pytest.fixture(scope="module")
def hub_gateway(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    db = tmp_path_factory.mktemp("hub") / "bastion.db"
    config = hub_config(fakes, db)
    (db.parent / "bastion.yaml").write_text(yaml.safe_dump(config))  # for the CLI (`bastion usage`)
    gw = Gateway.start(config)
    yield gw
    gw.stop()


@pytest.fixture(scope="module")  # Playwright's sync API runs a loop: stopped before async tests run
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


class Console:
    """Console errors and failed requests of a page: a Hub page must have none."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.console_log = Console(pg)
    yield pg
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page: Any, url: str, key: str = ADMIN_KEY) -> None:
    page.goto(url + "/hub/login")
    page.fill("input[name=key]", key)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def admin_api(url: str, method: str, path: str, key: str = ADMIN_KEY, **kw: Any) -> httpx.Response:
    return httpx.request(method, url + path, headers={"Authorization": f"Bearer {key}"}, timeout=10, **kw)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/hub.db"
        return
    with fresh_pg_database("bastion_hub") as url:
        yield url


def request_record(i: int, ts: float) -> dict[str, Any]:
    """Request records of every shape the usage report distinguishes (i picks the shape)."""
    rec: dict[str, Any] = {
        "id": os.urandom(16).hex(), "kind": "request", "request_id": f"q-{i}", "ts_start": ts,
        "team": ("alpha", "beta", None)[i % 3], "key_id": f"key_{i % 4}", "model": ("m1", "m2")[i % 2],
        "provider": "p" if i % 7 else None, "status": 200, "decision": "allowed",
        "overhead_ms": float(i % 11),
    }  # fmt: skip
    if i % 5 == 0:
        rec.update(status=403, decision="denied", error="PermissionDenied", error_code="policy_denied")
    elif i % 5 == 1:
        rec["cost"] = {"usd": 0.001 * i, "input_tokens": i, "output_tokens": 2 * i}
    elif i % 5 == 2:
        rec["cost"] = {"usd": None, "input_tokens": 3}  # no price: unknown, never $0
    else:
        rec.update(tokens_in=5, tokens_out=6)
    if i % 4 == 0:
        rec["pii"] = {"EMAIL": {"pseudonymize": 2}, "PHONE": {"allow": 1, "mask": 1}}
    policy: dict[str, Any] = {"version": 1, "action": "none", "matched": []}
    if i % 5 == 0:
        policy.update(action="deny", matched=[{"id": "no-secrets", "action": "deny", "mode": "enforce"}])
    elif i % 8 == 3:
        policy.update(flagged=True, matched=[{"id": "flag-invoice", "action": "flag", "mode": "enforce"}])
    if i % 6 == 0:
        policy["shadow"] = [{"id": "try-" + ("a", "b")[i % 4 == 0], "action": "deny", "mode": "shadow"}]
    rec["policy"] = policy
    return rec
