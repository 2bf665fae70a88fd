"""The adaptive strategy's learner: contextual Thompson sampling with one Beta posterior per (group,
request context, target).

Each finished attempt scores a reward in [0, 1]: 0 for a failure; for a success, 1 minus the weighted
latency and cost penalties of the objective. A penalty is x / (x + scale), where scale is the running
average of x over the group's traffic in that context, so "twice as slow as usual" costs the same whatever
the absolute numbers. The reward updates the arm as fractional Bernoulli evidence (alpha += r, beta += 1-r);
evidence beyond `max_observations` is scaled down so the policy keeps following a changing world.

State is plain numbers (`rows()` / `load()`), persisted by `bastion.routing.store`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from typing import Any

from bastion.config.routing import AdaptiveSettings

SCALE_ALPHA = 0.05  # weight of a new sample in the running latency / cost averages
PROPENSITY_DRAWS = 100
PROPENSITY_REFRESH = 20  # observations between two propensity estimates of a context
SCALES = "*"  # the target name under which a context's running averages are stored


class Arm:
    __slots__ = ("alpha", "beta", "n")

    def __init__(self, alpha: float = 1.0, beta: float = 1.0, n: int = 0) -> None:
        self.alpha = alpha
        self.beta = beta
        self.n = n

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


class Scales:
    __slots__ = ("cost", "latency", "version")

    def __init__(self, latency: float | None = None, cost: float | None = None) -> None:
        self.latency = latency
        self.cost = cost
        self.version = 0  # observations in this context (drives propensity refresh)


def _penalty(x: float | None, scale: float | None) -> float:
    if x is None or scale is None or scale <= 0:
        return 0.5
    return x / (x + scale)


def _mix(avg: float | None, x: float | None) -> float | None:
    if x is None:
        return avg
    return x if avg is None else avg + SCALE_ALPHA * (x - avg)


class Learner:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.arms: dict[tuple[str, str, str], Arm] = {}
        self.scales: dict[tuple[str, str], Scales] = {}
        self.dirty: set[tuple[str, str, str]] = set()
        self._propensity: dict[tuple[str, str], tuple[int, dict[str, float]]] = {}

    def arm(self, group: str, context: str, label: str) -> Arm:
        key = (group, context, label)
        arm = self.arms.get(key)
        if arm is None:
            arm = self.arms[key] = Arm()
        return arm

    def sample(self, group: str, context: str, labels: Sequence[str]) -> dict[str, float]:
        out = {}
        for label in labels:
            arm = self.arm(group, context, label)
            out[label] = self.rng.betavariate(arm.alpha, arm.beta)
        return out

    def means(self, group: str, context: str, labels: Sequence[str]) -> dict[str, float]:
        return {label: round(self.arm(group, context, label).mean, 4) for label in labels}

    def propensities(self, group: str, context: str, labels: Sequence[str]) -> dict[str, float]:
        """P(each target is ranked first): Monte Carlo over normal approximations of the posteriors
        (cheap enough for the request path); cached, refreshed every few observations of the context."""
        scales = self.scales.get((group, context))
        version = scales.version if scales else 0
        cached = self._propensity.get((group, context))
        if (
            cached is not None
            and version - cached[0] < PROPENSITY_REFRESH
            and cached[1].keys() == set(labels)
        ):
            return cached[1]
        moments = []
        for label in labels:
            a = self.arm(group, context, label)
            total = a.alpha + a.beta
            moments.append((label, a.mean, math.sqrt(a.alpha * a.beta / (total * total * (total + 1)))))
        if len(moments) == 2:  # closed form: P(X_a > X_b) for two normals
            (la, ma, sa), (lb, mb, sb) = moments
            spread = math.sqrt(sa * sa + sb * sb) or 1e-9
            p = 0.5 * (1.0 + math.erf((ma - mb) / (spread * math.sqrt(2.0))))
            props = {la: round(p, 4), lb: round(1.0 - p, 4)}
        else:
            wins = dict.fromkeys(labels, 0)
            gauss = self.rng.gauss
            for _ in range(PROPENSITY_DRAWS):
                best = max(moments, key=lambda m: gauss(m[1], m[2]))
                wins[best[0]] += 1
            props = {label: n / PROPENSITY_DRAWS for label, n in wins.items()}
        self._propensity[(group, context)] = (version, props)
        return props

    def reward(
        self,
        settings: AdaptiveSettings,
        scales: Scales,
        ok: bool,
        latency_ms: float | None,
        usd: float | None,
    ) -> float:
        if not ok:
            return 0.0
        obj = settings.objective
        weight = obj.latency + obj.cost
        if weight <= 0:
            return 1.0
        penalty = obj.latency * _penalty(latency_ms, scales.latency) + obj.cost * _penalty(usd, scales.cost)
        return 1.0 - penalty / weight

    def observe(
        self,
        group: str,
        context: str,
        label: str,
        *,
        settings: AdaptiveSettings,
        ok: bool,
        latency_ms: float | None = None,
        usd: float | None = None,
    ) -> float:
        """Learn from one finished attempt; returns the reward it scored."""
        scales = self.scales.get((group, context))
        if scales is None:
            scales = self.scales[(group, context)] = Scales()
        if ok:  # the penalty is relative to the averages before this sample joins them
            scales.latency = scales.latency if scales.latency is not None else latency_ms
            scales.cost = scales.cost if scales.cost is not None else usd
        r = self.reward(settings, scales, ok, latency_ms, usd)
        if ok:
            scales.latency = _mix(scales.latency, latency_ms)
            scales.cost = _mix(scales.cost, usd)
        scales.version += 1
        arm = self.arm(group, context, label)
        arm.alpha += r
        arm.beta += 1.0 - r
        arm.n += 1
        total = arm.alpha + arm.beta
        if total > settings.max_observations:
            f = settings.max_observations / total
            arm.alpha *= f
            arm.beta *= f
        self.dirty.add((group, context, label))
        self.dirty.add((group, context, SCALES))
        return r

    # ---- persistence ------------------------------------------------------------------------------------
    def take_dirty(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        rows = []
        for group, context, label in self.dirty:
            if label == SCALES:
                s = self.scales[(group, context)]
                rows.append((group, context, label, {"latency": s.latency, "cost": s.cost}))
            else:
                a = self.arms[(group, context, label)]
                rows.append((group, context, label, {"alpha": a.alpha, "beta": a.beta, "n": a.n}))
        self.dirty.clear()
        return rows

    def load(self, rows: Iterable[tuple[str, str, str, dict[str, Any]]]) -> int:
        count = 0
        for group, context, label, data in rows:
            try:
                if label == SCALES:
                    self.scales[(group, context)] = Scales(data.get("latency"), data.get("cost"))
                else:
                    arm = Arm(float(data["alpha"]), float(data["beta"]), int(data.get("n", 0)))
                    if arm.alpha > 0 and arm.beta > 0:
                        self.arms[(group, context, label)] = arm
                count += 1
            except (KeyError, TypeError, ValueError):
                continue
        return count
