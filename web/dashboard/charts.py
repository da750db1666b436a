"""Executions per day stacked by outcome: the geometry of a server-rendered SVG bar chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from store.reports import OUTCOMES

# Drawing area inside the SVG's viewBox; the template scales the whole chart to its box.
# Wide enough for 12px labels on a laptop; phones enlarge the labels in CSS (see dashboard.css).
WIDTH, HEIGHT = 900, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 34, 14, 44
GAP = 0.25  # share of each day's slot left empty between bars


@dataclass(frozen=True)
class Segment:
    """One outcome's part of a day's bar."""

    outcome: str
    count: int
    y: float
    height: float


@dataclass(frozen=True)
class DayBar:
    """One day's stacked bar and its axis label (only some days are labelled)."""

    day: date
    x: float
    width: float
    total: int
    segments: tuple[Segment, ...]
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw the chart."""

    width: int
    height: int
    left: int
    top: int
    plot_width: float
    plot_height: float
    baseline: float
    bars: tuple[DayBar, ...]
    ticks: tuple[tuple[float, int], ...]  # (y, value) of each horizontal grid line
    empty: bool


def scale(busiest: int) -> tuple[int, int]:
    """A round tick step (1, 2, 5, 10, 20, 25, 50, 100...) and how many steps (<= 5) cover it."""
    if busiest <= 0:
        return 1, 4
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude // 2, 5 * magnitude):
            # 2.5 x magnitude is whole only from 10 up; below it repeats 2 (harmless).
            if -(-busiest // step) <= 5:
                return step, -(-busiest // step)
        magnitude *= 10


def stacked_days(days: list[date], counts: dict[date, dict[str, int]]) -> Chart:
    """Lay out one stacked bar per day (oldest left), scaled to the busiest day."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = [sum(counts.get(d, {}).get(o, 0) for o in OUTCOMES) for d in days]
    step, steps = scale(max(totals, default=0))
    top = step * steps
    slot = plot_w / max(1, len(days))
    baseline = TOP + plot_h
    bars = []
    for i, (day, total) in enumerate(zip(days, totals, strict=True)):
        y = baseline
        segments = []
        for outcome in OUTCOMES:
            n = counts.get(day, {}).get(outcome, 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            segments.append(Segment(outcome, n, round(y, 2), round(h, 2)))
        # Label every fifth day counting back from today, so today is always labelled.
        label = day.strftime("%b %d") if (len(days) - 1 - i) % 5 == 0 else ""
        bars.append(DayBar(day, round(LEFT + i * slot + slot * GAP / 2, 2),
                           round(slot * (1 - GAP), 2), total, tuple(segments), label))  # fmt: skip
    ticks = tuple((round(baseline - plot_h * k / steps, 2), step * k) for k in range(steps + 1))
    return Chart(WIDTH, HEIGHT, LEFT, TOP, plot_w, plot_h, baseline, tuple(bars), ticks,
                 empty=not any(totals))  # fmt: skip
