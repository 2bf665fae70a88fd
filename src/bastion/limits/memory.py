"""The in-process backend: for one worker. State lives on this object (built in the composition root)."""

from __future__ import annotations

import time

from bastion.limits.plan import BudgetView, Decision, Hold, Plan, Rate, RateView, Slot
from bastion.limits.window import WindowLog, WindowState


class MemoryBackend:
    name = "memory"

    def __init__(self, slot_ttl: float = 900.0) -> None:
        self.slot_ttl = slot_ttl
        self._logs: dict[str, WindowLog] = {}
        self._slots: dict[str, dict[str, float]] = {}  # key -> entry id -> expiry (monotonic)
        self._budgets: dict[str, list[int]] = {}  # key -> [spent, reserved] in nano-USD

    def _live_slots(self, key: str, now: float) -> dict[str, float]:
        slots = self._slots.setdefault(key, {})
        for rid in [rid for rid, exp in slots.items() if exp <= now]:
            del slots[rid]
        return slots

    async def admit(self, plan: Plan) -> Decision:
        now_ms = time.time() * 1000.0
        mono = time.monotonic()
        decision = Decision(True)

        def deny(check: Rate | Slot | Hold, retry: float | None) -> None:
            if decision.allowed:
                decision.allowed, decision.denied, decision.retry_after_ms = False, check, retry

        states: list[WindowState] = []
        for rate in plan.rates:
            log = self._logs.setdefault(rate.key, WindowLog())
            state = log.check(now_ms, rate.period_ms, rate.limit, rate.cost)
            states.append(state)
            decision.rates.append(RateView(state.remaining, state.reset_ms))
            if not state.allowed:
                deny(rate, state.retry_after_ms)
        for slot in plan.slots:
            if len(self._live_slots(slot.key, mono)) >= slot.limit:
                deny(slot, 1000.0)
        for hold in plan.holds:
            spent, reserved = self._budgets.get(hold.key, (0, 0))
            decision.budgets.append(BudgetView(spent, reserved))
            if spent + reserved + hold.amount > hold.limit:
                deny(hold, None)
        if not decision.allowed:
            return decision
        for rate in plan.rates:
            self._logs[rate.key].add(now_ms, plan.request_id, rate.cost)
        for slot in plan.slots:
            self._slots[slot.key][plan.request_id] = mono + self.slot_ttl
        for hold in plan.holds:
            self._budgets.setdefault(hold.key, [0, 0])[1] += hold.amount
        return decision

    async def settle(self, plan: Plan, token_deltas: list[int], spent: list[int]) -> None:
        for rate, delta in zip(plan.rates, token_deltas, strict=True):
            if delta and rate.key in self._logs:
                self._logs[rate.key].adjust(plan.request_id, delta)
        for slot in plan.slots:
            self._slots.get(slot.key, {}).pop(plan.request_id, None)
        for hold, cost in zip(plan.holds, spent, strict=True):
            entry = self._budgets.setdefault(hold.key, [0, 0])
            entry[1] = max(entry[1] - hold.amount, 0)
            entry[0] += cost

    async def close(self) -> None:
        return None
