"""The two limits backends behave the same (a table of scenarios run against the in-process backend and
against real Redis at 127.0.0.1:6379): sliding windows that never admit more than the limit, token
estimates settled to actual usage, concurrency slots freed at the end, budget reservations that are
settled or released, and all-or-nothing admission."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bastion.limits.backend import Backend, BackendError
from bastion.limits.memory import MemoryBackend
from bastion.limits.plan import NANO, Hold, Plan, Rate, Slot, period_suffix
from bastion.limits.redis_backend import RedisBackend

REDIS = "redis://127.0.0.1:6379/0"


@pytest_asyncio.fixture(params=["memory", "redis"], loop_scope="session")
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    b: Any = MemoryBackend() if request.param == "memory" else RedisBackend(REDIS)
    yield b
    await b.close()


def scope() -> str:
    return "test:" + os.urandom(6).hex()


def rid() -> str:
    return os.urandom(6).hex()


def rpm(key: str, limit: int, cost: int = 1, unit: str = "requests") -> Rate:
    return Rate(key, limit, cost, f"{key} per minute", unit)


async def test_window_admits_exactly_the_limit(backend: Backend) -> None:
    key = scope()
    results = [await backend.admit(Plan(rid(), rates=[rpm(key, 5)])) for _ in range(8)]
    assert [d.allowed for d in results] == [True] * 5 + [False] * 3
    assert [d.rates[0].remaining for d in results[:5]] == [4, 3, 2, 1, 0]
    refused = results[5]
    assert refused.denied is not None and refused.denied.key == key
    assert refused.retry_after_ms is not None and 55_000 < refused.retry_after_ms <= 60_000


async def test_a_request_larger_than_the_limit_never_fits(backend: Backend) -> None:
    d = await backend.admit(Plan(rid(), rates=[rpm(scope(), 100, cost=101, unit="tokens")]))
    assert not d.allowed and d.retry_after_ms is None


async def test_token_estimates_are_settled(backend: Backend) -> None:
    key = scope()
    first = Plan(rid(), rates=[rpm(key, 1000, cost=900, unit="tokens")])
    assert (await backend.admit(first)).allowed
    assert not (await backend.admit(Plan(rid(), rates=[rpm(key, 1000, cost=200, unit="tokens")]))).allowed
    await backend.settle(first, [-800], [])  # it really used 100 tokens
    second = await backend.admit(Plan(rid(), rates=[rpm(key, 1000, cost=200, unit="tokens")]))
    assert second.allowed and second.rates[0].remaining == 700


async def test_concurrency_slots_are_freed(backend: Backend) -> None:
    key = scope()
    a = Plan(rid(), slots=[Slot(key, 2, "slots")])
    b = Plan(rid(), slots=[Slot(key, 2, "slots")])
    assert (await backend.admit(a)).allowed and (await backend.admit(b)).allowed
    third = Plan(rid(), slots=[Slot(key, 2, "slots")])
    assert not (await backend.admit(third)).allowed
    await backend.settle(a, [], [])
    assert (await backend.admit(third)).allowed


def hold(key: str, limit_usd: float, amount_usd: float) -> Hold:
    return Hold(key, int(limit_usd * NANO), None, int(amount_usd * NANO), 60, f"{key} budget")


async def test_budget_reserve_settle_release(backend: Backend) -> None:
    key = scope()
    a = Plan(rid(), holds=[hold(key, 1.0, 0.4)])
    b = Plan(rid(), holds=[hold(key, 1.0, 0.4)])
    assert (await backend.admit(a)).allowed
    d = await backend.admit(b)
    assert d.allowed and d.budgets[0].reserved == int(0.4 * NANO)
    refused = await backend.admit(Plan(rid(), holds=[hold(key, 1.0, 0.4)]))
    assert not refused.allowed and refused.budgets[0].reserved == int(0.8 * NANO)
    await backend.settle(a, [], [int(0.1 * NANO)])  # cost less than reserved
    await backend.settle(b, [], [0])  # failed: released
    view = (await backend.admit(Plan(rid(), holds=[hold(key, 1.0, 0.8)]))).budgets[0]
    assert (view.spent, view.reserved) == (int(0.1 * NANO), 0)


async def test_admission_is_all_or_nothing(backend: Backend) -> None:
    ok, full = scope(), scope()
    assert (await backend.admit(Plan(rid(), rates=[rpm(full, 1)]))).allowed
    plan = Plan(rid(), rates=[rpm(ok, 10), rpm(full, 1)], holds=[hold(ok, 1.0, 0.5)])
    assert not (await backend.admit(plan)).allowed
    # nothing of the refused plan was taken
    after = await backend.admit(Plan(rid(), rates=[rpm(ok, 10)], holds=[hold(ok, 1.0, 0.5)]))
    assert after.rates[0].remaining == 9 and after.budgets[0].reserved == 0


async def test_unreachable_redis_raises_backend_error() -> None:
    dead = RedisBackend("redis://127.0.0.1:1/0", timeout=0.2, trip_after=1)
    try:
        with pytest.raises(BackendError):
            await dead.admit(Plan(rid(), rates=[rpm(scope(), 1)]))
        with pytest.raises(BackendError, match="retrying shortly"):  # fails fast while cooling down
            await dead.admit(Plan(rid(), rates=[rpm(scope(), 1)]))
    finally:
        await dead.close()


@pytest.mark.parametrize(
    ("period", "expected"),
    [("day", "d20261127"), ("week", "w202648"), ("month", "m202611"), ("total", "total")],
)
def test_period_suffix(period: str, expected: str) -> None:
    assert period_suffix(period, 1795752000.0)[0] == expected  # 2026-11-27 UTC


async def test_a_vanished_workers_reservation_expires() -> None:
    backend = RedisBackend(REDIS, slot_ttl=0.3)
    try:
        key = scope()
        crashed = Plan(rid(), slots=[Slot(key + ":c", 1, "slots")], holds=[hold(key, 1.0, 0.9)])
        assert (await backend.admit(crashed)).allowed  # ... and never settled
        assert not (await backend.admit(Plan(rid(), holds=[hold(key, 1.0, 0.9)]))).allowed
        await asyncio.sleep(0.4)
        later = await backend.admit(
            Plan(rid(), slots=[Slot(key + ":c", 1, "slots")], holds=[hold(key, 1.0, 0.9)])
        )
        assert later.allowed and later.budgets[0].reserved == 0
        await backend.settle(crashed, [], [int(0.1 * NANO)])  # a late settlement still books the spend
        view = (await backend.admit(Plan(rid(), holds=[hold(key, 1.0, 0.05)]))).budgets[0]
        assert view.spent == int(0.1 * NANO) and view.reserved == int(0.9 * NANO)
    finally:
        await backend.close()
