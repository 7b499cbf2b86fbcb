"""'You said, we did': what changed because staff spoke up, published to all staff.

A summary names a kind, a category and a quarter, never a report. It may be published only
where that category's organisation-wide quarter count is itself published (at least k
reports, not hidden): a summary about a hidden count could say "something happened" where
the numbers were suppressed to say nothing. Whether it is published is read from the
released tables through trends.py, never from report rows. The text is plain text, cleaned
and scrubbed of names, numbers and addresses like a narrative, but its dates and times are
kept: "from 3 March the 14:00 handover" is what changed, not who reported it. Callers show
check_summary's result before publishing, and publish scrubs once more. An edit goes through
the same preview and the same rules; a withdrawn summary is deleted. Publishing, editing and
withdrawing are audited with the summary's id, kind, category and quarter, never its text.
No Flask here.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from reporting.audit import AuditWriter
from reporting.invalid import InvalidFields
from reporting.models import ActionSummary
from reporting.periods import quarter_index, quarter_of
from reporting.privacy.deid import Scrubber, ScrubResult
from reporting.privacy.sanitise import clean_free_text
from reporting.releases import trends
from reporting.taxonomy import KINDS, Taxonomy

MAX_SUMMARY_CHARS = 2000
QUARTER = re.compile(r"^\d{4}-Q[1-4]$")
SUMMARY_ID = re.compile(r"[0-9a-f]{16}")
# A summary states when a change starts; a date or time in it is not an identifier.
ALLOWED = frozenset({"DATE", "TIME"})


class SummaryRefused(InvalidFields):
    """A summary cannot be published; ``fields`` maps each field to what is wrong with it."""


@dataclass(frozen=True)
class Publishable:
    """A category and quarter whose organisation-wide count is published: a summary may follow."""

    quarter: str
    kind: str
    category: str
    count: int


def quarter_count(
    released: trends.ReleasedCells, taxonomy: Taxonomy, kind: str, category: str, quarter: str
) -> int | None:
    """The published organisation-wide count of a category in a quarter; None when hidden."""
    query = trends.Query(
        granularity="quarter",
        group_by=(),
        filters={"kind": kind, "category": category},
        since=quarter,
        until=quarter,
    )
    cells = trends.answer(query, released, taxonomy)["cells"]
    return cells[0]["count"] if cells else None


def publishable(released: trends.ReleasedCells, taxonomy: Taxonomy) -> list[Publishable]:
    """Every released quarter's categories with a published count, newest quarter first."""
    query = trends.Query(granularity="quarter", group_by=("kind", "category"), filters={})
    cells = trends.answer(query, released, taxonomy)["cells"]
    found = [
        Publishable(c["period"], c["kind"], c["category"], c["count"])
        for c in cells
        if c["count"] is not None
    ]
    return sorted(found, key=lambda p: (-quarter_index(p.quarter), p.kind, p.category))


def scrub_summary(text: str, scrubber: Scrubber) -> ScrubResult:
    """Plain text, no markup, no names, dates kept: what staff will read, with what was
    replaced. SummaryRefused when unusable."""
    if not isinstance(text, str):
        raise SummaryRefused({"text": "must be text"})
    if len(text) > 10 * MAX_SUMMARY_CHARS:
        raise SummaryRefused({"text": f"must be at most {MAX_SUMMARY_CHARS:,} characters"})
    result = scrubber.scrub(clean_free_text(text), allow=ALLOWED)
    if not result.text:
        raise SummaryRefused({"text": "say what changed"})
    if len(result.text) > MAX_SUMMARY_CHARS:
        raise SummaryRefused({"text": f"must be at most {MAX_SUMMARY_CHARS:,} characters"})
    return result


def check_summary(
    kind: str,
    category: str,
    quarter: str,
    text: str,
    *,
    released: trends.ReleasedCells,
    taxonomy: Taxonomy,
    scrubber: Scrubber,
) -> ScrubResult:
    """The scrubbed summary, if it may be published for that category's quarter (the preview
    before publishing); SummaryRefused with every field that is wrong otherwise."""
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = f"must be one of: {', '.join(KINDS)}"
    elif taxonomy.category(kind, category) is None:
        errors["category"] = f"unknown {kind} category {category!r}"
    if not isinstance(quarter, str) or not QUARTER.match(quarter):
        errors["quarter"] = "must be a quarter like 2026-Q3"
    try:
        result = scrub_summary(text, scrubber)
    except SummaryRefused as exc:
        errors.update(exc.fields)
    if errors:
        raise SummaryRefused(errors)
    if quarter_count(released, taxonomy, kind, category, quarter) is None:
        raise SummaryRefused(
            {
                "category": f"the {quarter} count for this category is not published (hidden "
                "for anonymity, or the quarter is not released yet): a summary about it "
                "could point to the few reports behind it"
            }
        )
    return result


