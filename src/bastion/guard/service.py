"""The guardrails of one gateway: which checks run where, with which threshold and action, and how a
text is scored, judged and masked. Built once in the composition root from the `guardrails:` section;
per-request state lives in `GuardRun` (`ctx.guard`). Text comes from the inbound API's segments
(`bastion.apis.text`).

Places: `prompt` (user and input segments), `tool_result` (`tool` messages, `tool_result` blocks,
`function_call_output` items, function responses) and `response` (the answer's text). System
instructions are the application's own and are not checked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bastion.apis.text import Segment
from bastion.config.guardrails import CheckConfig, GuardrailsConfig
from bastion.guard import sentences
from bastion.guard.linear import LinearModel, featurize
from bastion.guard.registry import Deps, Scorer, build
from bastion.guard.verdicts import GuardRun, Observation
from bastion.textcache import TextCache

log = logging.getLogger("bastion.guard")

WHERE_OF_KIND = {"user": "prompt", "input": "prompt", "tool_result": "tool_result"}
TEXT_CHECKS = ("prompt_injection", "toxicity")  # scored here; pii/secrets come from the PII stage


@dataclass(slots=True)
class Setting:
    name: str
    config: CheckConfig
    threshold: float
    where: frozenset[str]
    scorer: Scorer | None  # None: pii/secrets (counts from the PII stage) and the judge


class _SharedFeatures:
    """One text's model features, extracted when the first linear check needs them, reused by the rest."""

    __slots__ = ("_features", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._features: list[list[str]] | None = None

    def features(self) -> list[list[str]]:
        if self._features is None:
            self._features = featurize(self.text)
        return self._features


class Guardrails:
    def __init__(self, config: GuardrailsConfig, detect: Callable[[str], list[Any]] | None = None) -> None:
        self.config = config
        self.settings: dict[str, Setting] = {}
        checks = config.checks()
        text_checks = [n for n in checks if n in TEXT_CHECKS]
        scorers = build(text_checks, Deps(detect=detect))
        defaults = {n: build([n], Deps())[n] for n in checks if n in ("pii", "secrets")}
        for name, cfg in checks.items():
            scorer = scorers.get(name)
            default = scorer or defaults.get(name)
            threshold = cfg.threshold
            if threshold is None:
                threshold = default.threshold if default is not None else 0.5
            fallback = default.where if default is not None else ("response",)
            where = cfg.on if cfg.on is not None else fallback
            self.settings[name] = Setting(name, cfg, threshold, frozenset(where), scorer)
        self._spares: dict[str, Scorer] = {}  # shipped models for rules reading unconfigured checks
        # request texts' scores per check (a model's score is a pure function of the text): the history of
        # a conversation, sent again with every turn, is scored once (`bastion.textcache`)
        self._scores: dict[str, TextCache[float]] = {name: TextCache() for name in text_checks}

    @property
    def enabled(self) -> bool:
        return bool(self.settings)

    def at(self, where: str) -> list[Setting]:
        """Text checks that run at this place."""
        return [s for s in self.settings.values() if s.scorer is not None and where in s.where]

    @property
    def on_request(self) -> bool:
        return bool(self.at("prompt") or self.at("tool_result"))

    @property
    def on_response(self) -> bool:
        judge = self.settings.get("judge")
        return bool(self.at("response")) or (judge is not None and "response" in judge.where)

    # --- request -------------------------------------------------------------------------------------
    def scan_request(self, segments: list[Segment], run: GuardRun, scope: str = "") -> None:
        """Score every checked segment; each (check, place) keeps its highest score. ``scope``: the
        caller's cache scope (`bastion.textcache.scope_of`)."""
        for seg in segments:
            where = WHERE_OF_KIND.get(seg.kind)
            if where is None or not seg.text:
                continue
            shared = _SharedFeatures(seg.text)
            for s in self.at(where):
                obs = run.request.setdefault((s.name, where), Observation())
                if obs.error is not None:
                    continue
                try:
                    score = self._score(s, shared, scope)
                except Exception as exc:  # a check that cannot run is recorded as such, never as passed
                    log.exception("check %s failed", s.name)
                    obs.error, obs.score = type(exc).__name__, None
                    continue
                obs.score = score if obs.score is None else max(obs.score, score)
                if score >= s.threshold:
                    obs.segments.append(seg)

    def _score(self, s: Setting, shared: _SharedFeatures, scope: str) -> float:
        text = shared.text
        cache = self._scores.get(s.name)
        score = cache.get(scope, text) if cache is not None else None
        if score is None:
            model = getattr(s.scorer, "model", None)
            if isinstance(model, LinearModel):  # the shipped checks: features extracted once per text
                score = model.score_featurized(shared.features())
            else:
                score = s.scorer.score(text)  # type: ignore[union-attr]
            if cache is not None:
                cache.put(scope, text, score)
        return score

    # --- response ------------------------------------------------------------------------------------
    def policy_score(self, name: str, text: str) -> float | None:
        """`scores.<name>` for a policy rule: the configured check's score of `text`, or the shipped
        model's when the check is not configured (so a rule never reads a silent null)."""
        s = self.settings.get(name)
        scorer = s.scorer if s is not None and s.scorer is not None else self._spare(name)
        if scorer is None or not text:
            return 0.0 if scorer is not None else None
        try:
            return scorer.score(text)
        except Exception:
            log.exception("check %s failed", name)
            return None

    def _spare(self, name: str) -> Scorer | None:
        if name not in TEXT_CHECKS:
            return None
        if name not in self._spares:
            self._spares[name] = build([name], Deps())[name]
        return self._spares[name]

    def mask_text(self, text: str, settings: list[Setting]) -> tuple[str, int]:
        """`text` with each window (sentence) that reaches a masking check's threshold replaced."""
        pieces = sentences.split(text, self.config.window)
        masked = 0
        for i, piece in enumerate(pieces):
            if any(s.scorer.score(piece) >= s.threshold for s in settings):  # type: ignore[union-attr]
                trail = piece[len(piece.rstrip()) :]
                pieces[i] = self.config.mask_text + trail
                masked += 1
        return "".join(pieces), masked
