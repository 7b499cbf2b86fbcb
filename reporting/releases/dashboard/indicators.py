"""The dashboard's indicators: headline numbers with their change against earlier periods.

Indicators are computed only from published numbers. When an input is hidden, or the
period compared with is not released, the indicator says so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

from reporting.periods import previous_period, year_earlier
from reporting.releases.dashboard.questions import Questions

NOT_AVAILABLE_HIDDEN = "not available (hidden for anonymity)"
NOT_AVAILABLE_UNRELEASED = "not available (that period is not released)"


@dataclass(frozen=True)
class Change:
    label: str
    text: str
    available: bool


@dataclass(frozen=True)
class Indicator:
    title: str
    value: str
    available: bool
    note: str
    changes: tuple[Change, ...] = ()


def build_indicators(view: Questions) -> list[Indicator]:
    """The view's indicators; none when nothing of its granularity is released."""
    if not view.selection.available:
        return []
    return [near_miss_volume(view), high_distress_share(view)]


def near_miss_volume(view: Questions) -> Indicator:
    period = view.selection.latest
    _, now = view.count(period, kind="near-miss")
    changes = []
    for label, other in comparisons(view, period):
        released, before = view.count(other, kind="near-miss")
        changes.append(_change(label, other, released, now, before, _count_change))
    return Indicator(
        title=f"Near-misses reported, {period}",
        value=str(now) if now is not None else NOT_AVAILABLE_HIDDEN,
        available=now is not None,
        note="A rising count of near-misses is a sign of a healthy reporting culture: "
        "people trust that speaking up is safe and useful.",
        changes=tuple(changes),
    )


def share(view: Questions, period: str | None) -> tuple[bool, float | None]:
    released, high = view.count(period, kind="moral-distress", severity="high")
    _, every = view.count(period, kind="moral-distress")
    if not released or high is None or not every:
        return released, None
    return True, high / every


def high_distress_share(view: Questions) -> Indicator:
    period = view.selection.latest
    _, now = share(view, period)
    changes = []
    for label, other in comparisons(view, period):
        released, before = share(view, other)
        changes.append(_change(label, other, released, now, before, _share_change))
    return Indicator(
        title=f"Moral distress reported as high severity, {period}",
        value=f"{now:.0%}" if now is not None else NOT_AVAILABLE_HIDDEN,
        available=now is not None,
        note="High-severity moral distress reports as a share of all moral distress "
        "reports (distress thermometer 7 to 10).",
        changes=tuple(changes),
    )


def comparisons(view: Questions, period: str) -> list[tuple[str, str]]:
    granularity = view.selection.granularity
    found = [(f"Against the previous {granularity}", previous_period(period))]
    if granularity != "year":
        found.append(("Against a year earlier", year_earlier(period)))
    return found


def _change(label, other, released, now, before, describe) -> Change:
    if not released:
        return Change(f"{label} ({other})", NOT_AVAILABLE_UNRELEASED, False)
    if now is None or before is None:
        return Change(f"{label} ({other})", NOT_AVAILABLE_HIDDEN, False)
    return Change(f"{label} ({other})", describe(now, before), True)


def _count_change(now: int, before: int) -> str:
    difference = now - before
    return f"{difference:+d} ({difference / before:+.0%}) from {before}"


def _share_change(now: float, before: float) -> str:
    points = round(100 * now) - round(100 * before)
    return f"{points:+d} percentage points from {before:.0%}"