def publish(
    kind: str,
    category: str,
    quarter: str,
    text: str,
    *,
    released: trends.ReleasedCells,
    taxonomy: Taxonomy,
    scrubber: Scrubber,
    month: str,
    record: AuditWriter,
    actor: str | None = None,
) -> ActionSummary:
    """Publish a summary for a category's quarter, if its count is published; audited.

    Checked and scrubbed here whatever preview the caller showed.
    """
    cleaned = check_summary(
        kind, category, quarter, text, released=released, taxonomy=taxonomy, scrubber=scrubber
    ).text
    summary = ActionSummary.create(
        id=secrets.token_hex(8),
        kind=kind,
        category=category,
        quarter=quarter,
        text=cleaned,
        published=month,
    )
    record("action-publish", summary.id, _described(summary), actor=actor)
    return summary


class SummaryNotFound(Exception):
    """No published summary has that id (it may have been withdrawn)."""


def published_summary(summary_id: str) -> ActionSummary:
    found = (
        ActionSummary.get_or_none(ActionSummary.id == summary_id)
        if isinstance(summary_id, str) and SUMMARY_ID.fullmatch(summary_id)
        else None
    )
    if found is None:
        raise SummaryNotFound()
    return found


def _described(summary: ActionSummary) -> dict[str, str]:
    """What the audit log says about a summary: where it belongs, never its text."""
    return {"kind": summary.kind, "category": summary.category, "quarter": summary.quarter}


def check_edit(
    summary: ActionSummary,
    text: str,
    *,
    released: trends.ReleasedCells,
    taxonomy: Taxonomy,
    scrubber: Scrubber,
) -> ScrubResult:
    """The edited text as it would be published (the preview), under the same rules as a
    new summary for that category and quarter; SummaryRefused otherwise."""
    return check_summary(
        summary.kind,
        summary.category,
        summary.quarter,
        text,
        released=released,
        taxonomy=taxonomy,
        scrubber=scrubber,
    )


def edit(
    summary_id: str,
    text: str,
    *,
    released: trends.ReleasedCells,
    taxonomy: Taxonomy,
    scrubber: Scrubber,
    record: AuditWriter,
    actor: str | None = None,
) -> ActionSummary:
    """Replace a summary's text, checked and scrubbed here whatever preview was shown;
    audited (which summary, not what it says). Its category and quarter stay."""
    summary = published_summary(summary_id)
    cleaned = check_edit(
        summary, text, released=released, taxonomy=taxonomy, scrubber=scrubber
    ).text
    ActionSummary.update(text=cleaned).where(ActionSummary.id == summary.id).execute()
    record("action-edit", summary.id, _described(summary), actor=actor)
    summary.text = cleaned
    return summary


def withdraw(summary_id: str, *, record: AuditWriter, actor: str | None = None) -> ActionSummary:
    """Take a summary down: deleted, so neither the public page nor any follow-up page shows
    it again and its text is not kept (a summary is often withdrawn for saying too much).
    The audit log keeps who withdrew which summary, and where it belonged."""
    summary = published_summary(summary_id)
    ActionSummary.delete().where(ActionSummary.id == summary.id).execute()
    record("action-withdraw", summary.id, _described(summary), actor=actor)
    return summary


def published_by_quarter() -> list[tuple[str, list[ActionSummary]]]:
    """Every summary, grouped by quarter (newest first), by kind and category within it."""
    rows = ActionSummary.select().order_by(
        ActionSummary.quarter.desc(), ActionSummary.kind, ActionSummary.category, ActionSummary.id
    )
    grouped: dict[str, list[ActionSummary]] = {}
    for row in rows:
        grouped.setdefault(row.quarter, []).append(row)
    return list(grouped.items())


def summaries_for(kind: str, category: str, period: str) -> list[ActionSummary]:
    """The summaries a report of this kind, category and month fed (its quarter's)."""
    quarter = quarter_of(period)
    return list(
        ActionSummary.select()
        .where(
            (ActionSummary.kind == kind)
            & (ActionSummary.category == category)
            & (ActionSummary.quarter == quarter)
        )
        .order_by(ActionSummary.published, ActionSummary.id)
    )
