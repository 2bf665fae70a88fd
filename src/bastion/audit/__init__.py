"""The audit trail: one tamper-evident record per interaction and per admin or config change.

record.py     the record built from a RequestContext      chain.py    hash chain + checkpoint message
journal.py    crash journal (append before the answer)     writer.py   group commit to the database
store.py      append under the writer lock, read back      verify.py   the verifier
query.py      search, pagination, export                   report.py   compliance report
retention.py  prune whole epochs                           content.py  per-team content retention
keys.py / material.py  signing, HMAC and content keys      admin.py / cli.py  endpoints and commands
gate.py       503 while the journal is full (outage)       keysync.py  shreds reach every worker
cli_changes.py  audit records of changes made with the `bastion` command
"""

from __future__ import annotations

from bastion.audit.service import Audit

__all__ = ["Audit"]
