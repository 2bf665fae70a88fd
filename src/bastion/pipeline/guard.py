"""The content guardrails' stages (`bastion.guard`, docs/guardrails.md):

    GuardScanStage      before policy: scores the request's prompt and tool-result text, so rules read
                        `scores.<check>` in `when.expr`
    GuardStage          after policy: each check's action (config, or a rule's `then.guardrails` for its
                        scope) on the request: block (400 content_filter), mask (the offending sentence),
                        flag; before anything leaves the gateway
    GuardResponseStage  after the call: checks the answer (full bodies, or streams window by window),
                        ends a blocked answer the provider's way, runs the judge (enforce or shadow)

Every verdict goes to the audit record's `checks`. A judge call is a request of its own through this
pipeline (under the caller's key: routed, protected, limited, costed and audited); the guard stages skip it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
from multidict import CIMultiDict

from bastion.apis import registry
from bastion.config.guardrails import GuardrailsConfig
from bastion.context import RequestContext
from bastion.errors import GatewayError
from bastion.guard import endings, sentences
from bastion.guard.checks.pii import count
from bastion.guard.judge import Judge, JudgeError
from bastion.guard.service import Guardrails
from bastion.guard.stream import ResponseChecker
from bastion.guard.verdicts import ContentFiltered, GuardRun
from bastion.policy.response import StreamGuard, guard_events
from bastion.sse import SseEvent
from bastion.textcache import scope_of

log = logging.getLogger("bastion.guard")
JUDGE_CALL = "guard_judge_call"


def _internal(ctx: RequestContext) -> bool:
    return bool(ctx.annotations.get(JUDGE_CALL))


class GuardScanStage:
    name = "guard_scan"

    def __init__(self, guard: Guardrails) -> None:
        self.guard = guard
        self.active = guard.enabled

    async def run(self, ctx: RequestContext) -> None:
        if _internal(ctx):
            return
        run = ctx.guard = GuardRun()
        if self.guard.on_request:
            who = ctx.principal
            scope = scope_of(who.team_id, who.team, who.key_id) if who is not None else ""
            self.guard.scan_request(ctx.api.request_segments(ctx.body), run, scope)


class GuardStage:
    name = "guard"

    def __init__(self, guard: Guardrails) -> None:
        self.guard = guard
        self.active = guard.enabled

    async def run(self, ctx: RequestContext) -> None:
        run: GuardRun | None = ctx.guard
        if run is None:
            return
        decision = getattr(ctx.policy, "decision", None)
        run.actions = dict(getattr(decision, "guardrails", None) or {})
        blocked: list[tuple[str, str]] = []
        masked = False
        for (check, where), obs in run.request.items():
            s = self.guard.settings[check]
            act = run.actions.get(check, s.config.action)
            if act == "off":
                continue
            if obs.error is not None:
                run.record(check, where, None, s.threshold, act, "not_evaluated")
                if s.config.on_error == "block":
                    blocked.append((check, where))
                continue
            if obs.score is None or obs.score < s.threshold:
                run.record(check, where, obs.score, s.threshold, act, "passed")
                continue
            if act == "block":
                blocked.append((check, where))
                run.record(check, where, obs.score, s.threshold, act, "blocked")
            elif act == "mask":
                for seg in obs.segments:
                    seg.set(self.guard.mask_text(seg.text, [s])[0] if seg.text else seg.text)
                masked = True
                run.record(check, where, obs.score, s.threshold, act, "masked")
            else:
                run.record(check, where, obs.score, s.threshold, act, "flagged")
        ctx.annotations["checks"] = run.verdicts
        if blocked:
            raise ContentFiltered(blocked)
        if masked:
            ctx.annotations["guard_masked_request"] = True


class GuardResponseStage:
    name = "guard_response"

    def __init__(self, guard: Guardrails, judge: Judge | None) -> None:
        self.guard = guard
        self.judge = judge
        self.active = guard.enabled

    async def run(self, ctx: RequestContext) -> None:
        run: GuardRun | None = ctx.guard
        if run is None or not self.guard.on_response:
            return
        judge = self._judge_for(run)
        checker = ResponseChecker(self.guard, run, keep_text=judge.config.max_chars if judge else 0)
        if ctx.events is not None:
            meta: dict[str, Any] = {}
            events = _remembering(ctx.events, meta)
            end = _ender(meta)
            # with only the judge, windows still pass through the checker: it keeps the text to judge
            events = guard_events(ctx, events, checker, cut=self._cut, end=end)
            if judge is not None:
                events = self._judged(ctx, events, checker, judge, meta)
            ctx.events = events
        elif ctx.response is not None:
            await self._check_body(ctx, checker, judge)

    def _cut(self, text: str) -> int:
        return sentences.cut(text, self.guard.config.window, self.guard.config.sentence)

    def _judge_for(self, run: GuardRun) -> Judge | None:
        s = self.guard.settings.get("judge")
        if self.judge is None or s is None or "response" not in s.where:
            return None
        act = run.actions.get("judge", s.config.action)
        if act == "off":
            return None
        if not self.judge.sampled():
            run.record("judge", "response", None, s.threshold, act, "sampled_out")
            return None
        return self.judge

    # --- full bodies ---------------------------------------------------------------------------------
    async def _check_body(self, ctx: RequestContext, checker: ResponseChecker, judge: Judge | None) -> None:
        assert ctx.response is not None
        segs = [s for s in ctx.api.response_segments(ctx.response) if s.kind == "assistant" and s.text]
        verdict = checker.check("\n".join(s.text for s in segs)) if segs and checker.settings else None
        if verdict is not None and verdict.deny is None and verdict.masks:
            for seg in segs:
                new, n = self.guard.mask_text(seg.text, verdict.masks)
                if n:
                    seg.set(new)
                    for s in verdict.masks:
                        checker.masked[s.name] = checker.masked.get(s.name, 0) + n
            ctx.response_raw = None
        denied = verdict.deny if verdict is not None else None
        checker.record(ctx, denied)
        block = denied is not None
        answer = "\n".join(s.text for s in segs)
        if not block and judge is not None:
            if judge.config.mode == "enforce":
                block = await self._judge(ctx, judge, answer) in ("block", "mask")
            else:
                checker.run.judge_task = asyncio.ensure_future(self._judge(ctx, judge, answer))
        ctx.annotations["checks"] = checker.run.verdicts
        if block:
            ctx.api.blocked_body(ctx.response)
            ctx.response_raw = None

    # --- the judge -----------------------------------------------------------------------------------
    async def _judge(self, ctx: RequestContext, judge: Judge, answer: str) -> str:
        """Runs the judge and records its verdict; the resulting action ("block", "mask", "flag", "")."""
        run = ctx.guard
        assert run is not None  # the judge runs for requests the guard scanned
        s = self.guard.settings["judge"]
        act = run.actions.get("judge", s.config.action)
        shadow = judge.config.mode == "shadow"
        rid = "req_" + uuid.uuid4().hex  # the judge's own request (its audit record, its cost)
        try:
            score = await judge.score(ctx, _question(ctx), answer, rid)
        except JudgeError as exc:
            log.warning("judge for request %s: %s", ctx.request_id, exc)
            run.record("judge", "response", None, s.threshold, act, "not_evaluated")["request"] = rid
            return "block" if s.config.on_error == "block" and not shadow else ""
        if score < s.threshold:
            run.record("judge", "response", score, s.threshold, act, "passed")["request"] = rid
            return ""
        outcome = "flagged" if shadow or act == "flag" else ("blocked" if act == "block" else "masked")
        run.record("judge", "response", score, s.threshold, act, outcome)["request"] = rid
        return "" if shadow else act

    async def _judged(
        self, ctx: RequestContext, events: AsyncIterator[SseEvent], checker: ResponseChecker, judge: Judge,
        meta: dict[str, Any],
    ) -> AsyncIterator[SseEvent]:  # fmt: skip
        if judge.config.mode == "shadow":
            async for ev in events:
                yield ev
            checker.run.judge_task = asyncio.ensure_future(self._judge(ctx, judge, "".join(checker.text)))
            return
        held = [ev async for ev in events]  # enforce: nothing is released before the verdict
        action = await self._judge(ctx, judge, "".join(checker.text))
        ctx.annotations["checks"] = checker.run.verdicts
        if action in ("block", "mask"):
            head = [ev for ev in held[:1] if isinstance(ev.data, dict) and ev.data.get("type") in _HEADS]
            for ev in head + _ender(meta)(ctx, None):
                yield ev
            return
        for ev in held:
            yield ev

    # --- the record ----------------------------------------------------------------------------------
    def seal(self, ctx: RequestContext) -> None:
        _pii_checks(self.guard, ctx)

    async def finish(self, ctx: RequestContext) -> None:
        run: GuardRun | None = ctx.guard
        if run is None:
            return
        if run.judge_task is not None:
            try:
                timeout = self.judge.config.timeout if self.judge is not None else 30.0
                await asyncio.wait_for(asyncio.shield(run.judge_task), timeout)
            except Exception:
                run.judge_task.cancel()
                log.warning("shadow judge for request %s did not finish", ctx.request_id)
        _pii_checks(self.guard, ctx)
        if run.verdicts:
            ctx.annotations["checks"] = run.verdicts


_HEADS = ("message_start", "response.created")


def _ender(meta: dict[str, Any]) -> Any:
    def end(ctx: RequestContext, guard: StreamGuard | None) -> list[SseEvent]:
        open_channels = guard.open_keys() if guard is not None else []
        return ctx.api.blocked_stream(meta, open_channels)

    return end


async def _remembering(source: AsyncIterator[SseEvent], meta: dict[str, Any]) -> AsyncIterator[SseEvent]:
    try:
        async for ev in source:
            endings.remember(meta, ev.data)
            yield ev
    finally:
        await source.aclose()  # type: ignore[attr-defined]


def _question(ctx: RequestContext) -> str:
    users = [s.text for s in ctx.api.request_segments(ctx.body) if s.kind in ("user", "input") and s.text]
    return users[-1] if users else ""


def _pii_checks(guard: Guardrails, ctx: RequestContext) -> None:
    """The PII stage's counts as `pii` / `secrets` verdicts (once per request)."""
    run: GuardRun | None = ctx.guard
    if run is None or ctx.annotations.get("guard_pii_recorded"):
        return
    for name in ("pii", "secrets"):
        s = guard.settings.get(name)
        if s is None:
            continue
        act = run.actions.get(name, s.config.action)
        for where, key in (("prompt", "pii"), ("response", "pii_response")):
            if where not in s.where:
                continue
            summary = ctx.annotations.get(key)
            if where == "response" and isinstance(summary, dict):
                summary = summary.get("found")
            n = count(summary, secrets=name == "secrets")
            outcome = "flagged" if n else "passed"
            verdict = run.record(name, where, 1.0 if n else 0.0, s.threshold, act, outcome)
            verdict["count"] = n
    ctx.annotations["guard_pii_recorded"] = True
    ctx.annotations["checks"] = run.verdicts


