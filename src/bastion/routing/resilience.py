"""The call stage's attempt loop: every admissible target once in ranked order (failover, no wait), then
up to `retries` more attempts round the list again after exponential backoff with jitter, or after the
provider's Retry-After when it is short enough. Only failures before anything reached the client are
retried - an attempt returns as soon as the full body or the first stream event is in. Every attempt
after a request's first draws on the retry budget. Targets whose breaker is open are skipped; when every
target's is, the least held one is tried once anyway (a real error beats a synthetic one; it doubles as a
probe).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bastion.context import Attempt, RequestContext, Target
from bastion.errors import GatewayError
from bastion.routing.plan import RoutePlan
from bastion.routing.retry import FATAL, backoff_delay, retry_after
from bastion.routing.router import Router
from bastion.routing.state import TargetState

AttemptFn = Callable[[RequestContext, Target], Awaitable[None]]


class Resilience:
    def __init__(self, router: Router) -> None:
        self.router = router

    async def run(self, ctx: RequestContext, attempt: AttemptFn) -> None:
        plan = ctx.route
        assert plan is not None, "the route stage did not run"
        router = self.router
        router.budget.request()
        settings = plan.group.settings
        last: GatewayError | None = None
        tries = 0
        for state in plan.order:  # round 0: failover
            if not state.breaker.allows():
                plan.note(f"skipped {state.label}: breaker {state.breaker.state}")
                continue
            if tries and not self._budget(plan, state):
                break
            tries += 1
            err = await self._one(ctx, plan, state, attempt)
            if err is None:
                return
            last = err
        else:
            if tries == 0:
                await self._last_resort(ctx, plan, attempt)
                return
            retry = 0
            while retry < settings.retries:
                progressed = False
                for state in plan.order:
                    if retry >= settings.retries:
                        break
                    wait = backoff_delay(settings.backoff, retry + 1, router.rng)
                    held = state.breaker.retry_in()
                    if held > settings.backoff.max_retry_after:
                        continue
                    if not self._budget(plan, state, release=False):
                        raise last  # type: ignore[misc]
                    await self._sleep(ctx, plan, max(wait, held))
                    if not state.breaker.allows():
                        plan.note(f"skipped retry of {state.label}: breaker {state.breaker.state}")
                        continue
                    retry += 1
                    progressed = True
                    err = await self._one(ctx, plan, state, attempt)
                    if err is None:
                        return
                    last = err
                if not progressed:
                    break
        assert last is not None
        raise last

    async def _last_resort(self, ctx: RequestContext, plan: RoutePlan, attempt: AttemptFn) -> None:
        """Every target is out of rotation (open breakers, Retry-After holds): one attempt at the least held
        target anyway - after its Retry-After when that is short enough - so the client gets the provider's
        real answer rather than a synthetic one; no retries follow."""
        state = min(plan.order, key=lambda s: s.breaker.held_for())  # the first of the least held
        held = state.breaker.held_for()
        if held <= plan.group.settings.backoff.max_retry_after:
            await self._sleep(ctx, plan, held)
        plan.note(f"every target out of rotation: trying {state.label}")
        err = await self._one(ctx, plan, state, attempt)
        if err is not None:
            raise err

    def _budget(self, plan: RoutePlan, state: TargetState, release: bool = True) -> bool:
        if self.router.budget.try_retry():
            return True
        plan.note("retry budget exhausted")
        if release:
            state.breaker.release()  # allows() may have claimed a half-open probe slot
        return False

    async def _sleep(self, ctx: RequestContext, plan: RoutePlan, seconds: float) -> None:
        if seconds <= 0:
            return
        plan.note(f"waited {seconds:.3f}s")
        t0 = time.perf_counter_ns()
        await asyncio.sleep(seconds)
        ctx.upstream_ns += time.perf_counter_ns() - t0

    async def _one(
        self, ctx: RequestContext, plan: RoutePlan, state: TargetState, attempt: AttemptFn
    ) -> GatewayError | None:
        """One attempt; None on success, the error when another attempt may follow (raises when not)."""
        router = self.router
        ctx.error = None  # a stream that failed before its first event left its error here
        t0 = router.attempt_started(state)
        try:
            await attempt(ctx, state.target)
        except GatewayError as err:
            ctx.attempts.append(Attempt(state.label, err.error_class, err.status_code, err.message))
            hold = retry_after(err)
            kind = router.attempt_failed(plan, state, err, hold)
            if kind == FATAL:
                raise
            if hold is not None and hold > plan.group.settings.backoff.max_retry_after:
                plan.note(f"{state.label} asked to retry after {hold:.0f}s")
            return err
        except BaseException:
            state.stats.in_flight -= 1
            state.breaker.release()
            raise
        router.attempt_answered(ctx, plan, state, t0)
        ctx.target = state.target
        ctx.attempts.append(Attempt(state.label, "ok", ctx.status))
        return None
