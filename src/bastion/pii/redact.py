"""Helpers over engine + vault: redact a text; mask PII a model produced that the request lacked."""

from __future__ import annotations

from bastion.config.pii_settings import Action
from bastion.pii.engine import PiiEngine
from bastion.pii.placeholders import PSEUDONYM
from bastion.pii.span import Span, outside_ranges
from bastion.pii.vault import Vault


def redact_text(
    engine: PiiEngine, text: str, action: Action | None = None, vault: Vault | None = None
) -> str:
    """Detect and rewrite ``text``. ``action`` overrides the settings' per-label actions for every label.

    Labels whose action is ``block`` are left in place; pass a ``vault`` and check ``vault.blocked_labels``.
    """
    vault = vault if vault is not None else Vault(_hash_key(engine))
    actions = {label: action for label in engine.labels} if action else engine.settings.action_map()
    new_text, _ = vault.apply(text, engine.detect(text), actions)
    return new_text


def new_findings(engine: PiiEngine, text: str, vault: Vault) -> list[Span]:
    """Spans in a model response that are neither placeholders nor values the request already contained."""
    placeholder_ranges = [m.span() for m in PSEUDONYM.finditer(text)]
    spans = outside_ranges(engine.detect(text), placeholder_ranges)
    return [span for span in spans if not vault.knows_value(text[span.start : span.end])]


def mask_new_findings(engine: PiiEngine, text: str, vault: Vault) -> tuple[str, list[Span]]:
    """Mask (``<LABEL>``) response PII that the request did not contain; returns text and findings."""
    findings = new_findings(engine, text, vault)
    masked, _ = vault.apply(text, findings, {span.label: "mask" for span in findings})
    return masked, findings


def _hash_key(engine: PiiEngine) -> bytes | None:
    key = engine.settings.hash_key
    return key.encode() if key else None
