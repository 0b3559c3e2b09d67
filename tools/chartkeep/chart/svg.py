"""Outcome-measure trends as inline SVG, drawn in Python: no chart library, no script, no request.

The severity bands are drawn behind the line so a score reads at a glance. Colours are SVG
presentation attributes and classes, never `style=` attributes, so the site's Content Security
Policy (`style-src 'self'`) does not strip them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from chartkeep.schema import MEASURES as SCORE_RANGES  # one declaration of each scale's range


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str
    fill: str


@dataclass(frozen=True)
class Measure:
    key: str
    title: str
    top: int
    bands: tuple[Band, ...]

    def band(self, total: int) -> Band | None:
        return next((b for b in self.bands if b.low <= total <= b.high), None)


_GREEN, _YELLOW, _ORANGE, _RED, _DARK = "#e3f2e1", "#fdf6d8", "#fde7cc", "#f9d3cf", "#f0b8b2"
PHQ9 = Measure(
    "phq9",
    "PHQ-9",
    SCORE_RANGES["phq9"][1],
    (
        Band(0, 4, "minimal", _GREEN),
        Band(5, 9, "mild", _YELLOW),
        Band(10, 14, "moderate", _ORANGE),
        Band(15, 19, "moderately severe", _RED),
        Band(20, 27, "severe", _DARK),
    ),
)
GAD7 = Measure(
    "gad7",
    "GAD-7",
    SCORE_RANGES["gad7"][1],
    (
        Band(0, 4, "minimal", _GREEN),
        Band(5, 9, "mild", _YELLOW),
        Band(10, 14, "moderate", _ORANGE),
        Band(15, 21, "severe", _DARK),
    ),
)
MEASURES = {m.key: m for m in (PHQ9, GAD7)}

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 130, 12, 28


def trend_svg(measure: Measure, points: Sequence[tuple[dt.date, int]]) -> str:
    """A line chart of `points` (date, total) over the measure's severity bands."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    points = sorted(points)

    def y(score: float) -> float:
        return TOP + plot_h - plot_h * score / (measure.top + 1)

    first = points[0][0] if points else dt.date.today()
    last = points[-1][0] if points else first
    span = max((last - first).days, 1)

    def x(day: dt.date) -> float:
        if len(points) == 1:
            return LEFT + plot_w / 2
        return LEFT + plot_w * (day - first).days / span

    title = f"{measure.title} trend: {len(points)} score{'s' if len(points) != 1 else ''}"
    out = [
        f'<svg class="ck-trend" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for band in measure.bands:
        top, bottom = y(band.high + 1), y(band.low)
        out.append(
            f'<rect class="ck-band" x="{LEFT}" y="{top:.1f}" width="{plot_w}" '
            f'height="{bottom - top:.1f}" fill="{band.fill}"/>'
        )
        out.append(
            f'<text x="{LEFT + plot_w + 6}" y="{(top + bottom) / 2 + 4:.1f}" font-size="11" '
            f'fill="#444">{band.low}–{band.high} {escape(band.label)}</text>'
        )
    for tick in range(0, measure.top + 1, 5):
        out.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#444">{tick}</text>'
        )
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>')
    if points:
        out.append(f'<text x="{LEFT}" y="{HEIGHT - 8}" font-size="11" fill="#444">{first.isoformat()}</text>')
        if last != first:
            out.append(
                f'<text x="{LEFT + plot_w}" y="{HEIGHT - 8}" font-size="11" text-anchor="end" '
                f'fill="#444">{last.isoformat()}</text>'
            )
        coords = " ".join(f"{x(day):.1f},{y(score):.1f}" for day, score in points)
        if len(points) > 1:
            out.append(f'<polyline points="{coords}" fill="none" stroke="#1f4e79" stroke-width="2"/>')
        for day, score in points:
            found = measure.band(score)
            label = f"{day.isoformat()}: {score}" + (f" ({found.label})" if found else "")
            out.append(
                f'<circle cx="{x(day):.1f}" cy="{y(score):.1f}" r="3.5" fill="#1f4e79">'
                f"<title>{escape(label)}</title></circle>"
            )
    else:
        out.append(
            f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" text-anchor="middle" '
            'font-size="13" fill="#444">no scores recorded</text>'
        )
    out.append("</svg>")
    return "".join(out)
