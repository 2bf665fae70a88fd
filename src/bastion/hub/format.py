"""Template filters: times, money, counts and durations as the Hub shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def ts(value: Any) -> str:
    if not isinstance(value, int | float):
        return "—"
    return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def usd(value: Any) -> str:
    """Dollars; "unknown" for a cost nobody could compute (never shown as $0)."""
    if value is None:
        return "unknown"
    value = float(value)
    if value == 0:
        return "$0.00"
    if abs(value) < 0.01:
        return f"${value:.6f}".rstrip("0")
    return f"${value:,.2f}"


def num(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def ms(value: Any) -> str:
    if value is None:
        return "—"
    value = float(value)
    return f"{value:,.1f} ms" if value < 1000 else f"{value / 1000:,.2f} s"


def pct(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


FILTERS = {"ts": ts, "usd": usd, "num": num, "ms": ms, "pct": pct}
