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
