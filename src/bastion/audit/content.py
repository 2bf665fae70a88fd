"""Content retention per team: `none` (the default: metadata and keyed hashes only), `redacted` (the request
as the provider received it, PII pseudonymised; the response only when the request held no PII, since the
client's copy has the values restored), `encrypted` (request and response as the client sent and received
them, AES-256-GCM under a per-team data key).

Data keys are wrapped with the content key and stored in `audit_data_keys`; `bastion audit shred --team T`
deletes a team's data keys, which makes its content unreadable for good (crypto-shredding) while the
chain, which hashes the ciphertext, still verifies. A new data key is journalled before the first record
it encrypts, so a crash cannot leave ciphertext without its key."""

from __future__ import annotations

import os
import time
from typing import Any

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bastion.audit.keys import b64, unb64
from bastion.audit.stream import STREAM_BODY
from bastion.context import RequestContext


def _seal(key: bytes, data: bytes, aad: bytes) -> str:
    nonce = os.urandom(12)
    return b64(nonce + AESGCM(key).encrypt(nonce, data, aad))


def _open(key: bytes, blob: str, aad: bytes) -> bytes:
    raw = unb64(blob)
    return AESGCM(key).decrypt(raw[:12], raw[12:], aad)


class DataKeys:
    """Per-team data keys, in memory (a new one is journalled and stored by the writer). `shredded` counts
    each team's shreds as this worker last read them; a new key carries that count (`gen`), so the store
    refuses a key made before a shred this worker had not heard of yet (`keysync.py` tells it)."""

    def __init__(self, content_key: bytes) -> None:
        self.content_key = content_key
        self.current: dict[str, tuple[str, bytes]] = {}  # team -> (key id, key)
        self.by_id: dict[str, bytes] = {}
        self.team_of: dict[str, str] = {}
        self.shredded: dict[str, int] = {}
        self.version = -1  # the database's keys version this view reflects

    def load(self, rows: list[tuple[str, str, str]]) -> None:
        for kid, team, wrapped in rows:
            key = _open(self.content_key, wrapped, kid.encode())
            self.by_id[kid] = key
            self.team_of[kid] = team
            self.current[team] = (kid, key)

    def sync(self, version: int, rows: list[tuple[str, str, str]], shredded: dict[str, int]) -> list[str]:
        """Apply the database's view: forget every key of a team shredded since we last looked (those
        in use and those not yet stored alike), learn keys other workers made. Returns the teams forgotten."""
        gone = [team for team, n in shredded.items() if n > self.shredded.get(team, 0)]
        for team in gone:
            self.forget(team)
        self.shredded = dict(shredded)
        for kid, team, wrapped in rows:
            if kid not in self.by_id:
                self.by_id[kid] = _open(self.content_key, wrapped, kid.encode())
                self.team_of[kid] = team
                self.current.setdefault(team, (kid, self.by_id[kid]))
        self.version = version
        return gone

    def forget(self, team: str) -> None:
        self.current.pop(team, None)
        for kid in [k for k, t in self.team_of.items() if t == team]:
            self.by_id.pop(kid, None)
            self.team_of.pop(kid, None)

    def for_team(self, team: str) -> tuple[str, bytes, dict[str, Any] | None]:
        """(key id, key, journal entry for a new key or None)."""
        found = self.current.get(team)
        if found is not None:
            return found[0], found[1], None
        kid = os.urandom(16).hex()
        key = AESGCM.generate_key(bit_length=256)
        self.current[team] = (kid, key)
        self.by_id[kid] = key
        self.team_of[kid] = team
        entry = {"id": kid, "kind": "_data_key", "team": team, "ts_start": time.time(),
                 "gen": self.shredded.get(team, 0),
                 "wrapped": _seal(self.content_key, key, kid.encode())}  # fmt: skip
        return kid, key, entry

    def decrypt(self, envelope: dict[str, Any]) -> dict[str, Any] | None:
        key = self.by_id.get(envelope.get("key_id", ""))
        if key is None:
            return None
        return orjson.loads(_open(key, envelope["ciphertext"], envelope["key_id"].encode()))


def _response(ctx: RequestContext) -> Any:
    """The answer as the client received it; a stream as the list of its event payloads."""
    if ctx.annotations.get(STREAM_BODY) is not None:
        return ctx.annotations[STREAM_BODY]
    if ctx.response is not None:
        return ctx.response
    if ctx.response_raw is not None:
        try:
            return orjson.loads(ctx.response_raw)
        except orjson.JSONDecodeError:
            return None
    return None


def redacted(ctx: RequestContext) -> dict[str, Any]:
    out: dict[str, Any] = {"mode": "redacted", "request": ctx.body or None}
    out["response"] = None if ctx.vault is not None else _response(ctx)
    return out


def encrypted(ctx: RequestContext, keys: DataKeys, team: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    kid, key, new = keys.for_team(team)
    plain = {"request": ctx.original_body if ctx.original_body is not None else ctx.body,
             "response": _response(ctx)}  # fmt: skip
    envelope = {"mode": "encrypted", "team": team, "key_id": kid,
                "ciphertext": _seal(key, orjson.dumps(plain), kid.encode())}  # fmt: skip
    return envelope, new
