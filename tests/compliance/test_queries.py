"""The report's queries and the review queue on SQLite and PostgreSQL: figures recounted from the records,
the queue's paging and decisions, and a chain that mixes records written before use cases existed (no
`use_case` or `review` fields) with new ones still verifies."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bastion.apis.openai_chat import API as CHAT
from bastion.audit import Audit
from bastion.audit.verify import verify
from bastion.compliance.generate import inputs
from bastion.compliance.report import build
from bastion.compliance.review import ReviewQueue, collect, flag_for_review
from bastion.config import parse_config
from bastion.config.compliance import ReviewSettings, UseCase
from bastion.context import Principal, RequestContext
from bastion.errors import Conflict, NotFound, Unprocessable
from bastion.storage import Storage

T0 = 1.7e9


def old_record(i: int) -> dict[str, Any]:
    """A request record as written before use cases existed."""
    return {
        "id": os.urandom(16).hex(),
        "kind": "request",
        "request_id": f"old-{i}",
        "ts_start": T0 + i,
        "team": "t1",
        "key_id": "k1",
        "model": "m",
        "provider": "p",
        "region": "eu",
        "status": 200,
        "decision": "allowed",
        "outcome": "completed",
        "attempts": [["p/m", "ok", 200]],
        "pii": None,
    }


def new_record(i: int, **extra: Any) -> dict[str, Any]:
    return old_record(i) | {"request_id": f"new-{i}", "use_case": "support", "use_case_unknown": None,
                            "review": None} | extra  # fmt: skip


def ctx(rid: str, team: str = "t1") -> RequestContext:
    c = RequestContext(request_id=rid, api=CHAT, body={}, headers={})
    c.principal = Principal(key_id="k1", name="bot", team=team, role=None)
    c.model = "m"
    return c


async def test_report_and_queue_on_each_backend(db_url: str, storage: Storage, tmp_path: Path) -> None:
    uc = {
        "name": "support",
        "owner": "cx",
        "risk": "limited",
        "purpose": "help",
        "interacts_with_people": True,
    }
    config = parse_config({"admin_key": "test-admin-key-0123456789", "database_url": db_url,
                           "audit": {"dir": str(tmp_path / "audit"), "checkpoint_every": 4,
                                     "retention_days": 90},
                           "use_cases": [uc]}, env={})  # fmt: skip
    audit = Audit(config, storage)
    await audit.start()
    for i in range(5):
        audit.writer.submit(old_record(i))
    review = [{"source": "policy", "reason": "rule 'x' flagged the request"}]
    pii = {"EMAIL": {"pseudonymize": 2}}
    for i in range(5, 12):
        extra: dict[str, Any] = {}
        if i % 3 == 0:
            extra["review"] = review
        if i % 4 == 0:
            extra |= {"pii": pii, "decision": "redacted"}
        if i == 11:
            extra |= {"use_case": None, "use_case_unknown": "marketing", "decision": "denied", "status": 403,
                      "error_code": "policy_denied", "attempts": None}  # fmt: skip
        audit.writer.submit(new_record(i, **extra))
    await audit.stop()
    verdict = await verify(audit.store, audit.material.trusted)
    assert verdict.ok and verdict.records == 13, verdict.summary()  # config + 5 old + 7 new

    queue = ReviewQueue(storage)
    ids = [await queue.enter(ctx(f"new-{i}"), review) for i in (6, 9)]
    other = await queue.enter(ctx("new-x", team="t2"), review)
    page, cursor = await queue.page("open", limit=2)
    assert [r.id for r in page] == ids and cursor == ids[1]
    rest, cursor = await queue.page("open", limit=2, cursor=cursor)
    assert [r.id for r in rest] == [other] and cursor is None
    assert [r.id for r in (await queue.page(None, team="t2"))[0]] == [other]
    decided = await queue.decide(ids[0], "escalated", "look again", {"key_id": "admin", "name": "admin"})
    assert decided.status == "escalated" and decided.note == "look again"
    assert (await queue.decide(ids[0], "accepted", None, {"name": "lead"})).status == "accepted"
    with pytest.raises(Conflict):
        await queue.decide(ids[0], "false_positive", None, {"name": "lead"})
    with pytest.raises(NotFound):
        await queue.decide("rev_missing", "accepted", None, {})
    with pytest.raises(Unprocessable):
        await queue.decide(ids[1], "maybe", None, {})

    src = inputs(config, storage, audit.material, {"support": UseCase.model_validate(uc)})
    rep = await build(src, "all", T0 + 5, None, "t1")  # the queue entries are from now
    sections = {s["ref"]: s for s in rep["sections"]}
    ev = {ref: dict(s["evidence"]) for ref, s in sections.items()}
    assert rep["totals"]["requests"] == 7  # the period starts with the new records
    assert rep["totals"]["flagged"] == 2  # i = 6, 9
    assert ev["Art. 12"]["Interactions recorded"] == 7
    assert ev["Art. 12"]["Denied (401/403) / blocked / failed"] == "1 / 0 / 0"
    assert ev["Art. 26(5) and Art. 14"]["Entered the review queue"] == 2  # team t1 only
    assert ev["Art. 26(5) and Art. 14"]["Open"] == 1
    assert ev["Art. 26(5) and Art. 14"]["Accepted / escalated / false positive"] == "1 / 0 / 0"
    assert ev["Art. 5(1)(c)"]["Requests with personal data"] == 1  # i = 8
    assert ev["A.7"]["Replaced before leaving / blocked / sent unchanged"] == "1 / 0 / 0"
    incidents = next(t for t in sections["Art. 33"]["tables"] if t["title"] == "Incidents per day")["rows"]
    assert [row[1:] for row in incidents] == [[1, 0, 0]]
    assert {u["name"]: u["requests"] for u in rep["use_cases"]} == {"support": 6, "(none)": 1}
    unknown = next(t for t in sections["A.9"]["tables"] if t["title"].startswith("Requests naming"))
    assert unknown["rows"] == [["marketing", 1]]
    assert sections["Art. 19 and Art. 26(6)"]["gaps"][0].startswith("audit.retention_days is 90")
    assert rep["verification"]["ok"] and rep["chain"]["head_seq"] == 13


def test_the_hook_collects_every_source() -> None:
    c = ctx("r1")
    c.annotations["policy"] = {
        "flagged": True,
        "matched": [{"id": "f", "action": "flag"}, {"id": "r", "action": "route"}],
        "shadow": [{"id": "s", "action": "deny"}],
        "response": {"matched": [{"id": "out", "action": "flag"}]},
    }
    c.annotations["limits"] = {"soft_budget_exceeded": ["key 'bot' daily budget of $10.00"]}
    c.annotations["checks"] = [
        {"check": "toxicity", "where": "response", "score": 0.9, "threshold": 0.8, "outcome": "flagged"},
        {"check": "prompt_injection", "where": "request", "score": 0.1, "outcome": "passed"},
    ]
    flag_for_review(c, "guardrail", "prompt injection suspected", {"check": "injection"})
    flag_for_review(c, "guardrail", "prompt injection suspected", {"check": "injection"})  # once
    reasons = collect(c, ReviewSettings())
    assert [(r["source"], r.get("detail", {}).get("rule")) for r in reasons] == [
        ("guardrail", None),
        ("policy", "f"),
        ("shadow", "s"),
        ("policy", "out"),
        ("guardrail", None),  # the flagged check; the passed one is not a reason
        ("budget", None),
    ]
    assert reasons[4]["detail"] == {"check": "toxicity", "where": "response", "score": 0.9, "threshold": 0.8}
    assert collect(c, ReviewSettings()) == reasons  # idempotent (seal, then finish)
    quiet = ctx("r2")
    quiet.annotations["limits"] = {"soft_budget_exceeded": ["team budget"]}
    assert collect(quiet, ReviewSettings(budget_near=False)) == []
