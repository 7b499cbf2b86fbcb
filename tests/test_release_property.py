"""Property: random hospitals, released month by month, leave an outside auditor nothing.

Hypothesis draws a hospital (``hospitals.hospital``: three departments, at least six
published units, sometimes units under the minimum headcount, three near-miss and four
moral-distress categories, three roles, four severities; one of the generator's shapes), a
window of four to seven months that crosses a quarter's end and, from October on, the
year's end (so month, quarter and year cells are all released, over four to seven
releases), and a share of each month's reports that arrive late: imported with
``reporting import`` after the month has closed and before its release is built.

Each month's release is built as in production, then the auditor asks ``GET
/api/v1/trends`` with a leadership token (every granularity and grouping of the three
tables, and every single filter; ``outside_audit.audit``) and solves linear programs over
everything returned. Required: no hidden cell with a true count of 1..k-1 is pinned to one
whole number, every hidden remainder under a published total is 0 or at least k, every
published count is at least k and true, two routes to a cell agree.

The truth is read back from the report rows the product stored (late imports included),
never predicted. CI runs a bounded profile; ``make test-disclosure`` runs
``DISCLOSURE_EXAMPLES`` (500) examples.
"""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime

from attacker import fresh_app, leadership_token, look_again, store_reports
from conftest import FixedClock
from hospitals import MONTHS, SHAPES, hospital
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from outside_audit import after, audit

from reporting.db import database
from reporting.models import Report

EXAMPLES = int(os.environ.get("DISCLOSURE_EXAMPLES", "3"))


@st.composite
def scenarios(draw):
    seed = draw(st.integers(0, 2**31 - 1))
    shape = draw(st.sampled_from(sorted(SHAPES)))
    # Windows that close at least one quarter; those from October on close the year too.
    start = draw(st.sampled_from([m for m in MONTHS if "2025-01" <= m <= "2025-12"]))
    length = draw(st.integers(4, 7))
    first = MONTHS.index(start)
    months = list(MONTHS[first : first + length])
    late = draw(st.sampled_from([0.0, 0.1, 0.3]))
    return seed, shape, months, late


def stored_rows() -> list[dict]:
    with database.connection_context():
        return [
            {"period": p, "unit": u, "kind": k, "category": c, "role": r, "severity": s}
            for p, u, k, c, r, s in Report.select(
                Report.period,
                Report.unit,
                Report.kind,
                Report.category,
                Report.role,
                Report.severity,
            ).tuples()
        ]


def import_late(app, tmp_path, rows: list[dict]) -> None:
    """Reports for a closed, unreleased month, through the operator's import command."""
    lines = [{k: row[k] for k in ("period", "kind", "category", "unit", "role")} for row in rows]
    path = tmp_path / f"late-{rows[0]['period']}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output


def test_random_hospitals_leave_an_outside_auditor_nothing(backend, tmp_path_factory):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=EXAMPLES <= 3,
        database=None,
    )
    @given(scenarios())
    def run(scenario):
        seed, shape, months, late = scenario
        made = hospital(seed, SHAPES[shape])
        root = tmp_path_factory.mktemp("hospital")
        clock = FixedClock(after(months[0]))
        with fresh_app(backend, root, clock, made.taxonomy_text, RELEASE_THRESHOLD=made.k) as app:
            for month in months:
                rows = made.rows_of(month)
                cut = len(rows) - round(late * len(rows))
                year, mon = int(month[:4]), int(month[5:])
                clock.now = datetime(year, mon, 15, 12, tzinfo=UTC)
                store_reports(rows[:cut])
                # Closed on the 1st, due on the 4th: the late ones come in on the 2nd.
                clock.now = datetime(year + mon // 12, mon % 12 + 1, 2, 9, tzinfo=UTC)
                if rows[cut:]:
                    import_late(app, root, rows[cut:])
                clock.now = after(month)
                look_again(app)
            found = dataclasses.replace(made, rows=stored_rows(), months=months)
            result = audit(app, app.test_client(), leadership_token(app), found, max_filters=1)
        assert len(found.rows) == sum(len(made.rows_of(m)) for m in months)
        assert not result.missing, result.details()
        assert result.leaks == 0, result.details()

    run()
