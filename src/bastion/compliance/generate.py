"""Producing a compliance report in one of its formats, and recording that it was produced: one `admin`
record (action `compliance.report`) naming the framework, period, team, format and the report's digest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bastion.audit.keys import b64
from bastion.audit.material import Material
from bastion.audit.record import change_record
from bastion.audit.service import Audit, config_hash
from bastion.audit.store import AuditStore
from bastion.compliance.pdf import to_pdf
from bastion.compliance.render import markdown, to_html, to_json
from bastion.compliance.report import Inputs
from bastion.compliance.review import ReviewQueue
from bastion.config.compliance import UseCase
from bastion.config.schema import Config
from bastion.storage import Storage

FORMATS: dict[str, tuple[Callable[[dict[str, Any]], str | bytes], str, str]] = {
    "json": (to_json, "application/json", "json"),
    "md": (markdown, "text/markdown", "md"),
    "markdown": (markdown, "text/markdown", "md"),
    "html": (to_html, "text/html", "html"),
    "pdf": (to_pdf, "application/pdf", "pdf"),
}


def inputs(config: Config, storage: Storage, material: Material, use_cases: dict[str, UseCase]) -> Inputs:
    return Inputs(
        config=config,
        config_hash=config_hash(config),
        store=AuditStore(storage),
        trusted=material.trusted,
        public_key=b64(material.signer.public),
        reviews=ReviewQueue(storage),
        use_cases=use_cases,
    )


def render(report: dict[str, Any], fmt: str) -> bytes:
    out = FORMATS[fmt][0](report)
    return out if isinstance(out, bytes) else out.encode()


def record(audit: Audit | None, actor: dict[str, Any], report: dict[str, Any], fmt: str) -> None:
    """The report's generation, in the audit trail (who, which report, its digest)."""
    if audit is None:
        return
    rec = change_record(
        actor=actor,
        action="compliance.report",
        target=report["framework"],
        status=200,
        before_hash=None,
        after_hash=report["digest"],
    )
    rec["report"] = {
        "framework": report["framework"],
        "from": report["period"]["from"],
        "to": report["period"]["to"],
        "team": report["team"],
        "format": fmt,
        "digest": report["digest"],
        "chain_head": report["chain"]["head_seq"],
    }
    audit.writer.submit(rec)
