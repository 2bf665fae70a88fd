"""What the router keeps per models entry for the life of the process: the entry's target and price, and
the breaker and live statistics of its upstream deployment (provider + provider model), which every entry
naming the same deployment shares."""

from __future__ import annotations

from bastion.context import Target
from bastion.cost.prices import Price
from bastion.routing.breaker import Breaker
from bastion.routing.stats import TargetStats


class TargetState:
    __slots__ = ("breaker", "label", "order", "price", "stats", "target")

    def __init__(
        self, target: Target, order: int, breaker: Breaker, stats: TargetStats, price: Price | None
    ) -> None:
        self.target = target  # this models entry (its weight, priority, limits, tags)
        self.label = target.label
        self.order = order  # position in the config file, the final tie-breaker everywhere
        self.breaker = breaker  # shared by every entry with the same provider and provider model
        self.stats = stats  # likewise
        self.price = price

    def __repr__(self) -> str:
        return f"TargetState({self.label}, {self.breaker.state})"
