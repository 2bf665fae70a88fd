"""Response rules (`on: response`): deny, mask (action redact) or flag the model's output when it matches
patterns, keywords, PII or secrets (`pii: [SECRET]`), or an expression over `scores.*`.

Full bodies are checked once. Streams are checked as they flow: each text channel (a choice's content, a
content block, a Responses output part) holds back its last `HOLD` characters, so text is only sent
after the rules have seen it with some context; a match longer than that across chunk boundaries may
pass a mask (never a deny, which sees the held-back window plus the last `HOLD` characters sent). Where the
text sits in each event is the inbound API's stream walker (`ClientApi.walker`), with `StreamGuard` as its
sink. A deny mid-stream ends the stream with the provider's own error event (`ClientApi.deny_event`:
OpenAI `{"error": ...}`, Anthropic and Responses `event: error`, Gemini's error object), so SDKs raise a
clean error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from bastion.apis.base import Key
from bastion.context import RequestContext
from bastion.errors import PolicyDenied
from bastion.policy.compiled import CompiledRule, CompiledSet
from bastion.policy.conditions import Probe
from bastion.policy.decision import RuleHit
from bastion.policy.enforce import deny_message
from bastion.policy.facts import Facts
from bastion.sse import SseEvent

HOLD = 256
Detector = Callable[[str], list[Any]] | None


class Verdict:
    """The outcome of checking one text against the request's response rules."""

    __slots__ = ("deny", "hits", "masks")

    def __init__(self) -> None:
        self.deny: RuleHit | None = None
        self.hits: list[RuleHit] = []
        self.masks: list[CompiledRule] = []


class OutputChecker:
    def __init__(
        self, active: CompiledSet, rules: list[CompiledRule], facts: Facts, detect: Detector
    ) -> None:
        self.active = active
        self.rules = rules
        self.facts = facts
        self.detect = detect
        self.seen: dict[str, RuleHit] = {}  # rule id -> first hit (recorded once per response)

    def check(self, text: str) -> Verdict:
        facts = self.facts.with_texts([text])
        facts.detect = self.detect
        probe = Probe(facts, self.active.response_table)
        v = Verdict()
        for rule in self.rules:
            if not rule.holds(rule.content, probe):
                continue
            hit = RuleHit(rule.id, rule.action, rule.rule.mode, rule.reason(rule.content, probe),
                          rule.rule.then.message)  # fmt: skip
            v.hits.append(hit)
            self.seen.setdefault(rule.id, hit)
            if rule.shadow:
                continue
            if rule.action == "deny" and v.deny is None:
                v.deny = hit
            elif rule.action == "redact":
                v.masks.append(rule)
        return v

    def mask(self, text: str, rules: list[CompiledRule]) -> str:
        for rule in rules:
            then = rule.rule.then
            for idx in rule.masks:
                text = self.active.response_table.compiled[idx].sub(then.mask.replace("\\", "\\\\"), text)
            labels = rule.rule.when.pii
            if labels and self.detect is not None:
                spans = [s for s in self.detect(text) if s.label in labels]
                for s in reversed(spans):
                    text = text[: s.start] + then.mask + text[s.end :]
        return text

    def record(self, ctx: RequestContext, denied: RuleHit | None) -> None:
        if denied is not None and ctx.stream:
            ctx.annotations["policy_stream_denied"] = denied.id
        if not self.seen:
            return
        policy = ctx.annotations.setdefault("policy", {"version": self.active.version})
        out: dict[str, Any] = {"matched": [h.record() for h in self.seen.values()]}
        if denied is not None:
            out["denied_by"] = denied.id
        if any(h.action == "flag" and h.mode == "enforce" for h in self.seen.values()):
            policy["flagged"] = True
        policy["response"] = out


# --- full bodies -------------------------------------------------------------------------------------
def check_body(ctx: RequestContext, checker: OutputChecker) -> None:
    assert ctx.response is not None
    segs = [s for s in ctx.api.response_segments(ctx.response) if s.text]
    verdict = checker.check("\n".join(s.text for s in segs))
    denied = verdict.deny
    checker.record(ctx, denied)
    if denied is not None:
        raise PolicyDenied(deny_message(denied.id, denied.message), rule=denied.id)
    if verdict.masks:
        changed = False
        for seg in segs:
            new = checker.mask(seg.text, verdict.masks)
            if new != seg.text:
                seg.set(new)
                changed = True
        if changed:
            ctx.response_raw = None


