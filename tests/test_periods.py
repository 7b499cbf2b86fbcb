"""The month a report is filed in follows the hospital's time zone."""

from datetime import UTC, datetime

import pytest

from reporting.periods import InvalidPeriod, month_of, parse_month


def test_month_boundary_follows_the_configured_time_zone():
    moment = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # already November in Helsinki
    assert month_of(moment, "Europe/London") == "2026-10"
    assert month_of(moment, "Europe/Helsinki") == "2026-11"
    assert month_of(datetime(2027, 1, 1, 4, 59, tzinfo=UTC), "America/New_York") == "2026-12"


def test_naive_clock_is_refused():
    with pytest.raises(ValueError):
        month_of(datetime(2026, 1, 1), "Europe/London")


@pytest.mark.parametrize("label", ["2026-13", "2026-1", "26-01", "2026-00", "2026-01-01", ""])
def test_bad_month_labels(label):
    with pytest.raises(InvalidPeriod):
        parse_month(label)


def test_good_month_label():
    assert parse_month("2026-03") == (2026, 3)
