"""The backend interface: `admit` checks every limit of a plan and, only when all pass, takes them all
(one atomic step); `settle` corrects token estimates, frees concurrency slots and turns budget
reservations into spend. Both backends implement exactly the same arithmetic."""

from __future__ import annotations

from typing import Protocol

from bastion.limits.plan import Decision, Plan


class BackendError(Exception):
    """The shared store could not be reached (Redis down, timeout)."""


class Backend(Protocol):
    name: str

    async def admit(self, plan: Plan) -> Decision: ...

    async def settle(self, plan: Plan, token_deltas: list[int], spent: list[int]) -> None:
        """`token_deltas[i]`: actual minus estimated units of `plan.rates[i]` (0 to keep it);
        `spent[i]`: the nano-USD that `plan.holds[i]` really cost (0 releases the reservation)."""
        ...

    async def close(self) -> None: ...
