"""The Hub in a real browser (Debian's chromium via Playwright) against a real gateway with fake
providers: sign-in, the pages, and changes made in the browser taking effect for SDK clients."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from bastion.hub import format
from bastion.server.state import STATE
from harness import ADMIN_KEY, BASTION, Gateway, marker
from hub.conftest import admin_api, csrf_of, login, shot

PAGES = (
    "/hub", "/hub/requests", "/hub/keys", "/hub/teams", "/hub/policies", "/hub/models", "/hub/spend",
    "/hub/integrity",
)  # fmt: skip


def sdk(gw: Gateway, key: str = ADMIN_KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.openai_base, api_key=key, max_retries=0, timeout=10)


def wait_audited(gw: Gateway, request_id: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = admin_api(gw.url, "GET", f"/admin/audit/{request_id}")
        if r.status_code == 200:
            return r.json()["data"][-1]  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError(f"request {request_id} never reached the audit trail")


def test_login_logout_and_wrong_key(hub_gateway: Gateway, page: Any) -> None:
    page.goto(hub_gateway.url + "/hub")
    assert "/hub/login" in page.url
    page.fill("input[name=key]", "not-a-key-at-all-123")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text().startswith("Unknown")
    assert "/hub/login" in page.url
    shot(page, "login-refused")
    page.console_log.errors.clear()  # the refused sign-in's 401 itself
    login(page, hub_gateway.url)
    assert page.url.rstrip("/").endswith("/hub")
    cookie = next(c for c in page.context.cookies() if c["name"] == "bastion_hub")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert ADMIN_KEY not in page.content()
    page.click("text=Sign out")
    page.wait_for_url("**/hub/login")
    page.goto(hub_gateway.url + "/hub")
    assert "/hub/login" in page.url  # the session ended on the server
    assert not page.console_log.errors


def test_overview_matches_admin_api(hub_gateway: Gateway, page: Any) -> None:
    client = sdk(hub_gateway)
    ids = []
    for i in range(3):
        raw = client.chat.completions.with_raw_response.create(
            model="openai-echo", messages=[{"role": "user", "content": f"overview {i} {marker()}"}]
        )
        ids.append(raw.headers["x-request-id"])
    with pytest.raises(openai.PermissionDeniedError):
        client.chat.completions.create(
            model="openai-echo", messages=[{"role": "user", "content": "topsecret"}]
        )
    for rid in ids:
        wait_audited(hub_gateway, rid)
    time.sleep(0.5)
    login(page, hub_gateway.url)
    page.goto(hub_gateway.url + "/hub?window=24h")
    shot(page, "overview")
    now = time.time()
    usage = admin_api(hub_gateway.url, "GET", "/admin/usage", params={"from": str(now - 86400 - 5)}).json()
    row = page.locator("#summary tr[data-window='24h']")
    assert row.locator("[data-col=requests]").inner_text() == f"{usage['total']['requests']:,}"
    assert row.locator("[data-col=errors]").inner_text() == f"{usage['total']['errors']:,}"
    denied = 0
    for decision in ("denied", "blocked"):
        params = {"kind": "request", "decision": decision, "limit": "1000"}
        denied += len(admin_api(hub_gateway.url, "GET", "/admin/audit", params=params).json()["data"])
    assert row.locator("[data-col=denied]").inner_text() == f"{denied:,}"
    assert row.locator("[data-col=usd]").inner_text() == format.usd(usage["total"]["usd"])
    assert usage["total"]["requests"] >= 4
    # and `bastion usage` on the same database, for the same window
    db = Path(hub_gateway.runner.app[STATE].config.database_url.removeprefix("sqlite:///"))
    cli = subprocess.run(
        [BASTION, "usage", "--config", str(db.parent / "bastion.yaml"), "--from", str(now - 86400 - 5),
         "--json"], capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    total = json.loads(cli.stdout)["total"]
    assert (total["requests"], total["errors"]) == (usage["total"]["requests"], usage["total"]["errors"])
    assert row.locator("[data-col=usd]").inner_text() == format.usd(total["usd"])
    assert not page.console_log.errors


def test_request_detail_story(hub_gateway: Gateway, page: Any) -> None:
    mk = marker()
    raw = sdk(hub_gateway).chat.completions.with_raw_response.create(
        model="openai-echo",
        messages=[
            {"role": "user", "content": f"invoice for jane.doe@example.com <script>alert('x')</script> {mk}"}
        ],
    )
    rid = raw.headers["x-request-id"]
    rec = wait_audited(hub_gateway, rid)
    login(page, hub_gateway.url)
    page.goto(hub_gateway.url + "/hub/requests")
    shot(page, "requests")
    assert page.locator(f"a:has-text('{rid}')").count() == 1, page.inner_text("main")[:3000]
    page.click(f"a:has-text('{rid}')")
    page.wait_for_url(f"**/hub/requests/{rid}")
    shot(page, "request-detail")
    assert "flag-invoice" in page.locator("#rules").inner_text()
    assert "EMAIL" in page.locator("#pii").inner_text()
    assert "jane.doe@example.com" not in page.content()
    assert "openai" in page.locator("#attempts").inner_text()
    assert page.locator("#cost").inner_text() not in ("", "—")
    if rec.get("cost", {}).get("usd") is not None:
        assert page.locator("#cost").inner_text().startswith("$")
    assert page.locator("#chain-status").inner_text() == "verifies"
    page.goto(hub_gateway.url + "/hub/requests?rule=flag-invoice&pii=EMAIL")
    assert page.locator(f"a:has-text('{rid}')").count() == 1
    assert not page.console_log.errors


def test_script_in_prompt_renders_as_text(hub_gateway: Gateway, page: Any) -> None:
    """Content kept for the team is shown escaped; a <script> in it never runs."""
    mk = marker()
    raw = sdk(hub_gateway).chat.completions.with_raw_response.create(
        model="openai-echo", messages=[{"role": "user", "content": f"<script>window.pwned=1</script> {mk}"}]
    )
    rid = raw.headers["x-request-id"]
    wait_audited(hub_gateway, rid)
    login(page, hub_gateway.url)
    page.goto(hub_gateway.url + f"/hub/requests/{rid}")
    assert page.evaluate("window.pwned") is None
    html = page.content()
    assert "<script>window.pwned" not in html
    assert not page.console_log.errors


def test_key_created_used_and_revoked_in_browser(hub_gateway: Gateway, page: Any) -> None:
    login(page, hub_gateway.url)
    page.goto(hub_gateway.url + "/hub/keys")
    page.click("summary:has-text('Create a key')")
    name = "browser-" + marker()
    page.fill("#name-new", name)
    page.click("#create-key button[type=submit]")
    page.wait_for_selector("#secret")
    secret = page.locator("#secret").inner_text()
    assert secret.startswith("bk-")
    shot(page, "key-created")
    page.goto(hub_gateway.url + "/hub/keys")
    assert secret not in page.content()  # shown once
    answer = sdk(hub_gateway, secret).chat.completions.create(
        model="openai-echo", messages=[{"role": "user", "content": "hello"}]
    )
    assert answer.choices[0].message.content
    page.on("dialog", lambda d: d.accept())
    page.click(f"tr[data-key='{name}'] button:has-text('Revoke')")
    page.wait_for_url("**/hub/keys?done=revoked")
    assert page.locator(f"tr[data-key='{name}'] [data-status]").inner_text() == "revoked"
    deadline = time.monotonic() + 5
    while True:
        try:
            sdk(hub_gateway, secret).chat.completions.create(
                model="openai-echo", messages=[{"role": "user", "content": "hello"}]
            )
        except openai.AuthenticationError:
            break
        assert time.monotonic() < deadline, "the revoked key still works"
        time.sleep(0.2)
    changes = admin_api(
        hub_gateway.url, "GET", "/admin/audit", params={"kind": "admin", "limit": "50"}
    ).json()
    actions = [(c["action"], c["actor"]["key_id"]) for c in changes["data"]]
    assert ("POST /admin/keys", "admin") in actions and ("DELETE /admin/keys/{id}", "admin") in actions
    assert not page.console_log.errors


def test_policy_edit_invalid_then_valid(hub_gateway: Gateway, page: Any) -> None:
    before = admin_api(hub_gateway.url, "GET", "/admin/policies").json()
    login(page, hub_gateway.url)
    page.goto(hub_gateway.url + "/hub/policies")
    shot(page, "policies")
    bad = "policies:\n  - id: broken\n    when: {text_matches: ['(unclosed']}\n    then: {action: deny}\n"
    page.fill("#yaml", bad)
    page.click("#policy-form button[type=submit]")
    errors = page.locator("#policy-errors").inner_text()
    assert "policies.0.when.text_matches.0" in errors
    shot(page, "policy-error")
    after = admin_api(hub_gateway.url, "GET", "/admin/policies").json()
    assert after["version"] == before["version"] and after["policies"] == before["policies"]
    mk = marker()
    good = (
        f"policies:\n  - id: stop-{mk}\n    when: {{text_matches: ['{mk}']}}\n"
        "    then: {action: deny, message: blocked by hub}\n"
    )
    page.fill("#yaml", good)
    page.click("#policy-form button[type=submit]")
    assert "saved as version" in page.locator("#notice").inner_text()
    deadline = time.monotonic() + 5
    while True:
        try:
            sdk(hub_gateway).chat.completions.create(
                model="openai-echo", messages=[{"role": "user", "content": mk}]
            )
        except openai.PermissionDeniedError:
            break
        assert time.monotonic() < deadline, "the new policy never took effect"
        time.sleep(0.2)
    # put the original rules back for the other tests
    admin_api(hub_gateway.url, "PUT", "/admin/policies", json={"policies": before["policies"]})
    assert not page.console_log.errors


def test_auditor_cannot_change_anything(hub_gateway: Gateway, page: Any) -> None:
    created = admin_api(
        hub_gateway.url, "POST", "/admin/keys", json={"name": "aud-" + marker(), "role": "auditor"}
    )
    auditor = created.json()["key"]
    time.sleep(1.2)  # the identity cache picks the key up
    login(page, hub_gateway.url, auditor)
    for path in PAGES:
        page.goto(hub_gateway.url + path)
        assert page.locator("h1").count() >= 1
    page.goto(hub_gateway.url + "/hub/keys")
    assert page.locator("#create-key").count() == 0
    shot(page, "keys-auditor")
    # hand-made POSTs with a valid session and CSRF token: the server still says no
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with httpx.Client(base_url=hub_gateway.url, cookies=cookies, follow_redirects=False) as http:
        csrf = csrf_of(http.get("/hub/keys").text)
        r = http.post("/hub/keys", data={"csrf": csrf, "name": "sneaky-" + marker()})
        assert r.status_code == 403
        r = http.post("/hub/policies", data={"csrf": csrf, "yaml": "policies: []"})
        assert r.status_code == 403
        r = http.post("/hub/policies/rollback", data={"csrf": csrf, "version": "1"})
        assert r.status_code == 403
    assert not page.console_log.errors


def test_post_without_csrf_refused(hub_gateway: Gateway, page: Any) -> None:
    login(page, hub_gateway.url)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with httpx.Client(base_url=hub_gateway.url, cookies=cookies, follow_redirects=False) as http:
        r = http.post("/hub/keys", data={"name": "nocsrf-" + marker()})
        assert r.status_code == 403
        r = http.get("/hub")
        assert r.headers["X-Frame-Options"] == "DENY"
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in r.headers["Content-Security-Policy"]


def test_every_page_at_phone_width(hub_gateway: Gateway, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(pg, hub_gateway.url)
    for path in PAGES:
        pg.goto(hub_gateway.url + path)
        assert pg.locator("h1").count() >= 1
        shot(pg, "phone" + path.replace("/", "-"))
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, f"{path} scrolls sideways at 390 px ({width})"
    context.close()
    assert not errors


def test_every_page_as_admin_without_console_errors(hub_gateway: Gateway, page: Any) -> None:
    sdk(hub_gateway).chat.completions.create(
        model="openai-echo", messages=[{"role": "user", "content": "hi"}]
    )
    login(page, hub_gateway.url)
    for path in PAGES:
        page.goto(hub_gateway.url + path)
        assert page.locator("h1").count() == 1, path
        assert page.locator("nav.nav a[aria-current=page]").count() == 1, path
        shot(page, "page" + path.replace("/", "-"))
    assert not page.console_log.errors


def test_team_budget_spend_csv_and_team_admin_scope(hub_gateway: Gateway, page: Any) -> None:
    team = "team-" + marker()
    login(page, hub_gateway.url)
    page.goto(hub_gateway.url + "/hub/teams")
    page.click("summary:has-text('Create a team')")
    page.fill("#name-new", team)
    page.fill("#budget-new", "25")
    page.click("#create-team button[type=submit]")
    page.wait_for_url("**/hub/teams?done=created")
    assert "$25.00" in page.locator(f"tr[data-team='{team}']").inner_text()
    member = admin_api(hub_gateway.url, "POST", "/admin/keys", json={"name": "m-" + marker(), "team": team})
    boss = admin_api(
        hub_gateway.url,
        "POST",
        "/admin/keys",
        json={"name": "b-" + marker(), "team": team, "role": "team-admin"},
    )
    time.sleep(1.2)
    raw = sdk(hub_gateway, member.json()["key"]).chat.completions.with_raw_response.create(
        model="openai-echo", messages=[{"role": "user", "content": "team call"}]
    )
    rid = raw.headers["x-request-id"]
    wait_audited(hub_gateway, rid)
    page.goto(hub_gateway.url + "/hub/spend?group_by=team&window=24h")
    assert team in page.locator("#spend").inner_text()
    shot(page, "spend")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    csv_text = httpx.get(hub_gateway.url + "/hub/spend.csv?group_by=team&window=24h", cookies=cookies).text
    assert csv_text.startswith("team,requests,")
    assert team in csv_text
    usage = admin_api(
        hub_gateway.url, "GET", "/admin/usage", params={"group_by": "team", "team": team}
    ).json()
    line = next(ln for ln in csv_text.splitlines() if ln.startswith(team + ","))
    assert int(line.split(",")[1]) == usage["total"]["requests"]
    # a team-admin sees its own team's requests only, and no other team's key
    other = sdk(hub_gateway).chat.completions.with_raw_response.create(
        model="openai-echo", messages=[{"role": "user", "content": "admin call"}]
    )
    wait_audited(hub_gateway, other.headers["x-request-id"])
    page.context.clear_cookies()
    login(page, hub_gateway.url, boss.json()["key"])
    page.goto(hub_gateway.url + "/hub/requests")
    listing = page.locator("main").inner_text()
    assert rid in listing and other.headers["x-request-id"] not in listing
    page.goto(hub_gateway.url + f"/hub/requests/{other.headers['x-request-id']}")
    assert page.locator("h1").inner_text().startswith("Not found")
    page.goto(hub_gateway.url + "/hub/policies")
    assert page.locator("h1").inner_text().startswith("Not allowed")
    # its own team's keys only; another team's key cannot be touched even by a hand-made POST
    outsider = admin_api(hub_gateway.url, "POST", "/admin/keys", json={"name": "o-" + marker()}).json()
    page.goto(hub_gateway.url + "/hub/keys")
    listed = page.locator("#keys").inner_text()
    assert member.json()["name"] in listed and outsider["name"] not in listed
    page.goto(hub_gateway.url + "/hub/spend?group_by=team&window=24h")
    spend = page.locator("#spend").inner_text()
    assert team in spend and "\nNo team" not in spend
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with httpx.Client(base_url=hub_gateway.url, cookies=cookies, follow_redirects=False) as http:
        csrf = csrf_of(http.get("/hub/keys").text)
        assert http.post(f"/hub/keys/{outsider['id']}/revoke", data={"csrf": csrf}).status_code == 403
        escalate = http.post("/hub/keys", data={"csrf": csrf, "name": "x-" + marker(), "role": "admin"})
        assert escalate.status_code == 403, (escalate.status_code, escalate.text[:500])
    assert admin_api(hub_gateway.url, "GET", f"/admin/keys/{outsider['id']}").json()["status"] == "active"
    page.console_log.errors.clear()  # the 403 and 404 pages above


def test_integrity_verify_and_export(hub_gateway: Gateway, page: Any) -> None:
    login(page, hub_gateway.url)
    page.goto(hub_gateway.url + "/hub/integrity")
    page.click("button:has-text('Verify now')")
    page.wait_for_selector("#summary")
    assert page.locator("#verdict").inner_text() == "intact"
    assert page.locator("#summary").inner_text().startswith("OK:")
    shot(page, "integrity")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    body = httpx.get(hub_gateway.url + "/hub/integrity/export?format=jsonl", cookies=cookies).text
    lines = [ln for ln in body.splitlines() if ln]
    assert lines and all(ln.startswith("{") for ln in lines)
    assert not page.console_log.errors


def denied_now(gw: Gateway, text: str) -> bool:
    """Whether the gateway refuses a request with this text right now (policy 403)."""
    try:
        sdk(gw).chat.completions.create(model="openai-echo", messages=[{"role": "user", "content": text}])
    except openai.PermissionDeniedError:
        return True
    return False


def wait_denied(gw: Gateway, text: str, denied: bool, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while denied_now(gw, text) != denied:
        assert time.monotonic() < deadline, f"{text!r} still {'passes' if denied else 'is refused'}"
        time.sleep(0.2)


def newest_seq(gw: Gateway) -> int:
    data = admin_api(gw.url, "GET", "/admin/audit", params={"limit": "1"}).json()["data"]
    return int(data[0]["seq"]) if data else 0


def test_policy_dry_run_shows_decision_and_trace(hub_gateway: Gateway, page: Any) -> None:
    """The dry-run box gives the live rules' decision and trace — the decision the gateway then takes
    for that request — and sends or records nothing."""
    login(page, hub_gateway.url)
    page.goto(hub_gateway.url + "/hub/policies")
    before = newest_seq(hub_gateway)
    text = "the topsecret plan " + marker()
    messages = [{"role": "user", "content": text}]
    pasted = {"caller": {"team": "payments"}, "body": {"model": "openai-echo", "messages": messages}}
    page.fill("#dry-request", json.dumps(pasted))
    page.click("#dry-run button[type=submit]")
    result = json.loads(page.locator("#dry-result").inner_text())
    shot(page, "policy-dry-run")
    assert result["decision"]["action"] == "deny"
    assert result["decision"]["denied_by"] == "no-secrets-word"
    assert [m["id"] for m in result["decision"]["matched"]] == ["no-secrets-word"]
    traced = {t["id"]: t for t in result["trace"]}
    assert traced["no-secrets-word"]["result"] == "matched"
    assert traced["flag-invoice"]["result"] in ("no match", "skipped")
    # a harmless request: no rule matches; the box keeps what was pasted
    harmless = {"model": "openai-echo", "messages": [{"role": "user", "content": "hi there"}]}
    page.fill("#dry-request", json.dumps(harmless))
    page.click("#dry-run button[type=submit]")
    result = json.loads(page.locator("#dry-result").inner_text())
    assert result["decision"]["action"] != "deny" and result["decision"]["matched"] == []
    assert "hi there" in page.locator("#dry-request").input_value()
    # not JSON: an error, shown as text
    page.fill("#dry-request", "<b>not json</b>")
    page.click("#dry-run button[type=submit]")
    assert "not a JSON object" in page.locator("[role=alert]").inner_text()
    assert page.locator("#dry-run ~ * b").count() == 0
    # nothing was sent or recorded by the dry runs; the real request gets the decision shown
    assert newest_seq(hub_gateway) == before
    assert denied_now(hub_gateway, text)
    assert not page.console_log.errors


def test_policy_diff_and_rollback(hub_gateway: Gateway, page: Any) -> None:
    """Two versions saved in the browser; the diff shows what changed; rolling back to the first makes
    its rules live again (for the next request) and lands in the audit trail with the actor."""
    original = admin_api(hub_gateway.url, "GET", "/admin/policies").json()
    first, second = "alpha" + marker(), "beta" + marker()
    login(page, hub_gateway.url)
    versions = []
    for word in (first, second):
        page.goto(hub_gateway.url + "/hub/policies")
        page.fill("#yaml", f"policies:\n  - id: stop-{word}\n    when: {{text_matches: ['{word}']}}\n"
                           "    then: {action: deny}\n")  # fmt: skip
        page.fill("#comment", f"only {word}")
        page.click("#policy-form button[type=submit]")
        notice = page.locator("#notice").inner_text()
        versions.append(int(notice.rsplit("version ", 1)[1].rstrip(".")))
    v1, v2 = versions
    assert v2 == v1 + 1
    wait_denied(hub_gateway, second, True)
    assert not denied_now(hub_gateway, first)
    # the diff of the second version against the first
    page.click(f"#history a[href='/hub/policies?diff={v2}#diff']")
    page.wait_for_selector("#diff")
    shot(page, "policy-diff")
    added = page.locator(".diff .add").all_inner_texts()
    removed = page.locator(".diff .del").all_inner_texts()
    assert any(f"stop-{second}" in line for line in added if not line.startswith("+++"))
    assert any(f"stop-{first}" in line for line in removed if not line.startswith("---"))
    assert f"Version {v2} against {v1}" in page.locator("#diff").inner_text()
    # roll back to the first version (the page asks first)
    page.on("dialog", lambda d: d.accept())
    row = page.locator("#history tr", has=page.locator(f"input[name=version][value='{v1}']"))
    row.locator("button:has-text('Roll back')").click()
    page.wait_for_selector("#notice")
    assert f"has the rules of version {v1}" in page.locator("#notice").inner_text()
    shot(page, "policy-rollback")
    live = admin_api(hub_gateway.url, "GET", "/admin/policies").json()
    assert [p["id"] for p in live["policies"]] == [f"stop-{first}"] and live["version"] == v2 + 1
    assert f"(= v{v1})" in page.locator("#history").inner_text()
    wait_denied(hub_gateway, first, True)
    assert not denied_now(hub_gateway, second)
    changes = admin_api(hub_gateway.url, "GET", "/admin/audit", params={"kind": "admin", "limit": "20"})
    actions = [(c["action"], c["actor"]["key_id"]) for c in changes.json()["data"]]
    assert ("POST /admin/policies/rollback", "admin") in actions
    admin_api(hub_gateway.url, "PUT", "/admin/policies", json={"policies": original["policies"]})
    wait_denied(hub_gateway, first, False)
    assert not page.console_log.errors


def test_key_edited_and_rotated_in_browser(hub_gateway: Gateway, page: Any) -> None:
    """Models, limits, budget and expiry edited in the browser hold for the next SDK call; a rotated key
    is shown once, works at once, and the old one stops (no grace period)."""
    name = "edit-" + marker()
    created = admin_api(hub_gateway.url, "POST", "/admin/keys", json={"name": name}).json()
    old_secret, key_id = created["key"], created["id"]
    time.sleep(1.2)  # the identity cache picks the key up
    sdk(hub_gateway, old_secret).chat.completions.create(
        model="openai-echo", messages=[{"role": "user", "content": "before"}]
    )
    login(page, hub_gateway.url)
    page.goto(hub_gateway.url + "/hub/keys")
    row = page.locator(f"tr[data-key='{name}']")
    row.locator("summary:has-text('Edit')").click()
    page.fill(f"#models-{key_id}", "anthropic-*")
    page.fill(f"#rpm-{key_id}", "120")
    page.fill(f"#budget-{key_id}", "7.5")
    page.select_option(f"#period-{key_id}", "week")
    page.fill(f"#expires-{key_id}", "2030-01-31T00:00:00Z")
    row.locator("button:has-text('Save')").click()
    page.wait_for_url("**/hub/keys?done=updated")
    text = page.locator(f"tr[data-key='{name}']").inner_text()
    assert "anthropic-*" in text and "$7.50" in text and "per week" in text and "2030-01-31" in text
    stored = admin_api(hub_gateway.url, "GET", f"/admin/keys/{key_id}").json()
    assert stored["models"] == ["anthropic-*"] and stored["limits"]["rpm"] == 120
    assert stored["budget"]["usd"] == 7.5 and stored["budget"]["period"] == "week"
    deadline = time.monotonic() + 5
    while True:  # the next call with a model the key no longer allows is refused
        try:
            sdk(hub_gateway, old_secret).chat.completions.create(
                model="openai-echo", messages=[{"role": "user", "content": "after"}]
            )
        except openai.PermissionDeniedError as exc:
            assert "not allowed" in str(exc)
            break
        assert time.monotonic() < deadline, "the edited models never applied"
        time.sleep(0.2)
    # rotate: the new secret is shown once and works; the old one is refused
    page.on("dialog", lambda d: d.accept())
    page.locator(f"tr[data-key='{name}'] button:has-text('Rotate')").click()
    page.wait_for_selector("#secret")
    new_secret = page.locator("#secret").inner_text()
    assert new_secret.startswith("bk-") and new_secret != old_secret
    shot(page, "key-rotated")
    page.goto(hub_gateway.url + "/hub/keys")
    assert new_secret not in page.content()
    admin_api(hub_gateway.url, "PATCH", f"/admin/keys/{key_id}", json={"models": ["*"]})
    deadline = time.monotonic() + 5
    while True:
        try:
            sdk(hub_gateway, old_secret).chat.completions.create(
                model="openai-echo", messages=[{"role": "user", "content": "old"}]
            )
        except openai.AuthenticationError:
            break
        except openai.PermissionDeniedError:
            pass  # the models change has not reached this check yet
        assert time.monotonic() < deadline, "the rotated-out key still works"
        time.sleep(0.2)
    deadline = time.monotonic() + 5
    while True:
        try:
            sdk(hub_gateway, new_secret).chat.completions.create(
                model="openai-echo", messages=[{"role": "user", "content": "new"}]
            )
            break
        except (openai.AuthenticationError, openai.PermissionDeniedError):
            assert time.monotonic() < deadline, "the rotated key never worked"
            time.sleep(0.2)
    changes = admin_api(hub_gateway.url, "GET", "/admin/audit", params={"kind": "admin", "limit": "50"})
    actions = [(c["action"], c["actor"]["key_id"]) for c in changes.json()["data"]]
    assert ("PATCH /admin/keys/{id}", "admin") in actions and (
        "POST /admin/keys/{id}/rotate",
        "admin",
    ) in actions
    assert not page.console_log.errors


def test_every_page_self_contained_and_labelled(hub_gateway: Gateway, page: Any) -> None:
    """Air-gapped: every page in the navigation loads nothing from another origin (no CDN, no fonts) and
    has no link to one in its markup; every form field has a label; no console errors."""
    origins: list[str] = []
    page.on("request", lambda r: origins.append(r.url))
    login(page, hub_gateway.url)
    links = page.locator("nav.nav a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert len(links) >= 8, links
    unlabelled_js = """() => [...document.querySelectorAll('input, select, textarea')]
        .filter(e => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))
        .map(e => e.outerHTML)"""
    for href in links:
        page.goto(hub_gateway.url + href)
        assert page.locator("h1").count() == 1, href
        assert page.evaluate(unlabelled_js) == [], href
        html = page.content()
        for attr in ("src=", "href=", "action="):
            for external in ("http://", "https://", "//"):
                assert f'{attr}"{external}' not in html, (href, attr, external)
    foreign = [u for u in origins if not u.startswith(hub_gateway.url) and not u.startswith("data:")]
    assert foreign == [], foreign
    assert not page.console_log.errors


def test_shadow_rule_counted_and_filterable(hub_gateway: Gateway, page: Any) -> None:
    """A shadow-mode rule does not refuse the request; the Policies page counts its hit and the Requests
    filter on that rule finds the request (both read the roll-up and marks the triggers keep)."""
    login(page, hub_gateway.url)
    page.goto(hub_gateway.url + "/hub/policies")
    cell = page.locator("#shadow tr", has=page.locator("code:text-is('try-shadow')")).locator("td.num")
    before = int(cell.inner_text().replace(",", "")) if cell.count() else 0
    raw = sdk(hub_gateway).chat.completions.with_raw_response.create(
        model="openai-echo", messages=[{"role": "user", "content": "a shadowprobe " + marker()}]
    )
    rid = raw.headers["x-request-id"]
    assert wait_audited(hub_gateway, rid)["policy"]["shadow"][0]["id"] == "try-shadow"
    page.goto(hub_gateway.url + "/hub/policies")
    shot(page, "policies-shadow")
    assert int(cell.inner_text().replace(",", "")) == before + 1
    page.goto(hub_gateway.url + "/hub/requests?rule=try-shadow")
    assert page.locator(f"a:has-text('{rid}')").count() == 1
    page.goto(hub_gateway.url + "/hub/requests?rule=flag-invoice")
    assert page.locator(f"a:has-text('{rid}')").count() == 0
    assert not page.console_log.errors
