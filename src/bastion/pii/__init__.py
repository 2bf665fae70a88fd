"""Bastion PII protection.

Library API (see ``README.md`` in ``recognizers/`` for adding a recognizer)::

    engine = PiiEngine(PiiSettings())                 # build once; immutable, thread/async-safe
    spans = engine.detect(text)                       # list[Span], sorted, non-overlapping
    vault = Vault(hash_key=b"...")                    # one per request
    new_text, applied = vault.apply(text, spans, settings.action_map())
    if vault.blocked_labels: reject(4xx, sorted(vault.blocked_labels))
    vault.restore(text); vault.restore_json_string(json_inner)
    restorer = StreamRestorer(vault); restorer.feed(delta) ...; restorer.flush()
    masker = StreamMasker(engine.detect); masker.feed(delta) ...; masker.flush()   # mask output PII
    vault.summary()                                   # {label: {action: count}}, no values
"""

from bastion.config.pii_settings import Action, NerSettings, PiiSettings, ResponseScan
from bastion.pii.engine import PiiEngine
from bastion.pii.redact import mask_new_findings, new_findings, redact_text
from bastion.pii.span import LABELS, Span
from bastion.pii.stream import StreamRestorer
from bastion.pii.stream_mask import StreamMasker
from bastion.pii.vault import Vault

__all__ = [
    "LABELS",
    "Action",
    "NerSettings",
    "PiiEngine",
    "PiiSettings",
    "ResponseScan",
    "Span",
    "StreamMasker",
    "StreamRestorer",
    "Vault",
    "mask_new_findings",
    "new_findings",
    "redact_text",
]
