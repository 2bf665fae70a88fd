"""Retention settings checked against the law and the configured purposes (`bastion check-config` prints
these as warnings; they do not make the file invalid)."""

from __future__ import annotations

from bastion.compliance.report import SIX_MONTHS_DAYS
from bastion.config.schema import Config


def retention_warnings(config: Config) -> list[str]:
    a = config.audit
    out = []
    if not a.enabled:
        out.append(
            "audit.enabled is false: no logs are kept (EU AI Act Art. 12 and Art. 26(6) ask deployers "
            "of high-risk systems to keep them)"
        )
    elif a.retention_days < SIX_MONTHS_DAYS:
        out.append(
            f"audit.retention_days is {a.retention_days}: shorter than six months ({SIX_MONTHS_DAYS} "
            "days), the minimum log retention of EU AI Act Art. 19(1) and Art. 26(6)"
        )
    keeps = a.content != "none" or any(m != "none" for m in a.teams.values())
    if a.enabled and keeps:
        for u in config.use_cases:
            if u.content_retention_days is not None and a.retention_days > u.content_retention_days:
                out.append(
                    f"stored request content is kept {a.retention_days} days (audit.retention_days, content "
                    f"{a.content}, teams {dict(a.teams) or '{}'}) but the purpose of use case '{u.name}' "
                    f"allows {u.content_retention_days} days (use_cases.content_retention_days; GDPR Art. "
                    "5(1)(e))"
                )
    return out
