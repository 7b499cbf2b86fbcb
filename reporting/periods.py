"""Period labels and the hospital's calendar.

A report keeps only the month it was filed in, taken in the configured time zone from an
injectable clock, so tests can stand at any month boundary.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class InvalidPeriod(ValueError):
    """A period label is not a month in YYYY-MM form."""


def system_clock() -> datetime:
    return datetime.now(UTC)


def naive_utc(moment: datetime) -> datetime:
    """A naive UTC datetime, the form staff-side times are stored in (never a report's).

    A naive input is refused rather than guessed: the injectable clocks must be aware.
    """
    if moment.tzinfo is None:
        raise ValueError("the clock must return an aware datetime")
    return moment.astimezone(UTC).replace(tzinfo=None)


def month_of(moment: datetime, timezone: str) -> str:
    """The YYYY-MM label of the month ``moment`` falls in, in ``timezone``."""
    if moment.tzinfo is None:
        raise ValueError("the clock must return an aware datetime")
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m")


def current_month(clock: Clock, timezone: str) -> str:
    return month_of(clock(), timezone)


def parse_month(label: str) -> tuple[int, int]:
    match = _MONTH.match(label)
    if not match:
        raise InvalidPeriod(f"{label!r} is not a month in YYYY-MM form")
    return int(match.group(1)), int(match.group(2))


# Period labels: month 2026-05, quarter 2026-Q2, year 2026 ----------------------------------


def quarter_of(month: str) -> str:
    """The quarter label (2026-Q2) a month label (2026-05) falls in."""
    year, mon = month.split("-")
    return f"{year}-Q{(int(mon) - 1) // 3 + 1}"


def months_of_quarter(quarter: str) -> list[str]:
    """The three month labels of a quarter label, in order."""
    year, q = quarter.split("-Q")
    first = (int(q) - 1) * 3 + 1
    return [f"{year}-{m:02d}" for m in range(first, first + 3)]


def granularity_of(period: str) -> str:
    """Which kind of period a label is: month (2026-05), quarter (2026-Q2) or year (2026)."""
    if "-Q" in period:
        return "quarter"
    return "month" if "-" in period else "year"


def next_month(month: str) -> str:
    """The month label after ``month``, across the year boundary."""
    year, mon = int(month[:4]), int(month[5:])
    return f"{year + mon // 12}-{mon % 12 + 1:02d}"


def months_ending(last: str, count: int) -> list[str]:
    """The ``count`` month labels up to and including ``last``, oldest first."""
    year, month = int(last[:4]), int(last[5:])
    index = year * 12 + month - 1
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def previous_period(period: str) -> str:
    """The period of the same granularity just before ``period``."""
    if len(period) == 4:
        return str(int(period) - 1)
    year, part = period.split("-")
    if part.startswith("Q"):
        q = int(part[1:])
        return f"{year}-Q{q - 1}" if q > 1 else f"{int(year) - 1}-Q4"
    month = int(part)
    return f"{year}-{month - 1:02d}" if month > 1 else f"{int(year) - 1}-12"


def year_earlier(period: str) -> str:
    """The same month, quarter or year one year before ``period``."""
    return f"{int(period[:4]) - 1}{period[4:]}"


def quarter_index(quarter: str) -> int:
    """A quarter label as a count of quarters, so quarters sort and subtract as numbers."""
    year, q = quarter.split("-Q")
    return int(year) * 4 + int(q)


def months_between(earlier: str, later: str) -> int:
    """Whole months from one month label to a later one (negative if it is earlier)."""
    (y1, m1), (y2, m2) = parse_month(earlier), parse_month(later)
    return (y2 * 12 + m2) - (y1 * 12 + m1)
