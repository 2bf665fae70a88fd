"""Admission while the journal is full: the bound on records journalled but not yet in the database.

When the database is unreachable the writer cannot commit, and every new record waits in the journal (and
in memory). Once that backlog reaches `audit.journal_max_bytes` a worker stops taking on records it could
not store:

    journal_full: reject   (the default, fail closed) new requests are refused with 503
                           `audit_unavailable` until the backlog is below the cap again
    journal_full: serve    new requests are served without a record

Either way nothing is silent: the transition is logged (ERROR when the gate closes, WARNING when it
reopens), `/readyz` shows the backlog, and when the gate reopens one record (kind `gap`) states how many
requests were refused or went unrecorded, and when. Requests already admitted when the gate closed are
still recorded (the cap is exceeded by at most the records of requests in flight)."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from bastion.audit.record import new_id
from bastion.config.audit import AuditConfig
from bastion.errors import Unavailable

log = logging.getLogger("bastion.audit")


class JournalGate:
    def __init__(self, settings: AuditConfig) -> None:
        self.max_bytes = settings.journal_max_bytes
        self.mode = settings.journal_full
        self.closed = False
        self.turned_away = 0  # requests refused (reject) or served unrecorded (serve) while closed
        self.since: float | None = None  # when the gate closed

    def admit(self, backlog: int) -> bool:
        """True: record this request as usual. False: serve it unrecorded (mode `serve`). Raises
        Unavailable (mode `reject`) while the backlog is at the cap."""
        if backlog < self.max_bytes:
            return True
        if not self.closed:
            self.closed, self.since = True, time.time()
            log.error("audit: %d bytes of records wait for the database (audit.journal_max_bytes %d): %s",
                      backlog, self.max_bytes, "refusing new requests with 503 until they are written"
                      if self.mode == "reject" else "serving new requests WITHOUT audit records")  # fmt: skip
        self.turned_away += 1
        if self.mode == "serve":
            return False
        raise Unavailable(
            "audit trail unavailable: this gateway cannot store audit records right now (its database "
            "is unreachable and the journal is full); retry later",
            code="audit_unavailable",
            headers={"retry-after": "5"},
        )

    def reopen(self, backlog: int) -> dict[str, Any] | None:
        """When the gate is closed and the backlog is below the cap again: open it; the `gap` record to
        write (None otherwise)."""
        if not self.closed or backlog >= self.max_bytes:
            return None
        now = time.time()
        reject = self.mode == "reject"
        record = {
            "id": new_id(),
            "kind": "gap",
            "ts_start": round(self.since or now, 6),
            "ts_end": round(now, 6),
            "action": "audit.journal_full",
            "actor": {"key_id": None, "name": "gateway", "pid": os.getpid()},
            "mode": self.mode,
            "requests": self.turned_away,
            "status": 503 if reject else None,
            "decision": "denied" if reject else "unrecorded",
        }
        what = "refused" if reject else "served unrecorded"
        log.warning("audit: the backlog is written; accepting requests again (%d %s while the journal was "
                    "full)", self.turned_away, what)  # fmt: skip
        self.closed, self.since, self.turned_away = False, None, 0
        return record

    def health(self, backlog: int) -> dict[str, Any]:
        return {"backlog_bytes": backlog, "journal_max_bytes": self.max_bytes,
                "full": self.closed or backlog >= self.max_bytes,
                "journal_full": self.mode, "turned_away": self.turned_away}  # fmt: skip
