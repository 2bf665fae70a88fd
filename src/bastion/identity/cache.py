"""The in-process key cache: SHA-256 of the presented key -> a ready-made `Principal`.

A snapshot is built from the database (all non-revoked keys and their teams) and swapped in whole, so a
lookup is one hash, one dict access and one constant-time compare, never a database round trip.
Uses are recorded in a dict that `Identity` flushes to `last_used_at` every few seconds.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bastion.config.limits import stored_budget, stored_limits
from bastion.context import Principal
from bastion.identity.keygen import KEY_PREFIX, hash_secret
from bastion.storage.keys import KeyRecord
from bastion.storage.teams import Team


@dataclass(slots=True, frozen=True)
class Entry:
    hash: str
    principal: Principal
    expires_at: float | None  # the key's expiry, or the end of a rotated-out secret's grace period


def principal_for(key: KeyRecord, team: Team | None) -> Principal:
    regions: frozenset[str] | None = None
    for level in (key.regions, team.regions if team else None):
        if level is not None:
            regions = frozenset(level) if regions is None else regions & frozenset(level)
    return Principal(
        key_id=key.id,
        name=key.name,
        team=team.name if team else None,
        user=key.user,
        role=key.role,
        team_id=key.team_id,
        models=tuple(key.models),
        team_models=tuple(team.models) if team and team.models is not None else None,
        regions=regions,
        limits=stored_limits(key.limits),
        budget=stored_budget(key.budget),
        team_limits=stored_limits(team.limits) if team else None,
        team_budget=stored_budget(team.budget) if team else None,
    )


def build_entries(keys: Iterable[KeyRecord], teams: Mapping[str, Team]) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for key in keys:
        if key.revoked:
            continue
        principal = principal_for(key, teams.get(key.team_id) if key.team_id else None)
        entries[key.secret_hash] = Entry(key.secret_hash, principal, key.expires_at)
        if key.previous_hash and key.previous_expires_at is not None:
            grace_end = key.previous_expires_at
            if key.expires_at is not None:
                grace_end = min(grace_end, key.expires_at)
            entries[key.previous_hash] = Entry(key.previous_hash, principal, grace_end)
    return entries


class Expired(Exception):
    """The key exists but its expiry (or rotation grace period) has passed."""


class KeyCache:
    __slots__ = ("_entries", "used", "version")

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self.version = -1
        self.used: dict[str, float] = {}  # key id -> last use (epoch seconds), drained by the flusher

    def replace(self, entries: dict[str, Entry], version: int) -> None:
        self._entries = entries
        self.version = version

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, key: str, digest: str | None = None) -> Principal | None:
        """The principal for a presented key; None when unknown or revoked; raises Expired."""
        if not key.startswith(KEY_PREFIX):
            return None
        digest = digest or hash_secret(key)
        entry = self._entries.get(digest)
        if entry is None or not hmac.compare_digest(entry.hash, digest):
            return None
        now = time.time()
        if entry.expires_at is not None and entry.expires_at <= now:
            raise Expired(entry.principal.key_id)
        self.used[entry.principal.key_id] = now
        return entry.principal

    def by_digest(self, digest: str) -> Principal | None:
        """The principal whose current key hashes to `digest` (a Hub session re-checks its key with it on
        every page: revoked, rotated-out or expired keys end the session); None otherwise."""
        entry = self._entries.get(digest)
        if entry is None or not hmac.compare_digest(entry.hash, digest):
            return None
        if entry.expires_at is not None and entry.expires_at <= time.time():
            return None
        return entry.principal

    def drain_used(self) -> dict[str, float]:
        used, self.used = self.used, {}
        return used
