"""What the compliance report counts, gathered in one pass over the audit trail of a period (optionally one
team). Every figure here is a count of audit records, so a third party can recount it from an export
(`bastion audit export`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bastion.audit.query import Filters, scan
from bastion.audit.store import AuditStore

_CHANGE_KINDS = ("admin", "config", "retention")
_TRANSFORMS = frozenset({"pseudonymize", "mask", "hash", "redact", "replace"})


def day(ts: float | None) -> str:
    return datetime.fromtimestamp(ts or 0, UTC).date().isoformat()


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class Facts:
    requests: int = 0
    outcome: Counter[str] = field(default_factory=Counter)
    decision: Counter[str] = field(default_factory=Counter)
    status_class: Counter[str] = field(default_factory=Counter)
    unrecorded: int = 0  # requests refused or served unrecorded while a journal was full (`gap` records)
    gap_records: int = 0
    config_hashes: Counter[str] = field(default_factory=Counter)
    policy_versions: Counter[str] = field(default_factory=Counter)
    use_cases: Counter[str] = field(default_factory=Counter)  # "(none)" for requests without one
    unknown_use_cases: Counter[str] = field(default_factory=Counter)
    flagged: int = 0
    flagged_by_source: Counter[str] = field(default_factory=Counter)
    with_pii: int = 0
    pii_replaced: int = 0  # requests whose PII was replaced before leaving (pseudonymised, masked, hashed)
    pii_blocked: int = 0  # requests refused because of PII
    pii_unchanged: int = 0  # requests with PII sent as is (action allow, e.g. a trusted provider)
    pii_by_type: Counter[str] = field(default_factory=Counter)
    replaced_by_type: Counter[str] = field(default_factory=Counter)
    pii_to: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)  # (provider, region) -> types
    sent: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (provider, provider model, region)
    regions: Counter[str] = field(default_factory=Counter)
    incidents: dict[str, Counter[str]] = field(default_factory=dict)  # day -> {policy_denied, ...}
    changes: list[dict[str, Any]] = field(default_factory=list)
    first_ts: float | None = None
    last_ts: float | None = None

    def add_request(self, rec: dict[str, Any]) -> None:
        self.requests += 1
        ts = rec.get("ts_start")
        if isinstance(ts, int | float):  # a record without a start time does not move the period
            self.first_ts = ts if self.first_ts is None else min(self.first_ts, ts)
            self.last_ts = ts if self.last_ts is None else max(self.last_ts, ts)
        self.outcome[rec.get("outcome") or "unknown"] += 1
        decision = rec.get("decision") or "unknown"
        self.decision[decision] += 1
        status = rec.get("status")
        self.status_class[f"{status // 100}xx" if isinstance(status, int) else "unknown"] += 1
        if rec.get("config_hash"):
            self.config_hashes[rec["config_hash"]] += 1
        if rec.get("policy_hash") is not None:
            self.policy_versions[str(rec["policy_hash"])] += 1
        self.use_cases[rec.get("use_case") or "(none)"] += 1
        if rec.get("use_case_unknown"):
            self.unknown_use_cases[rec["use_case_unknown"]] += 1
        review = rec.get("review") or []
        if review:
            self.flagged += 1
            for source in {r.get("source") or "unknown" for r in review}:
                self.flagged_by_source[source] += 1
        self._pii(rec, decision)
        provider, region = rec.get("provider"), rec.get("region") or "(none)"
        if provider and rec.get("attempts"):
            self.sent[(provider, rec.get("provider_model") or "", region)] += 1
            self.regions[region] += 1
        self._incident(rec, decision)

    def _pii(self, rec: dict[str, Any], decision: str) -> None:
        pii = rec.get("pii") or {}
        if not pii:
            return
        self.with_pii += 1
        actions = {a for acts in pii.values() for a in acts}
        if rec.get("error_code") == "pii_blocked" or ("block" in actions and decision == "blocked"):
            self.pii_blocked += 1
        elif actions & _TRANSFORMS:
            self.pii_replaced += 1
        else:
            self.pii_unchanged += 1
        for label, acts in pii.items():
            self.pii_by_type[label] += sum(acts.values())
            self.replaced_by_type[label] += sum(n for a, n in acts.items() if a in _TRANSFORMS)
        if rec.get("provider") and rec.get("attempts"):
            key = (rec["provider"], rec.get("region") or "(none)")
            self.pii_to.setdefault(key, Counter()).update({lbl: sum(a.values()) for lbl, a in pii.items()})

    def _incident(self, rec: dict[str, Any], decision: str) -> None:
        code = rec.get("error_code")
        kind = None
        if code == "policy_denied" or rec.get("policy_stream_denied"):
            kind = "policy_denied"
        elif code == "pii_blocked":
            kind = "pii_blocked"
        elif decision == "blocked" or code == "content_filter":
            kind = "guardrail_blocked"
        if kind is not None:
            self.incidents.setdefault(day(rec.get("ts_start")), Counter())[kind] += 1

    def add_change(self, rec: dict[str, Any]) -> None:
        self.changes.append(
            {
                "seq": rec.get("seq"),
                "time": iso(rec.get("ts_start")),
                "kind": rec.get("kind"),
                "action": rec.get("action"),
                "target": rec.get("target"),
                "status": rec.get("status"),
                "actor": rec.get("actor"),
                "before_hash": rec.get("before_hash"),
                "after_hash": rec.get("after_hash"),
                "pruned_through": rec.get("pruned_through"),
            }
        )
        if rec.get("kind") == "config" and rec.get("after_hash"):
            self.config_hashes.setdefault(rec["after_hash"], 0)

    def changes_matching(self, *needles: str) -> list[dict[str, Any]]:
        return [c for c in self.changes if any(n in (c.get("action") or "") for n in needles)]


async def gather(store: AuditStore, since: float | None, until: float | None, team: str | None) -> Facts:
    facts = Facts()
    async for rec in scan(store, Filters(since=since, until=until)):
        kind = rec.get("kind")
        if kind == "request":
            if team is None or rec.get("team") == team:
                facts.add_request(rec)
        elif kind == "gap":
            facts.gap_records += 1
            facts.unrecorded += int(rec.get("requests") or 0)
        elif kind in _CHANGE_KINDS:
            facts.add_change(rec)
    return facts
