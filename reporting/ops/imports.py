"""Importing historical reports from JSON Lines: all lines or none.

Each line is one report in the brief's schema plus its `period` (YYYY-MM). Every line is
validated before anything is written, and every problem is reported with its line number
and field, so an administrator fixes the file in one pass. History goes in before the
releases that cover it: a month already released, or one not yet begun, is refused.
Narratives are scrubbed and sealed exactly as live ones; no receipts are issued, because
history has no reporter to hand them to. No Flask here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from reporting import reports, submissions
from reporting.db import database
from reporting.models import Release
from reporting.periods import Clock, InvalidPeriod, current_month, parse_month
from reporting.privacy.deid import Scrubber
from reporting.releases.builder import release_lock
from reporting.taxonomy import Taxonomy

IMPORT_FIELDS = (*submissions.SUBMISSION_FIELDS, "period")
MAX_LISTED = 50


@dataclass(frozen=True)
class LineProblem:
    line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"


class ImportRefused(Exception):
    """The file has at least one bad line; nothing was stored."""

    def __init__(self, problems: list[LineProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems

    def listing(self, limit: int = MAX_LISTED) -> list[str]:
        """The first ``limit`` problems, one a line, and how many more there are."""
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problem(s)")
        return lines


@dataclass(frozen=True)
class ImportResult:
    per_period: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.per_period.values())


def parse_lines(
    data: bytes,
    taxonomy: Taxonomy,
    *,
    max_narrative: int,
    current: str,
    released_through: str | None,
) -> list[tuple[int, str, submissions.Submission]]:
    """Every non-blank line as (line number, period, submission), or ImportRefused."""
    problems: list[LineProblem] = []
    parsed: list[tuple[int, str, submissions.Submission]] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                LineProblem(number, None, f"not valid UTF-8 (byte {exc.start + 1} of the line)")
            )
            continue
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except ValueError as exc:
            problems.append(LineProblem(number, None, f"not valid JSON ({exc})"))
            continue
        if not isinstance(value, dict):
            problems.append(
                LineProblem(number, None, f"must be a JSON object, not {_json_type(value)}")
            )
            continue
        found = _check_line(number, value, taxonomy, max_narrative, current, released_through)
        if isinstance(found, list):
            problems += found
        else:
            parsed.append((number, *found))
    if problems:
        raise ImportRefused(problems)
    return parsed


def _check_line(
    number: int,
    value: dict,
    taxonomy: Taxonomy,
    max_narrative: int,
    current: str,
    released_through: str | None,
) -> tuple[str, submissions.Submission] | list[LineProblem]:
    problems = [
        LineProblem(number, name, f"unknown field (allowed: {', '.join(IMPORT_FIELDS)})")
        for name in value
        if name not in IMPORT_FIELDS
    ]
    period = value.get("period")
    if period is None:
        problems.append(LineProblem(number, "period", "is required (YYYY-MM)"))
    elif not isinstance(period, str):
        problems.append(LineProblem(number, "period", "must be a string in YYYY-MM form"))
    else:
        try:
            parse_month(period)
        except InvalidPeriod:
            problems.append(LineProblem(number, "period", f"{period!r} is not in YYYY-MM form"))
        else:
            if period > current:
                problems.append(
                    LineProblem(number, "period", f"{period} is in the future (now {current})")
                )
            elif released_through is not None and period <= released_through:
                problems.append(
                    LineProblem(
                        number,
                        "period",
                        f"{period} is already covered by a release (released through "
                        f"{released_through}); history must be imported before its release",
                    )
                )
    fields = {k: v for k, v in value.items() if k in submissions.SUBMISSION_FIELDS}
    submission = None
    try:
        submission = submissions.parse_submission(
            fields, taxonomy, max_narrative=max_narrative, allow_retired=True
        )
    except submissions.InvalidSubmission as exc:
        problems += [LineProblem(number, name, message) for name, message in exc.fields.items()]
    return problems or (period, submission)


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def import_reports(
    data: bytes,
    taxonomy: Taxonomy,
    *,
    scrubber: Scrubber,
    pepper: bytes,
    clock: Clock,
    timezone: str,
    max_narrative: int,
    routes: dict[str, str] | None = None,
) -> ImportResult:
    """Validate every line, then file them all in one transaction; returns counts per period.

    The release lock is held throughout, so no release can be built from half an import or
    between the check that a month is unreleased and the reports going in.
    """
    current = current_month(clock, timezone)
    with release_lock(), database.atomic():
        latest = Release.latest()
        items = parse_lines(
            data,
            taxonomy,
            max_narrative=max_narrative,
            current=current,
            released_through=latest.month if latest else None,
        )
        for _number, period, submission in items:
            reports.file_report(
                submission, period=period, pepper=pepper, scrubber=scrubber, routes=routes
            )
    return ImportResult(per_period=dict(sorted(Counter(p for _, p, _ in items).items())))


def summary(result: ImportResult) -> Iterable[str]:
    for period, count in result.per_period.items():
        yield f"{period}: {count} report(s)"
    yield f"imported {result.total} report(s) in {len(result.per_period)} period(s)"