# --- streams -----------------------------------------------------------------------------------------
class _Channel:
    __slots__ = ("pending", "tail")

    def __init__(self) -> None:
        self.pending = ""
        self.tail = ""


Cut = Callable[[str], int]  # held text -> how many of its leading characters form complete windows


class StreamGuard:
    """Per-stream state: channels of held-back text, and the verdict so far.

    Without `cut`, each channel holds back its last `HOLD` characters and every check sees the held text
    plus the last `HOLD` characters sent. With `cut` (the content guardrails' windows), text is checked
    window by window, each window alone, and released only once its window passed."""

    def __init__(self, checker: Any, cut: Cut | None = None) -> None:
        self.checker = checker  # OutputChecker, or anything with check/mask/seen/record
        self.cut = cut
        self.channels: dict[Key, _Channel] = {}
        self.denied: Any = None

    def feed(self, key: Key, text: str, json_string: bool = False) -> str:
        """Text to send now for this channel ('' while holding back). Tool-call arguments (`json_string`)
        are not checked."""
        if json_string:
            return text
        ch = self.channels.setdefault(key, _Channel())
        ch.pending += text
        if self.cut is not None:
            out = []
            while self.denied is None and (n := self.cut(ch.pending)):
                out.append(self._release_window(ch, n))
            return "".join(out)
        if len(ch.pending) <= HOLD:
            return ""
        return self._release(ch, HOLD)

    def flush(self, key: Key) -> str:
        ch = self.channels.pop(key, None)
        if ch is None or not ch.pending:
            return ""
        if self.cut is not None:
            out = []
            while self.denied is None and ch.pending:
                out.append(self._release_window(ch, self.cut(ch.pending) or len(ch.pending)))
            return "".join(out)
        return self._release(ch, 0)

    def _release_window(self, ch: _Channel, n: int) -> str:
        window, ch.pending = ch.pending[:n], ch.pending[n:]
        verdict = self.checker.check(window)
        if verdict.deny is not None:
            self.denied = verdict.deny
            return ""
        return self.checker.mask(window, verdict.masks) if verdict.masks else window

    def open_keys(self) -> list[Key]:
        return list(self.channels)

    def whole(self, text: str, json_string: bool = False) -> str:
        """A complete text an event repeats (Responses `.done` events, items, the final response): masked
        once something was (it already passed the checks as deltas)."""
        if json_string or not text or not self.checker.seen:
            return text
        verdict = self.checker.check(text)
        return self.checker.mask(text, verdict.masks) if verdict.masks else text

    def _release(self, ch: _Channel, hold: int) -> str:
        verdict = self.checker.check(ch.tail + ch.pending)
        if verdict.deny is not None:
            self.denied = verdict.deny
            return ""
        if verdict.masks:
            ch.pending = self.checker.mask(ch.pending, verdict.masks)
        upto = max(0, len(ch.pending) - hold)
        out, ch.pending = ch.pending[:upto], ch.pending[upto:]
        ch.tail = (ch.tail + out)[-HOLD:]
        return out


def _deny_events(ctx: RequestContext, guard: StreamGuard) -> list[SseEvent]:
    hit = guard.denied
    return [ctx.api.deny_event(deny_message(hit.id, hit.message))]


async def guard_events(
    ctx: RequestContext,
    source: AsyncIterator[SseEvent],
    checker: Any,
    *,
    cut: Cut | None = None,
    end: Callable[[RequestContext, StreamGuard], list[SseEvent]] = _deny_events,
) -> AsyncIterator[SseEvent]:
    """`source` with each text channel checked as it flows (`StreamGuard`); a denial ends the stream with
    `end(ctx, guard)` (default: the provider's error event) and nothing after it."""
    guard = StreamGuard(checker, cut)
    walker = ctx.api.walker(guard)
    try:
        async for ev in source:
            outs = walker.event(ev) if walker is not None else [ev]
            if guard.denied is not None:
                for out in end(ctx, guard):
                    yield out
                return
            for out in outs:
                yield out
        if walker is not None:  # a stream that ended without closing its channels: release what is held
            outs = walker.end()
            for out in end(ctx, guard) if guard.denied is not None else outs:
                yield out
    finally:
        checker.record(ctx, guard.denied)
        await source.aclose()  # type: ignore[attr-defined]
