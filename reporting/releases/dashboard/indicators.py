"""The dashboard's indicators: headline numbers with their change against earlier periods.

Indicators are computed only from published numbers. When an input is hidden, or the
period compared with is not released, the indicator says so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

from reporting.periods import previous_period, year_earlier
from reporting.releases import coverage
from reporting.releases.dashboard.questions import Questions
from reporting.releases.dashboard.significance import change_verdict, share_change_verdict

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


VOLUME_NOTES = {
    "near-miss": "A rising count of near-misses is a sign of a healthy reporting culture: "
    "people trust that speaking up is safe and useful.",
    "moral-distress": "Moral distress reports: where staff know the right thing to do and "
    "cannot do it. A change says where to look, not who.",
}


def build_indicators(view: Questions) -> list[Indicator]:
    """The view's indicators, for the kinds it shows; none when nothing of its granularity
    is released."""
    if not view.selection.available:
        return []
    kinds = view.selection.kinds
    found = [volume(view, kind) for kind in kinds]
    if "moral-distress" in kinds:
        found.append(high_distress_share(view))
    return found


def volume(view: Questions, kind: str) -> Indicator:
    """Reports of one kind in the latest period, with each change tested against chance
    (on published counts, adjusted for declared staff where both periods declare it)."""
    period = view.selection.latest
    _, now = view.count(period, kind=kind)
    changes = []
    for label, other in comparisons(view, period):
        released, before = view.count(other, kind=kind)
        describe = _count_change(_staff(view, period), _staff(view, other))
        changes.append(_change(view, label, other, released, now, before, describe))
    title = "Near-misses reported" if kind == "near-miss" else "Moral distress reported"
    return Indicator(
        title=f"{title}, {period}",
        value=str(now) if now is not None else NOT_AVAILABLE_HIDDEN,
        available=now is not None,
        note=VOLUME_NOTES[kind],
        changes=tuple(changes),
    )


def _staff(view: Questions, period: str) -> int | None:
    return coverage.headcount(view.released, period, view.selection.department or "*")


def share(view: Questions, period: str | None) -> tuple[bool, tuple[int, int] | None]:
    """Whether the period is released, and its high-severity and all moral distress
    counts (None when either is hidden or there is none)."""
    released, high = view.count(period, kind="moral-distress", severity="high")
    _, every = view.count(period, kind="moral-distress")
    if not released or high is None or not every:
        return released, None
    return True, (high, every)


def high_distress_share(view: Questions) -> Indicator:
    """The high-severity share of moral distress, each change tested with Fisher's exact
    test on the published counts of both periods."""
    period = view.selection.latest
    _, now = share(view, period)
    changes = []
    for label, other in comparisons(view, period):
        released, before = share(view, other)
        changes.append(_change(view, label, other, released, now, before, _share_change))
    return Indicator(
        title=f"Moral distress reported as high severity, {period}",
        value=f"{now[0] / now[1]:.0%}" if now is not None else NOT_AVAILABLE_HIDDEN,
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


def _change(view, label, other, released, now, before, describe) -> Change:
    if not released:
        return Change(f"{label} ({other})", NOT_AVAILABLE_UNRELEASED, False)
    for period in (view.selection.latest, other):
        found = coverage.coverage(view.released, period)
        if found.partial:
            text = f"not comparable: {period} is partial ({found.describe()})"
            return Change(f"{label} ({other})", text, False)
    if now is None or before is None:
        return Change(f"{label} ({other})", NOT_AVAILABLE_HIDDEN, False)
    return Change(f"{label} ({other})", describe(now, before), True)


def _count_change(staff_now: int | None, staff_before: int | None):
    def describe(now: int, before: int) -> str:
        difference = now - before
        relative = f" ({difference / before:+.0%})" if before else ""
        verdict = change_verdict(now, before, staff_now, staff_before).describe()
        return f"{difference:+d}{relative} from {before}: {verdict}"

    return describe


def _share_change(now: tuple[int, int], before: tuple[int, int]) -> str:
    points = round(100 * now[0] / now[1]) - round(100 * before[0] / before[1])
    unit = "percentage point" if abs(points) == 1 else "percentage points"
    verdict = share_change_verdict(*now, *before).describe()
    return f"{points:+d} {unit} from {before[0] / before[1]:.0%}: {verdict}"
