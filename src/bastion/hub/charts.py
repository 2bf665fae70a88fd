"""Charts drawn on the server as inline SVG: no script, no chart library, styled by the stylesheet
(classes only: the Content-Security-Policy forbids inline styles). Every text is escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 160, 44, 22, 8


def _label(ts: float, step: int) -> str:
    t = datetime.fromtimestamp(ts, UTC)
    return t.strftime("%d %b") if step >= 86400 else t.strftime("%H:%M")


def bars(
    points: Sequence[dict[str, Any]],
    key: str,
    title: str,
    step: int,
    *,
    fmt: Callable[[Any], str] = str,
    tone: str = "primary",
) -> Markup:
    """A bar per bucket (`start`, `key`), with a y-axis maximum, a few time labels and a <title> per bar."""
    values = [float(p.get(key) or 0) for p in points]
    peak = max(values, default=0.0)
    n = max(1, len(values))
    plot_w, plot_h = WIDTH - PAD_LEFT, HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = plot_w / n
    gap = min(2.0, slot * 0.2)
    parts = [
        f'<svg class="chart chart-{escape(tone)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="none">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH}" y2="{PAD_TOP + plot_h}"/>',
        f'<line class="grid" x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{WIDTH}" y2="{PAD_TOP}"/>',
        f'<text class="tick" x="{PAD_LEFT - 4}" y="{PAD_TOP + 4}" text-anchor="end">'
        f"{escape(fmt(peak))}</text>",
        f'<text class="tick" x="{PAD_LEFT - 4}" y="{PAD_TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for i, (p, v) in enumerate(zip(points, values, strict=True)):
        h = 0.0 if peak <= 0 else plot_h * v / peak
        if v > 0:
            h = max(h, 1.5)
        x = PAD_LEFT + i * slot + gap / 2
        y = PAD_TOP + plot_h - h
        tip = f"{_label(p['start'], step)}: {fmt(v)}"
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(slot - gap, 0.5):.1f}" height="{h:.1f}">'
            f"<title>{escape(tip)}</title></rect>"
        )
    every = max(1, n // 6)
    for i in range(0, n, every):
        x = PAD_LEFT + i * slot
        label = _label(points[i]["start"], step) if i < len(points) else ""
        parts.append(f'<text class="tick" x="{x:.1f}" y="{HEIGHT - 6}">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
