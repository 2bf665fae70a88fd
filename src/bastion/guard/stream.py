"""The guard's checker for streamed answers, plugged into the policy engine's stream wrapper
(`bastion.policy.response.guard_events` with a window `cut`): each window of text (one sentence, at most
`guardrails.window` characters) is scored by every response check before it is released, so a blocked
sentence never reaches the client; a masked one is replaced. Verdicts are recorded when the stream ends."""

from __future__ import annotations

from typing import Any

from bastion.context import RequestContext
from bastion.guard.service import Guardrails, Setting
from bastion.guard.verdicts import GuardRun


class Hit:
    __slots__ = ("check", "where")

    def __init__(self, check: str, where: str = "response") -> None:
        self.check = check
        self.where = where


class WindowVerdict:
    __slots__ = ("deny", "masks")

    def __init__(self, deny: Hit | None, masks: list[Setting]) -> None:
        self.deny = deny
        self.masks = masks


class ResponseChecker:
    """Scores answer text for the response checks of one request (streams and full bodies alike)."""

    def __init__(self, guard: Guardrails, run: GuardRun, keep_text: int = 0) -> None:
        self.guard = guard
        self.run = run
        self.settings = [s for s in guard.at("response") if run.actions.get(s.name, s.config.action) != "off"]
        self.top: dict[str, float] = {}
        self.errors: dict[str, str] = {}
        self.hits: dict[str, int] = {}
        self.masked: dict[str, int] = {}
        self.seen = False  # something was masked: the Responses API's whole-text events are masked too
        self.keep_text = keep_text  # characters of released text kept for the judge
        self.text: list[str] = []
        self.kept = 0

    def action(self, s: Setting) -> str:
        return self.run.actions.get(s.name, s.config.action)

    def check(self, text: str) -> WindowVerdict:
        deny: Hit | None = None
        masks: list[Setting] = []
        for s in self.settings:
            if s.name in self.errors:
                if s.config.on_error == "block" and deny is None:
                    deny = Hit(s.name)
                continue
            try:
                score = s.scorer.score(text)  # type: ignore[union-attr]
            except Exception as exc:
                self.errors[s.name] = type(exc).__name__
                if s.config.on_error == "block" and deny is None:
                    deny = Hit(s.name)
                continue
            self.top[s.name] = max(self.top.get(s.name, 0.0), score)
            if score < s.threshold:
                continue
            self.hits[s.name] = self.hits.get(s.name, 0) + 1
            act = self.action(s)
            if act == "block" and deny is None:
                deny = Hit(s.name)
            elif act == "mask":
                masks.append(s)
        if deny is None and not masks and self.kept < self.keep_text:
            self.text.append(text)
            self.kept += len(text)
        return WindowVerdict(deny, masks)

    def mask(self, text: str, masks: list[Setting]) -> str:
        masked, n = self.guard.mask_text(text, masks)
        if n == 0:  # the window as a whole reached the threshold: it is the unit that goes
            masked, n = self.guard.config.mask_text + text[len(text.rstrip()) :], 1
        for s in masks:
            self.masked[s.name] = self.masked.get(s.name, 0) + n
        self.seen = True
        if self.kept < self.keep_text:
            self.text.append(masked)
            self.kept += len(masked)
        return masked

    def record(self, ctx: RequestContext, denied: Any) -> None:
        for s in self.settings:
            act = self.action(s)
            if s.name in self.errors:
                outcome = "not_evaluated"
            elif denied is not None and denied.check == s.name:
                outcome = "blocked"
            elif self.masked.get(s.name):
                outcome = "masked"
            elif self.hits.get(s.name):
                outcome = "flagged"
            else:
                outcome = "passed"
            self.run.record(s.name, "response", self.top.get(s.name), s.threshold, act, outcome)