def build_guard(config: GuardrailsConfig, engine: Any) -> tuple[Guardrails, Judge | None]:
    """The gateway's guardrails and judge (None when not configured)."""
    guard = Guardrails(config, engine.detect if engine is not None else None)
    s = guard.settings.get("judge")
    judge = Judge(config.judge, s.threshold) if s is not None and config.judge is not None else None
    return guard, judge


def judge_runner(pipeline: Any) -> Any:
    """The judge's way into the gateway: a chat request of its own through `pipeline`, under the
    caller's key (already authenticated), recorded and costed like any request."""
    async def run(parent: RequestContext, body: dict[str, Any], rid: str) -> dict[str, Any]:
        headers = CIMultiDict({"x-bastion-judge-of": parent.request_id})
        sub = RequestContext(rid, registry.get("openai.chat"), {}, headers, client_ip=parent.client_ip)
        sub.principal = parent.principal
        sub.annotations[JUDGE_CALL] = True
        sub.raw_body = orjson.dumps(body)
        try:
            await pipeline.run(sub)
            if sub.response is None:
                raise JudgeError("the judge model answered with a stream")
            pipeline.seal(sub)
            return sub.response
        except GatewayError as err:
            sub.error = err
            pipeline.seal(sub)
            raise JudgeError(f"the judge model failed: {err.error_class} {err.status_code}") from None
        finally:
            sub.ended_ns = time.perf_counter_ns()
            await pipeline.finish(sub)

    return run
