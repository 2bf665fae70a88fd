"""Through a real gateway (fake providers, SQLite in tmp): a known set of requests sent with the official
OpenAI and Anthropic SDKs; each framework's report counts exactly what the audit trail holds, renders as
JSON, Markdown, HTML and PDF, names its articles and controls, verifies against the chain and is itself
recorded; flagged requests enter the review queue, are decided through the API and the CLI (auditors only
when allowed), and the decisions are audited; use cases group the trail and usage."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import orjson
import pytest
import pytest_asyncio
from pypdf import PdfReader

from bastion.audit.chain import checkpoint_message
from bastion.audit.keys import TrustedKeys, unb64
from fakes import Fakes
from harness import ADMIN_KEY, Gateway, auth, free_port, gateway_config

BASTION = str(Path(sys.executable).with_name("bastion"))
CARD = "4111 1111 1111 1111"
HEADER = "x-bastion-use-case"
REFS = {
    "eu-ai-act": ["Art. 12", "Art. 19 and Art. 26(6)", "Art. 26(5) and Art. 14", "Art. 50"],
    "iso-42001": ["A.6.2.8", "A.7", "A.9", "A.10"],
    "gdpr": ["Art. 30", "Art. 5(1)(c)", "Art. 17", "Art. 32", "Art. 33"],
}
USE_CASES = [
    {"name": "support", "owner": "cx-team", "risk": "limited", "purpose": "answer customer questions",
     "data_subjects": ["customers"], "data_categories": ["contact details"],
     "allowed_models": ["openai-*", "anthropic-*"], "interacts_with_people": True},
    {"name": "hr-screening", "owner": "hr", "risk": "high", "purpose": "pre-screen applications",
     "allowed_models": ["anthropic-echo"]},
]  # fmt: skip


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("compliance-gw")


@pytest.fixture(scope="module")
def config(fakes: Fakes, home: Path) -> dict[str, Any]:
    cfg = gateway_config(fakes, free_port(), home / "gw.db")
    for p in cfg["providers"]:
        p["region"] = {"openai": "eu", "anthropic": "us"}.get(p["name"], p.get("region"))
    cfg["audit"] = {"dir": str(home / "audit"), "checkpoint_every": 5, "retention_days": 200}
    cfg["pii"] = {"actions": {"CREDIT_CARD": "block"}}
    cfg["policies"] = [
        {"id": "flag-falcon", "when": {"keywords": ["falcon"]}, "then": {"action": "flag"}},
        {"id": "try-classified", "mode": "shadow", "when": {"keywords": ["classified"]},
         "then": {"action": "deny"}},
        {"id": "no-forbidden", "when": {"keywords": ["forbidden"]},
         "then": {"action": "deny", "message": "no"}},
    ]  # fmt: skip
    cfg["use_cases"] = USE_CASES
    cfg["unknown_use_case"] = "flag"
    cfg["compliance"] = {"home_regions": ["eu"], "controller": "ACME GmbH"}
    return cfg


@pytest.fixture(scope="module")
def config_file(config: dict[str, Any], home: Path) -> Path:
    path = home / "bastion.yaml"
    path.write_bytes(orjson.dumps(config))
    return path


@pytest.fixture(scope="module")
def gw(config: dict[str, Any]) -> Iterator[Gateway]:
    g = Gateway.start(config)
    yield g
    g.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def client(gw: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gw.url, timeout=30) as c:
        yield c


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BASTION, *args], capture_output=True, text=True, timeout=120, check=False)


async def committed(client: httpx.AsyncClient, n: int, kind: str = "request") -> list[dict[str, Any]]:
    """All records of `kind`, once at least `n` are committed (oldest first)."""
    for _ in range(200):
        r = await client.get("/admin/audit", params={"kind": kind, "limit": 1000}, headers=auth())
        data = r.json()["data"]
        if len(data) >= n:
            return list(reversed(data))
        await asyncio.sleep(0.05)
    raise AssertionError(f"only {len(data)} {kind} records committed, expected {n}")


def send_known_set(gw: Gateway) -> dict[str, int]:
    """The known set: 11 requests; returns the HTTP status of each, by name."""
    status: dict[str, int] = {}

    def oai(name: str, text: str, model: str = "openai-echo", use_case: str | None = "support",
            key: str = ADMIN_KEY) -> None:  # fmt: skip
        headers = {HEADER: use_case} if use_case else {}
        c = openai.OpenAI(base_url=gw.openai_base, api_key=key, max_retries=0, default_headers=headers)
        try:
            c.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])
            status[name] = 200
        except openai.APIStatusError as exc:
            status[name] = exc.status_code

    oai("plain", "hello there")
    oai("email", "mail bob@example.com please")
    ant = anthropic.Anthropic(base_url=gw.url, api_key=ADMIN_KEY, max_retries=0,
                              default_headers={HEADER: "hr-screening"})  # fmt: skip
    ant.messages.create(model="anthropic-echo", max_tokens=50,
                        messages=[{"role": "user", "content": "notes on falcon"}])  # fmt: skip
    status["falcon"] = 200
    oai("shadow", "a classified memo")
    oai("denied", "forbidden words")
    oai("card", f"card {CARD}")
    oai("no-use-case", "hello", use_case=None)
    oai("unknown-use-case", "hello", use_case="marketing")
    oai("wrong-model", "hello", model="openai-echo", use_case="hr-screening")
    oai("upstream-500", "hello", model="openai-fail-500")
    oai("bad-key", "hello", key="bk-not-a-key")
    return status


def section(report: dict[str, Any], ref: str) -> dict[str, Any]:
    return next(s for s in report["sections"] if s["ref"] == ref)


def evidence(report: dict[str, Any], ref: str, label: str) -> Any:
    return dict(section(report, ref)["evidence"])[label]


def table(report: dict[str, Any], ref: str, title: str) -> list[list[Any]]:
    return next(t["rows"] for t in section(report, ref)["tables"] if t["title"] == title)


@pytest.fixture(scope="module")
def known(gw: Gateway) -> dict[str, int]:
    return send_known_set(gw)


async def test_known_set_answers_and_use_case_errors(known: dict[str, int]) -> None:
    assert known == {"plain": 200, "email": 200, "falcon": 200, "shadow": 200, "denied": 403, "card": 400,
                     "no-use-case": 200, "unknown-use-case": 200, "wrong-model": 403, "upstream-500": 502,
                     "bad-key": 401}  # fmt: skip


async def test_every_record_names_its_use_case_and_review_reasons(
    known: dict[str, int], client: httpx.AsyncClient
) -> None:
    recs = await committed(client, 11)
    assert len(recs) == 11
    assert Counter(r.get("use_case") for r in recs) == {"support": 6, "hr-screening": 2, None: 3}
    assert [r["use_case_unknown"] for r in recs if r.get("use_case_unknown")] == ["marketing"]
    flagged = {r["request_id"]: [x["source"] for x in r["review"]] for r in recs if r.get("review")}
    assert sorted(s for v in flagged.values() for s in v) == ["policy", "shadow", "use_case", "use_case"]
    wrong = next(r for r in recs if r.get("error_code") == "model_not_allowed_for_use_case")
    assert wrong["status"] == 403 and wrong["use_case"] == "hr-screening"


async def open_queue(client: httpx.AsyncClient, n: int) -> list[dict[str, Any]]:
    for _ in range(100):
        r = await client.get("/admin/reviews", params={"status": "open"}, headers=auth())
        assert r.status_code == 200, r.text
        if len(r.json()["data"]) >= n:
            break
        await asyncio.sleep(0.05)
    return list(r.json()["data"])


async def _key(client: httpx.AsyncClient, name: str, role: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {"name": name, **({"role": role} if role else {}), **extra}
    r = await client.post("/admin/keys", json=body, headers=auth())
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def decided(known: dict[str, int], gw: Gateway, config_file: Path) -> dict[str, Any]:
    """The open queue, then two decisions: one through the API (after an auditor was refused), one with
    the CLI; returns what each step answered."""
    async with httpx.AsyncClient(base_url=gw.url, timeout=30) as client:
        recs = await committed(client, 11)
        flagged = sorted(r["request_id"] for r in recs if r.get("review"))
        queue = await open_queue(client, len(flagged))
        auditor = (await _key(client, "compliance-auditor", "auditor"))["key"]
        first, second = queue[0]["id"], queue[1]["id"]
        out: dict[str, Any] = {"flagged": flagged, "queue": queue, "first": first, "second": second}
        out["auditor_decides"] = await client.post(
            f"/admin/reviews/{first}", json={"decision": "accepted"}, headers=auth(auditor)
        )
        out["auditor_lists"] = await client.get("/admin/reviews", headers=auth(auditor))
        out["admin_decides"] = await client.post(
            f"/admin/reviews/{first}", json={"decision": "accepted", "note": "fine"}, headers=auth()
        )
        out["again"] = await client.post(
            f"/admin/reviews/{first}", json={"decision": "escalated"}, headers=auth()
        )
        out["invalid"] = await client.post(
            f"/admin/reviews/{second}", json={"decision": "meh"}, headers=auth()
        )
    cfg = str(config_file)
    out["cli_decides"] = cli("reviews", "decide", second, "--decision", "false_positive", "--note", "demo",
                             "--config", cfg)  # fmt: skip
    out["cli_list"] = cli("reviews", "list", "--config", cfg, "--format", "json")
    out["cli_table"] = cli("reviews", "list", "--status", "all", "--config", cfg)
    out["cli_missing"] = cli("reviews", "decide", "rev_nope", "--decision", "accepted", "--config", cfg)
    return out


async def test_review_queue_holds_every_flagged_request(
    decided: dict[str, Any], client: httpx.AsyncClient
) -> None:
    queue = decided["queue"]
    assert sorted(x["request_id"] for x in queue) == decided["flagged"]
    one = next(x for x in queue if x["reasons"][0]["source"] == "policy")
    assert one["use_case"] == "hr-screening" and "flag-falcon" in one["reasons"][0]["reason"]
    detail = (await client.get(f"/admin/reviews/{one['id']}", headers=auth())).json()
    assert [x["request_id"] for x in detail["records"]] == [one["request_id"]]  # the request's story
    bad = await client.get("/admin/reviews", params={"status": "maybe"}, headers=auth())
    assert bad.status_code == 422 and bad.json()["error"]["param"] == "status"
    assert (await client.get("/admin/reviews/rev_nope", headers=auth())).status_code == 404


async def test_decisions_api_cli_and_auditor(decided: dict[str, Any], client: httpx.AsyncClient) -> None:
    first, second, n = decided["first"], decided["second"], len(decided["queue"])
    refused = decided["auditor_decides"]
    assert refused.status_code == 403 and "auditors_may_decide" in refused.json()["error"]["message"]
    assert decided["auditor_lists"].status_code == 200  # auditors read the queue
    ok = decided["admin_decides"]
    assert ok.status_code == 200 and ok.json()["status"] == "accepted" and ok.json()["note"] == "fine"
    assert ok.json()["decided_by"]["key_id"] == "admin"
    assert decided["again"].status_code == 409 and decided["again"].json()["error"]["code"] == "review_closed"
    assert decided["invalid"].status_code == 422
    out = decided["cli_decides"]
    assert out.returncode == 0 and "false_positive" in out.stdout, out.stderr
    assert len(orjson.loads(decided["cli_list"].stdout)["data"]) == n - 2
    table_cli = decided["cli_table"].stdout
    assert table_cli.count("\n") == n + 1 and "accepted" in table_cli and "false_positive" in table_cli
    missing = decided["cli_missing"]
    assert missing.returncode == 1 and "no review" in missing.stderr
    admin = await committed(client, 1, kind="admin")
    api = [
        (a["target"], a["status"], a["actor"]["role"])
        for a in admin
        if a["action"] == "POST /admin/reviews/{id}"
    ]
    assert api == [
        (first, 403, "auditor"),
        (first, 200, "admin"),
        (first, 409, "admin"),
        (second, 422, "admin"),
    ]
    by_cli = [
        (a["target"], a["status"], a["actor"]["role"]) for a in admin if a["action"] == "reviews.decide"
    ]
    assert by_cli == [(second, 200, "cli"), ("rev_nope", 404, "cli")]
    story = (await client.get(f"/admin/reviews/{second}", headers=auth())).json()
    assert story["status"] == "false_positive" and story["decided_by"]["role"] == "cli"


def expected(recs: list[dict[str, Any]]) -> dict[str, Any]:
    """The report's figures, recounted from the exported trail by the test's own rules."""
    pii = [r for r in recs if r.get("pii")]
    acts = [{a for v in r["pii"].values() for a in v} for r in pii]
    return {
        "requests": len(recs),
        "decision": Counter(r["decision"] for r in recs),
        "outcome": Counter(r["outcome"] for r in recs),
        "flagged": sum(1 for r in recs if r.get("review")),
        "with_pii": len(pii),
        "blocked": sum(1 for r in pii if r.get("error_code") == "pii_blocked"),
        "replaced": sum(1 for r, a in zip(pii, acts, strict=True) if r.get("error_code") != "pii_blocked"
                        and a & {"pseudonymize", "mask", "hash"}),
        "policy_denied": sum(1 for r in recs if r.get("error_code") == "policy_denied"),
        "use_cases": Counter(r.get("use_case") or "(none)" for r in recs),
        "sent": Counter((r["provider"], r["region"]) for r in recs if r.get("attempts")),
    }  # fmt: skip


async def test_report_matches_the_trail_and_verifies(
    decided: dict[str, Any], client: httpx.AsyncClient, config_file: Path
) -> None:
    recs = await committed(client, 11)
    want = expected(recs)
    r = await client.get("/admin/compliance/report", params={"framework": "all"}, headers=auth())
    assert r.status_code == 200, r.text
    rep = r.json()
    assert [s["ref"] for s in rep["sections"]] == REFS["eu-ai-act"] + REFS["iso-42001"] + REFS["gdpr"]
    # the known set, and the trail
    assert want["requests"] == 11 and want["flagged"] == 4 and want["policy_denied"] == 1
    assert want["with_pii"] == 2 and want["blocked"] == 1 and want["replaced"] == 1
    assert rep["totals"]["requests"] == want["requests"]
    assert rep["totals"]["decision"] == dict(want["decision"])
    assert rep["totals"]["flagged"] == want["flagged"]
    assert evidence(rep, "Art. 12", "Interactions recorded") == 11
    assert evidence(rep, "Art. 12", "Denied (401/403) / blocked / failed") == " / ".join(
        str(want["decision"][k]) for k in ("denied", "blocked", "error")
    )
    assert evidence(rep, "Art. 12", "Completed / error / cancelled / aborted") == " / ".join(
        str(want["outcome"][k]) for k in ("completed", "error", "cancelled", "aborted")
    )
    assert evidence(rep, "A.6.2.8", "Interactions recorded") == 11
    assert evidence(rep, "Art. 26(5) and Art. 14", "Flagged interactions (audit trail)") == 4
    assert evidence(rep, "Art. 26(5) and Art. 14", "Entered the review queue") == 4
    assert evidence(rep, "Art. 26(5) and Art. 14", "Open") == 2
    assert evidence(rep, "Art. 26(5) and Art. 14", "Accepted / escalated / false positive") == "1 / 0 / 1"
    assert evidence(rep, "Art. 5(1)(c)", "Requests with personal data") == want["with_pii"]
    assert evidence(rep, "Art. 5(1)(c)", "Replaced before leaving") == "1 (50.0%)"
    assert evidence(rep, "Art. 5(1)(c)", "Blocked") == "1 (50.0%)"
    assert table(rep, "Art. 33", "Incidents per day")[0][1:] == [1, 1, 0]
    assert {u["name"]: u["requests"] for u in rep["use_cases"]} == dict(want["use_cases"])
    assert table(rep, "Art. 50", "Use cases interacting with people") == [
        ["support", "limited", "cx-team", want["use_cases"]["support"]]
    ]
    transfers = {row[0]: (row[1], row[2]) for row in table(rep, "Art. 30", "Transfers by region")}
    regions = Counter(region for (_, region) in want["sent"].elements())
    assert {k: v[0] for k, v in transfers.items()} == dict(regions)
    assert transfers["eu"][1] == "home region" and transfers["us"][1].startswith("third country")
    pii_to = table(rep, "A.7", "Personal-data categories by provider and region")
    assert pii_to == [["openai", "eu", "EMAIL", 1]]
    assert "Gaps: none" not in str(section(rep, "Art. 50")["gaps"])  # disclosure gap stated
    assert section(rep, "Art. 19 and Art. 26(6)")["gaps"] == []  # 200 days >= six months
    # the chain: the report's head and signed checkpoint are checkable by a third party
    ver = rep["verification"]
    assert ver["ok"] and ver["records"] >= rep["chain"]["head_seq"] >= 11
    cp = rep["chain"]["checkpoint"]
    trusted = TrustedKeys([unb64(rep["chain"]["public_key"])])
    assert trusted.verify(cp["key_id"], cp["signature"], checkpoint_message(cp["seq"], cp["hash"], cp["ts"]))
    assert rep["config"]["hashes_in_period"][0][1] == 11
    out = cli("audit", "verify", "--config", str(config_file), "--public-key", rep["chain"]["public_key"])
    assert out.returncode == 0 and out.stdout.startswith("OK"), out.stdout + out.stderr
    # and it is itself recorded
    admin = await committed(client, 1, kind="admin")
    made = [a for a in admin if a["action"] == "compliance.report"]
    assert made and made[-1]["report"]["digest"] == rep["digest"] and made[-1]["actor"]["key_id"] == "admin"
    assert made[-1]["report"]["format"] == "json" and made[-1]["after_hash"] == rep["digest"]


@pytest.mark.parametrize("framework", ["eu-ai-act", "iso-42001", "gdpr"])
async def test_each_framework_alone_in_every_format(
    decided: dict[str, Any], client: httpx.AsyncClient, framework: str
) -> None:
    await committed(client, 11)
    q = {"framework": framework, "format": "json", "to": "2999-01-01"}
    rep = (await client.get("/admin/compliance/report", params=q, headers=auth())).json()
    assert [s["ref"] for s in rep["sections"]] == REFS[framework]
    assert rep["period"]["to"].startswith("2999-01-01")
    md = await client.get("/admin/compliance/report", params=q | {"format": "md"}, headers=auth())
    assert md.headers["content-type"].startswith("text/markdown")
    html = await client.get("/admin/compliance/report", params=q | {"format": "html"}, headers=auth())
    assert html.headers["content-type"].startswith("text/html") and html.text.startswith("<!doctype html>")
    pdf = await client.get("/admin/compliance/report", params=q | {"format": "pdf"}, headers=auth())
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for ref in REFS[framework]:
        assert f"### {ref}:" in md.text
        assert f"<h3>{ref}:" in html.text
        assert f"{ref}:" in text, ref
    assert "Interactions: 11" in " ".join(text.split())
    assert "Bastion gives evidence" in " ".join(text.split())
    assert re.search(r"Checkpointsignature:[0-9a-f]{128}", "".join(text.split()))  # wrapped lines joined
    # each report is recorded, so the head moves between them; the configuration hash does not
    running = rep["config"]["running_hash"]
    assert running in md.text and running in html.text and running in "".join(text.split())
    assert "Chain head" in md.text and "Checkpoint signature" in html.text


async def test_report_roles_and_bad_parameters(known: dict[str, int], client: httpx.AsyncClient) -> None:
    auditor = (await _key(client, "report-auditor", "auditor"))["key"]
    plain = (await _key(client, "report-plain"))["key"]
    assert (await client.get("/admin/compliance/report", headers=auth(auditor))).status_code == 200
    assert (await client.get("/admin/compliance/report", headers=auth(plain))).status_code == 403
    bad = await client.get("/admin/compliance/report?framework=sox", headers=auth())
    assert bad.status_code == 422 and bad.json()["error"]["param"] == "framework"
    bad = await client.get("/admin/compliance/report?format=docx", headers=auth())
    assert bad.status_code == 422 and bad.json()["error"]["param"] == "format"
    bad = await client.get("/admin/compliance/report?from=yesterday", headers=auth())
    assert bad.status_code == 422 and bad.json()["error"]["param"] == "from"


async def test_cli_report_every_format(known: dict[str, int], client: httpx.AsyncClient, config_file: Path,
                                       home: Path) -> None:  # fmt: skip
    await committed(client, 11)
    out = cli("report", "--config", str(config_file), "--framework", "gdpr", "--format", "json")
    assert out.returncode == 0, out.stderr
    rep = orjson.loads(out.stdout)
    assert rep["totals"]["requests"] >= 11 and [s["ref"] for s in rep["sections"]] == REFS["gdpr"]
    pdf = home / "report.pdf"
    out = cli("report", "--config", str(config_file), "--framework", "all", "--format", "pdf", "-o", str(pdf))
    assert out.returncode == 0, out.stderr
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert all(f"{ref}:" in text for refs in REFS.values() for ref in refs)
    md = cli("report", "--config", str(config_file), "--framework", "eu-ai-act", "--team", "nobody")
    assert md.returncode == 0 and "Team:** nobody" in md.stdout and "Interactions recorded:** 0" in md.stdout
    legacy = cli("report", "--config", str(config_file), "--format", "md")
    assert legacy.returncode == 0 and legacy.stdout.startswith("# Bastion audit report")
    assert cli("report", "--config", str(config_file), "--format", "pdf").returncode == 2
    admin = await committed(client, 1, kind="admin")
    made = [a["report"]["format"] for a in admin if a["action"] == "compliance.report" and
            a["actor"]["role"] == "cli"]  # fmt: skip
    assert made == ["json", "pdf", "md"]


async def test_usage_groups_by_use_case(known: dict[str, int], client: httpx.AsyncClient,
                                        config_file: Path) -> None:  # fmt: skip
    recs = await committed(client, 11)
    want = Counter(r.get("use_case") for r in recs)
    r = await client.get("/admin/usage", params={"group_by": "use_case"}, headers=auth())
    assert r.status_code == 200, r.text
    assert {row["group"]: row["requests"] for row in r.json()["data"]} == dict(want)
    out = cli("usage", "--config", str(config_file), "--group-by", "use_case", "--json")
    assert out.returncode == 0, out.stderr
    assert {row["group"]: row["requests"] for row in orjson.loads(out.stdout)["data"]} == dict(want)


async def test_use_case_crud_and_key_binding(
    known: dict[str, int], gw: Gateway, client: httpx.AsyncClient
) -> None:
    key = await _key(client, "analytics-bot")
    body = {"name": "analytics", "owner": "bi", "risk": "minimal", "purpose": "dashboards",
            "allowed_models": ["openai-*"], "keys": ["analytics-bot"]}  # fmt: skip
    r = await client.post("/admin/use-cases", json=body, headers=auth())
    assert r.status_code == 201 and r.json()["source"] == "api", r.text
    assert (await client.post("/admin/use-cases", json=body, headers=auth())).status_code == 409
    bad = await client.post("/admin/use-cases", json=body | {"name": "x", "risk": "extreme"}, headers=auth())
    assert bad.status_code == 422 and bad.json()["error"]["param"] == "risk"
    both = await client.post("/admin/use-cases", json=body | {"name": "other"}, headers=auth())
    assert both.status_code == 409 and "bound to two" in both.json()["error"]["message"]
    cfg_entry = await client.patch("/admin/use-cases/support", json={"owner": "x"}, headers=auth())
    assert cfg_entry.status_code == 409 and cfg_entry.json()["error"]["code"] == "use_case_in_config"
    listed = (await client.get("/admin/use-cases", headers=auth())).json()["data"]
    assert {(u["name"], u["source"]) for u in listed} == {("analytics", "api"), ("support", "config"),
                                                         ("hr-screening", "config")}  # fmt: skip
    c = openai.OpenAI(base_url=gw.openai_base, api_key=key["key"], max_retries=0)
    rid = c.chat.completions.with_raw_response.create(
        model="openai-echo", messages=[{"role": "user", "content": "hi"}]
    ).headers["x-request-id"]
    rec = None
    for _ in range(100):
        got = await client.get(f"/admin/audit/{rid}", headers=auth())
        if got.status_code == 200:
            rec = got.json()["data"][0]
            break
        await asyncio.sleep(0.05)
    assert rec is not None and rec["use_case"] == "analytics"
    with pytest.raises(openai.PermissionDeniedError) as err:
        c.chat.completions.create(model="openai-echo", messages=[{"role": "user", "content": "hi"}],
                                  extra_headers={HEADER: "support"})  # fmt: skip
    assert err.value.body["code"] == "use_case_not_allowed"  # type: ignore[index]
    with pytest.raises(openai.PermissionDeniedError):
        c.chat.completions.create(model="anthropic-echo", messages=[{"role": "user", "content": "hi"}])
    patched = await client.patch("/admin/use-cases/analytics", json={"allowed_models": ["*"]}, headers=auth())
    assert patched.status_code == 200 and patched.json()["allowed_models"] == ["*"]
    c.chat.completions.create(model="anthropic-echo", messages=[{"role": "user", "content": "hi"}])
    assert (await client.delete("/admin/use-cases/analytics", headers=auth())).status_code == 200
    assert (await client.get("/admin/use-cases/analytics", headers=auth())).status_code == 404
    changes = ("POST /admin/use-cases", "PATCH /admin/use-cases", "DELETE /admin/use-cases")
    for _ in range(100):
        admin = await committed(client, 1, kind="admin")
        statuses = [a["status"] for a in admin if a["action"].startswith(changes)]
        if len(statuses) >= 7:
            break
        await asyncio.sleep(0.05)
    assert statuses == [201, 409, 422, 409, 409, 200, 200]


async def test_use_cases_through_the_cli(
    known: dict[str, int], gw: Gateway, client: httpx.AsyncClient, config_file: Path
) -> None:
    cfg = str(config_file)
    entry = {"name": "cli-case", "owner": "ops", "risk": "high", "purpose": "triage tickets"}
    added = cli("use-cases", "add", orjson.dumps(entry).decode(), "--config", cfg)
    assert added.returncode == 0 and "added" in added.stdout, added.stderr
    again = cli("use-cases", "add", orjson.dumps(entry).decode(), "--config", cfg)
    assert again.returncode == 1 and "exists" in again.stderr
    listed = orjson.loads(cli("use-cases", "list", "--config", cfg, "--format", "json").stdout)["data"]
    assert {(u["name"], u["source"]) for u in listed} >= {("cli-case", "api"), ("support", "config")}
    assert "cli-case" in cli("use-cases", "list", "--config", cfg).stdout
    c = openai.AsyncOpenAI(base_url=gw.openai_base, api_key=ADMIN_KEY, max_retries=0)
    for _ in range(100):  # every worker picks the change up within identity.poll_interval
        raw = await c.chat.completions.with_raw_response.create(
            model="openai-echo",
            messages=[{"role": "user", "content": "hi"}],
            extra_headers={HEADER: "cli-case"},
        )
        got = await client.get(f"/admin/audit/{raw.headers['x-request-id']}", headers=auth())
        for _ in range(100):
            if got.status_code == 200:
                break
            await asyncio.sleep(0.05)
            got = await client.get(f"/admin/audit/{raw.headers['x-request-id']}", headers=auth())
        if got.json()["data"][0]["use_case"] == "cli-case":
            break
        await asyncio.sleep(0.1)
    assert got.json()["data"][0]["use_case"] == "cli-case"
    assert cli("use-cases", "remove", "support", "--config", cfg).returncode == 1  # a config entry
    assert cli("use-cases", "remove", "cli-case", "--config", cfg).returncode == 0
    admin = await committed(client, 1, kind="admin")
    assert [
        (a["action"], a["target"], a["status"]) for a in admin if a["action"].startswith("use_cases.")
    ] == [
        ("use_cases.add", "cli-case", 200),
        ("use_cases.add", "cli-case", 409),
        ("use_cases.remove", "support", 409),
        ("use_cases.remove", "cli-case", 200),
    ]
