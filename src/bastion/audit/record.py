"""The audit record of one interaction, built from the request context when its answer is sealed.

Never key material, never PII values: the key is named by id, PII by type and count, content only by keyed
hash unless the team keeps content (`content.py`)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import time
from collections.abc import Callable
from typing import Any

import orjson

from bastion.audit.stream import STREAM_HMAC
from bastion.context import RequestContext, Target
from bastion.errors import GatewayError

# PII actions that changed what the provider received
_TRANSFORMS = frozenset({"pseudonymize", "mask", "hash", "redact", "replace"})


def new_id() -> str:
    """32 hex characters, time-ordered (appends to the unique index instead of splitting random pages)."""
    return f"{time.time_ns():016x}{os.urandom(8).hex()}"


class RecordIds:
    """`new_id`'s format for the records of one process without a `getrandom` call per record (a tenth of
    the record's cost): the clock, a random 32-bit prefix drawn once, and a counter. Unique within the
    process by the counter, across processes by the prefix (the clock alone orders them)."""

    __slots__ = ("_count", "_prefix")

    def __init__(self) -> None:
        self._prefix = os.urandom(4).hex()
        self._count = 0

    def __call__(self) -> str:
        self._count = (self._count + 1) & 0xFFFFFFFF
        return f"{time.time_ns():016x}{self._prefix}{self._count:08x}"


def _ts(ctx: RequestContext, ns: int | None) -> float | None:
    if ns is None:
        return None
    return round(ctx.started_at + (ns - ctx.started_ns) / 1e9, 6)


def _ms(ns: int | None) -> float | None:
    return None if ns is None else round(ns / 1e6, 3)


def decision(ctx: RequestContext, outcome: str) -> str:
    """One word for filters: allowed, redacted, blocked, denied, error, cancelled."""
    err = ctx.error
    if err is not None:
        code = err.code or ""
        if code.endswith("_blocked"):
            return "blocked"
        if err.status_code in (401, 403):
            return "denied"
        return "error" if outcome != "cancelled" else "cancelled"
    if outcome == "cancelled":
        return "cancelled"
    if outcome == "aborted":
        return "error"
    pii = ctx.annotations.get("pii")
    if pii and any(action in _TRANSFORMS for actions in pii.values() for action in actions):
        return "redacted"
    return "allowed"


class ClientIp:
    """full, truncate (IPv4 /24, IPv6 /48), hash (keyed HMAC, 16 hex), drop."""

    CACHE = 4096  # clients repeat: remember the last few thousand addresses

    def __init__(self, mode: str, key: bytes) -> None:
        self.mode = mode
        self.key = key
        self._seen: dict[str, str | None] = {}

    def __call__(self, ip: str | None) -> str | None:
        if ip is None or self.mode == "drop":
            return None
        if self.mode == "full":
            return ip
        out = self._seen.get(ip, "")
        if out == "":
            out = self._convert(ip)
            if len(self._seen) >= self.CACHE:
                self._seen.clear()
            self._seen[ip] = out
        return out

    def _convert(self, ip: str) -> str | None:
        if self.mode == "hash":
            return hmac.new(self.key, ip.encode(), hashlib.sha256).hexdigest()[:16]
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return None
        prefix = 24 if addr.version == 4 else 48
        return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))


def keyed_hash(key: bytes, data: bytes) -> str:
    return hmac.digest(key, data, "sha256").hex()  # one-shot in C: same digest as hmac.new(...).hexdigest()


def response_bytes(ctx: RequestContext) -> bytes | None:
    if ctx.response_raw is not None:
        return ctx.response_raw
    if ctx.response is not None:
        return orjson.dumps(ctx.response)
    return None


def _last_tried(ctx: RequestContext) -> Target | None:
    """The deployment of the last failed attempt (the call stage clears `target` when all fail)."""
    if not ctx.attempts:
        return None
    label = ctx.attempts[-1].target
    return next((c for c in ctx.candidates if c.label == label), None)


def _status(ctx: RequestContext, outcome: str) -> int:
    """The HTTP status the client got: 500 for an unexpected failure, 499 when it left before any byte."""
    if ctx.error is not None:
        return ctx.error.status_code
    if outcome == "aborted":
        return 500
    if outcome == "cancelled" and ctx.first_byte_ns is None:
        return 499
    return ctx.status


def outcome_of(ctx: RequestContext, sealed_normally: bool) -> str:
    if ctx.client_cancelled:
        return "cancelled"
    if ctx.error is not None:
        return "error"
    return "completed" if sealed_normally else "aborted"


def request_record(
    ctx: RequestContext,
    *,
    outcome: str,
    client_ip: ClientIp,
    hash_key: bytes,
    config_hash: str,
    ids: Callable[[], str] = new_id,
) -> dict[str, Any]:
    now_ns = time.perf_counter_ns()
    p = ctx.principal
    t = ctx.target or _last_tried(ctx)
    err: GatewayError | None = ctx.error
    usage = ctx.usage
    ann = ctx.annotations
    end_ns = ctx.ended_ns or now_ns
    body = ctx.original_body if ctx.original_body is not None else ctx.body
    streamed = ctx.stream and ctx.events is not None
    resp = None if streamed else response_bytes(ctx)
    return {
        "id": ids(),
        "kind": "request",
        "request_id": ctx.request_id,
        "ts_start": round(ctx.started_at, 6),
        "ts_first_byte": _ts(ctx, ctx.first_byte_ns),
        "ts_end": _ts(ctx, end_ns),
        "key_id": p.key_id if p else None,
        "team": p.team if p else None,
        "user": p.user if p else None,
        "client_ip": client_ip(ctx.client_ip),
        "api": ctx.api.name,
        "model": ctx.model or None,
        "stream": ctx.stream,
        "provider": t.provider.name if t else None,
        "provider_model": t.entry.model if t else None,
        "region": t.region if t else None,
        "route": ann.get("routing"),  # bastion.routing: strategy, candidates, scores, failovers
        "attempts": [[a.target, a.outcome, a.status] for a in ctx.attempts] or None,
        "use_case": ann.get("use_case"),  # bastion.compliance: the registered use case served
        "use_case_unknown": ann.get("use_case_unknown"),  # a use case named by the request, not registered
        "review": ann.get("review"),  # why the request entered the human review queue
        "policy": ann.get("policy"),
        "policy_stream_denied": ann.get("policy_stream_denied"),  # rule id that cut a stream short
        "pii": ann.get("pii"),
        "pii_response": ann.get("pii_response"),
        "checks": ann.get("checks"),
        "status": _status(ctx, outcome),
        "error": err.error_class if err is not None else None,
        "error_code": err.code if err is not None else None,
        "outcome": outcome,
        "decision": decision(ctx, outcome),
        "stream_completed": ctx.stream_completed if ctx.stream else None,
        "tokens_in": usage.input_tokens if usage else None,
        "tokens_out": usage.output_tokens if usage else None,
        "tokens_cached": usage.cache_read_tokens if usage else None,
        "cost": ann.get("cost"),
        "limits": ann.get("limits"),  # admission: reserved_usd, soft_budget_exceeded, degraded, denied
        "cache_hit": ann.get("cache_hit"),
        "latency_ms": _ms(end_ns - ctx.started_ns),
        "upstream_ms": _ms(ctx.upstream_ns),
        "overhead_ms": round(ctx.overhead_ms(end_ns), 3),
        "config_hash": config_hash,
        "policy_hash": ann.get("policy_version"),
        "prompt_hmac": keyed_hash(hash_key, orjson.dumps(body)) if body else None,
        "response_hmac": keyed_hash(hash_key, resp) if resp is not None else ann.get(STREAM_HMAC),
    }


def change_record(
    *,
    actor: dict[str, Any],
    action: str,
    target: str | None,
    status: int,
    before_hash: str | None,
    after_hash: str | None,
    request_id: str | None = None,
    kind: str = "admin",
) -> dict[str, Any]:
    """An admin or configuration change: who, what, and hashes of the state before and after."""
    return {
        "id": new_id(),
        "kind": kind,
        "request_id": request_id,
        "ts_start": round(time.time(), 6),
        "key_id": actor.get("key_id"),
        "team": actor.get("team"),
        "actor": actor,
        "action": action,
        "target": target,
        "status": status,
        "decision": "allowed" if status < 400 else "denied",
        "before_hash": before_hash,
        "after_hash": after_hash,
    }
