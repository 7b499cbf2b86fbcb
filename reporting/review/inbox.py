"""The reviewer's inbox: filters, deadlines and one page at a time, never in arrival order.

The inbox shows only what the daily batch released, for the groups whose keys the reviewer
holds, sorted by status then category and coded fields, or by severity or potential harm
first: never by arrival, which would hint at who wrote what. It counts every status for the
tabs ("Open 12 · Received 5 …") in the same grouped query that sizes the page. Flags count
in batches and whole months, the finest clock kept. What the reviewer asked for is parsed in
inbox_filters. No Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from peewee import fn

from reporting.models import Report, ReportRead
from reporting.periods import months_between
from reporting.review.inbox_filters import ALL, CLOSED, OPEN, InboxFilters, SearchMatches, search
from reporting.review.triage import STATUSES, Reviewer, usernames, visible_to
from reporting.submissions import severity_of
from reporting.taxonomy import Taxonomy

PER_PAGE = 50
# The order each sort walks its column in, worst first. Both list every value a report can
# hold (severity is derived, a harm is one of the form's choices), so every row has a bucket;
# a near-miss whose harm was not given (None) comes after "unknown", moral distress last.
SEVERITY_ORDER = ("high", "moderate", "low", "unknown")
HARM_ORDER = ("death", "severe", "moderate", "mild", "none", "unknown", None)


@dataclass(frozen=True)
class Deadlines:
    acknowledge_within: int  # batches
    feedback_within_months: int

    @classmethod
    def from_config(cls, settings: Mapping) -> Deadlines:
        return cls(
            int(settings["ACKNOWLEDGE_WITHIN_BATCHES"]), int(settings["FEEDBACK_WITHIN_MONTHS"])
        )


@dataclass(frozen=True)
class InboxRow:
    id: str
    period: str
    kind: str
    category: str
    unit: str
    severity: str
    potential_harm: str | None
    status: str
    assignee: str | None
    unread: bool
    reporter_replied: bool
    overdue_acknowledge: bool
    overdue_feedback: bool


@dataclass(frozen=True)
class InboxPage:
    """One page of rows, and how many reports each status holds under the same filters."""

    rows: list[InboxRow]
    page: int
    pages: int
    total: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    unmatched: list[str] = field(default_factory=list)  # searched words that match no name

    def count(self, tab: str) -> int:
        """The reports behind a status tab: a status, ``open`` (all but closed) or ``all``."""
        if tab == ALL:
            return sum(self.counts.values())
        if tab == OPEN:
            return sum(n for status, n in self.counts.items() if status != CLOSED)
        return self.counts.get(tab, 0)


# Within a bucket; the last key, the random id, carries no order: it keeps pages apart.
_ORDER = (Report.category, Report.kind, Report.unit, Report.severity, Report.id)
_INBOX_COLUMNS = (
    "id", "period", "kind", "category", "unit", "severity", "potential_harm", "status",
    "assignee", "waiting_batches", "feedback_given", "reporter_replied",
)  # fmt: skip


def inbox(
    reviewer: Reviewer,
    filters: InboxFilters,
    *,
    current_period: str,
    deadlines: Deadlines,
    page: int = 1,
    taxonomy: Taxonomy | None = None,
) -> InboxPage:
    """One page of the reviewer's inbox in the order ``filters.sort`` names.

    ``taxonomy`` is needed only to match a search (``filters.q``) against names. The last
    key, the random id, carries no order; it only keeps pages from overlapping.
    """
    if filters.q and taxonomy is None:
        raise TypeError("a search needs the taxonomy to match names against")
    matches = search(filters.q, taxonomy) if filters.q and taxonomy else SearchMatches(())
    if not reviewer.groups or matches.unmatched():
        return InboxPage([], 1, 1, 0, unmatched=matches.unmatched())
    where = visible_to(reviewer)
    for name in ("kind", "category", "unit", "severity"):
        wanted = getattr(filters, name)
        if wanted:
            where &= getattr(Report, name) == wanted
    for _word, categories, units in matches.words:
        where &= _any_of(categories, units)
    harm = filters.potential_harm
    counts = _counts(_harm_is(where, harm) if harm else where)
    shown = filters.statuses()
    total = sum(n for status, n in counts.items() if shown is None or status in shown)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    found = _page_rows(_buckets(where, filters, counts), (page - 1) * PER_PAGE)
    ids = [r.id for r in found]
    read = {
        r.report_id
        for r in ReportRead.select(ReportRead.report).where(
            ReportRead.user == reviewer.id, ReportRead.report.in_(ids or [""])
        )
    }
    names = usernames({r.assignee for r in found if r.assignee})
    rows = [
        InboxRow(
            id=r.id,
            period=r.period,
            kind=r.kind,
            category=r.category,
            unit=r.unit,
            severity=r.severity,
            potential_harm=r.potential_harm,
            status=r.status,
            assignee=names.get(r.assignee),
            unread=r.id not in read,
            reporter_replied=r.reporter_replied,
            overdue_acknowledge=(
                r.status == "received" and r.waiting_batches >= deadlines.acknowledge_within
            ),
            overdue_feedback=(
                not r.feedback_given
                and months_between(r.period, current_period) >= deadlines.feedback_within_months
            ),
        )
        for r in found
    ]
    return InboxPage(rows, page, pages, total, counts)


def _any_of(categories: frozenset[tuple[str, str]], units: frozenset[str]):
    """One searched word: a report in one of the categories it names or one of the units."""
    either = [
        (Report.kind == kind) & Report.category.in_(sorted(s for k, s in categories if k == kind))
        for kind in sorted({k for k, _ in categories})
    ]
    if units:
        either.append(Report.unit.in_(sorted(units)))
    return reduce(or_, either)


def _counts(where) -> dict[str, int]:
    """Reports per status under the filters (for the tabs and the page count), every status
    listed: one covering walk of the ``report_inbox`` index, grouped in its order."""
    counts = dict.fromkeys(STATUSES, 0)
    grouped = Report.select(Report.status, fn.COUNT(Report.id)).where(where).group_by(Report.status)
    for status, n in grouped.tuples():
        counts[status] = n
    return counts


def _harm_is(where, value: str | None):
    """The reports under ``where`` whose potential harm is ``value`` (None: a near-miss
    without one), as one condition.

    The harm is not in the ``report_inbox`` index, and SQLite reads the row of every index
    entry a term needs the table for (a WITHOUT ROWID table defers no seek: 300 ms at 100k).
    Severity is derived from the harm and is in the index: the index first narrows to the
    near-misses of that severity, and only their rows are read. A moderate severity comes
    from a moderate harm alone, so that needs no row at all.
    """
    near_miss = where & (Report.kind == "near-miss")
    severity = severity_of("near-miss", None, value)
    if value == "moderate":
        return near_miss & (Report.severity == severity)
    narrowed = Report.select(Report.id).where(near_miss & (Report.severity == severity))
    harm = Report.potential_harm.is_null() if value is None else Report.potential_harm == value
    return Report.id.in_(narrowed) & harm


def _buckets(
    where, filters: InboxFilters, counts: dict[str, int]
) -> list[tuple[object, int | None]]:
    """The page order as (condition, size if known) pairs, each walked in index order.

    By status: one bucket a status (sizes known from ``counts``). By severity or harm: a
    bucket per value, worst first, and within it per status; their sizes are counted only
    when a later page has to skip past them. Moral distress, which records no harm, is the
    harm sort's last bucket.
    """
    shown = filters.statuses()
    statuses = [s for s in counts if counts[s] and (shown is None or s in shown)]
    statuses.sort(key=lambda s: (0, list(STATUSES).index(s)) if s in STATUSES else (1, s))
    harm = filters.potential_harm

    def within(status: str, also=None):
        found = where & (Report.status == status)
        if also is not None:
            found &= also
        return _harm_is(found, harm) if harm else found

    if filters.sort == "status":
        return [(within(s), counts[s]) for s in statuses]
    if filters.sort == "severity":
        return [(within(s, Report.severity == v), None) for v in SEVERITY_ORDER for s in statuses]
    buckets: list[tuple[object, int | None]] = [
        (_harm_is(where & (Report.status == s), v), None)
        for v in ([harm] if harm else HARM_ORDER)
        for s in statuses
    ]
    if not harm and filters.kind != "near-miss":
        buckets += [(within(s, Report.kind == "moral-distress"), None) for s in statuses]
    return buckets


def _page_rows(buckets: list[tuple[object, int | None]], skip: int) -> list[Report]:
    """A page in order: one indexed, ordered query per bucket the page touches.

    Sorting the whole inbox by a CASE over the status cost a full sort per request (157 ms
    at 100k reports); each bucket alone walks the ``report_inbox`` index in order instead.
    The page's ids come from the index alone (on SQLite each entry holds the primary key),
    and only those rows are read: SQLite reads a WITHOUT ROWID row for every index entry
    it passes when the query needs a column the index lacks, even before testing columns
    the index has, which made a rare severity cost a row read per report of the status.
    A harm bucket is narrowed as `_harm_is` says.
    """
    found: list[Report] = []
    for here, size in buckets:
        if skip:
            if size is None:
                size = Report.select(fn.COUNT(Report.id)).where(here).scalar()
            if skip >= size:
                skip -= size
                continue
        ids = (
            Report.select(Report.id)
            .where(here)
            .order_by(*_ORDER)
            .limit(PER_PAGE - len(found))
            .offset(skip)
        )
        found += list(
            Report.select(*(getattr(Report, name) for name in _INBOX_COLUMNS))
            .where(Report.id.in_(ids))
            .order_by(*_ORDER)
        )
        skip = 0
        if len(found) >= PER_PAGE:
            break
    return found
