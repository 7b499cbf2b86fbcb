"""Issue 13's default views: department totals and lines, rates per 100 staff, tests of
change, partial periods and why a cell is hidden, all from published numbers only."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest, fisher_exact
from test_dashboard import app, export, formula_taxonomy, lead, page, row_cells, table_html

from reporting.db import database
from reporting.models import Release, Report
from reporting.releases import coverage
from reporting.releases.builder import declared_headcounts
from reporting.releases.dashboard import why_hidden
from reporting.releases.dashboard.significance import (
    Verdict,
    change_verdict,
    share_change_verdict,
)
from reporting.releases.trends import ReleasedCells
from reporting.taxonomy import Taxonomy, Unit

__all__ = ["app", "formula_taxonomy", "lead"]  # fixtures shared with test_dashboard


def _text(cell_html: str) -> str:
    return re.sub(r"<[^>]+>", "", cell_html).strip()


def _rows(table: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)', table)


def _declared(app, month: str) -> dict[str, int]:
    with app.app_context(), database.connection_context():
        return json.loads(Release.get_by_id(month).mapping)["headcounts"]


def test_the_default_view_shows_department_totals_largest_first_with_rates(released, lead):
    html = page(lead)
    totals = table_html(html, "department-totals")
    departments = _rows(totals)[:-1]
    assert departments[0] == "Critical care", "largest first"
    counts = [_text(row_cells(totals, d)[2]) for d in departments]
    published = [int(c) for c in counts if c.isdigit()]
    assert published == sorted(published, reverse=True)

    # The rate is a published count over the headcount the release declared, nothing else.
    declared = _declared(released, "2026-09")
    assert declared["critical-care"] == 85 + 40
    near_miss, distress, every, staff, rate = map(_text, row_cells(totals, "Critical care"))
    assert (near_miss, distress, every) == ("14", "7", "21")
    assert staff == str(declared["critical-care"])
    assert rate == f"{100 * 21 / 125:.1f}"
    organisation = [_text(c) for c in row_cells(totals, "All departments")]
    assert organisation[3] == str(declared["*"]) and declared["*"] == sum(
        declared[d] for d in ("critical-care", "medicine", "surgery", "women-children")
    )

    rows = export(lead)
    rates = [
        r
        for r in rows
        if r["measure"] == "reports per 100 staff" and r["organisation"] == "Critical care"
    ]
    assert [r["count"] for r in rates] == ["16.8"]


def test_inside_a_department_each_unit_has_its_rate_and_the_department_its_own(released, lead):
    html = page(lead, department="critical-care", breakdown="category")  # units: when asked
    totals = table_html(html, "unit-totals")
    declared = _declared(released, "2026-09")
    assert (declared["unit:icu"], declared["unit:hdu"]) == (85, 40)
    rated = 0
    for row, key in (
        ("Intensive care unit", "unit:icu"),
        ("High dependency unit", "unit:hdu"),
        ("All units", "critical-care"),
    ):
        *_, every, staff, rate = map(_text, row_cells(totals, row))
        assert staff == str(declared[key])
        if every.isdigit():  # a rate only from a published count
            assert rate == f"{100 * int(every) / declared[key]:.1f}"
            rated += 1
        else:
            assert not re.search(r"\d", rate), rate
    assert rated >= 2, "the department and at least one unit are rated"


def test_department_lines_are_charted_from_their_table(released, lead):
    html = page(lead, kind="near-miss")
    table = table_html(html, "over-time-departments-near-miss")
    assert _rows(table)[0] == "Critical care"
    data = json.loads(
        re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S)[1]
    )
    charts = {c["id"]: c for c in data["charts"]}
    series = {s["label"]: s["values"] for s in charts["over-time-departments-near-miss"]["series"]}
    assert series["Critical care"] == [14, 14, 14]
    assert 'data-chart="over-time-departments-near-miss"' in html


def test_category_detail_by_department_is_asked_for(released, lead):
    html = page(lead)
    assert "by-department-near-miss-table" not in html
    assert "breakdown=category" in html, "a link to the detail"
    html = page(lead, breakdown="category")
    assert "by-department-near-miss-table" in html
    assert "Show fewer tables" in html
    response = lead.get("/dashboard", query_string={"breakdown": "everything"})
    assert response.status_code == 400
    assert "breakdown" in response.get_data(as_text=True)


def test_every_hidden_cell_says_why_without_saying_which_reason(released, lead):
    html = page(lead, granularity="month", department="critical-care", breakdown="category")
    hidden = re.findall(r'<span class="hidden-cell"([^>]*)>hidden for anonymity</span>', html)
    in_tables = [h for h in hidden if "title=" in h]
    assert len(in_tables) >= 3
    why = why_hidden(5).replace("'", "&#39;")
    assert all(f'title="{why}"' in h for h in in_tables), "one text for every hidden cell"
    rows = export(lead, granularity="month", department="critical-care", breakdown="category")
    assert {r["why_hidden"] for r in rows if r["hidden"] == "yes"} == {why_hidden(5)}


def test_indicators_follow_the_kind_filter(released, lead):
    html = page(lead, kind="near-miss")
    assert "Near-misses reported, 2026-09" in html
    assert "Moral distress reported" not in html
    html = page(lead, kind="moral-distress")
    assert "Near-misses reported" not in html
    assert "Moral distress reported, 2026-09" in html


def test_a_change_is_tested_on_published_counts(released, lead):
    html = page(lead, kind="near-miss", department="critical-care")
    # 14 in August and 14 in September, both published: no change, and said so.
    verdict = change_verdict(14, 14, 125, 125).describe()
    assert f"+0 (+0%) from 14: {verdict}" in html
    assert "within chance" in verdict


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 400), st.integers(0, 400), st.integers(1, 500), st.integers(1, 500))
def test_the_exact_test_agrees_with_scipy(now, before, staff_now, staff_before):
    mine = change_verdict(now, before, staff_now, staff_before)
    if now + before == 0:
        assert mine.p_value == 1.0
        return
    share = staff_now / (staff_now + staff_before)
    theirs = binomtest(now, now + before, share).pvalue
    assert mine.p_value == pytest.approx(theirs, rel=1e-6, abs=1e-12)
    assert mine.significant == (theirs < 0.05) or abs(theirs - 0.05) < 1e-9


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 300), st.integers(0, 300), st.integers(0, 300), st.integers(0, 300))
def test_the_share_test_is_fishers_exact_test(part_now, rest_now, part_before, rest_before):
    """The high-distress share's change: Fisher's exact test on the published counts."""
    mine = share_change_verdict(
        part_now, part_now + rest_now, part_before, part_before + rest_before
    )
    if part_now + part_before == 0 or rest_now + rest_before == 0:
        assert mine == Verdict(1.0, False)
        return
    _, theirs = fisher_exact([[part_now, rest_now], [part_before, rest_before]])
    assert mine.p_value == pytest.approx(theirs, rel=1e-6, abs=1e-12)
    assert mine.significant == (theirs < 0.05) or abs(theirs - 0.05) < 1e-9


def test_a_partly_released_year_is_flagged_and_not_compared():
    released = ReleasedCells(
        latest="2025-12",
        threshold=5,
        values={},
        periods={},
        headcounts={
            m: {} for m in ("2024-11", "2024-12", *(f"2025-{i:02d}" for i in range(1, 13)))
        },
    )
    assert coverage.coverage(released, "2024").partial
    assert coverage.coverage(released, "2024").describe() == "2 of 12 months released"
    assert not coverage.coverage(released, "2025").partial
    assert coverage.coverage(released, "2024-Q4").describe() == "2 of 3 months released"
    assert not coverage.coverage(released, "2025-Q1").partial


def test_a_department_declares_staff_only_when_every_unit_does():
    def unit(slug, department, headcount):
        return Unit(slug, slug, department, headcount)

    taxonomy = Taxonomy(
        categories={},
        departments={"a": None, "b": None},
        units={
            "a1": unit("a1", "a", 10),
            "a2": unit("a2", "a", 4),
            "b1": unit("b1", "b", 30),
            "b2": unit("b2", "b", None),
        },
    )
    units = {"unit:a1": 10, "unit:b1": 30}  # a2 is under the minimum headcount (5)
    assert declared_headcounts(taxonomy) == {"a": 14, **units}, "b misses a unit: no total"
    taxonomy.units["b2"] = unit("b2", "b", 5)
    assert declared_headcounts(taxonomy) == {"a": 14, "b": 35, "*": 49, **units, "unit:b2": 5}


def test_a_release_built_before_headcounts_shows_rates_as_not_available(released, lead):
    page(lead)  # builds the releases
    with released.app_context(), database.connection_context():
        for release in Release.select():
            mapping = json.loads(release.mapping)
            mapping.pop("headcounts")
            Release.update(mapping=json.dumps(mapping)).where(
                Release.month == release.month
            ).execute()
    from reporting.web.services import services

    with released.app_context():
        services().release_index._cells = None  # the next request reloads the releases
    totals = table_html(page(lead), "department-totals")
    assert [_text(c) for c in row_cells(totals, "Critical care")][3:] == [
        "not available",
        "not available",
    ]


VIEWS_WITH_RATES = [
    {},
    {"granularity": "month"},
    {"granularity": "month", "kind": "near-miss", "department": "critical-care"},
    {"granularity": "quarter", "breakdown": "category"},
    {"granularity": "year"},
]


def test_rates_and_tests_of_change_are_functions_of_published_counts_only(released, lead):
    """Everything the views show, rates per 100 staff and tests of change included, comes
    from the releases: once they are built, more reports in the same months (rows no release
    counted) change nothing on any view or in the CSV."""
    from helpers import add_reports

    def views():
        # The page's CSRF token is signed with the time: the one part that may differ.
        return [
            (re.sub(r'name="csrf_token" value="[^"]*"', "", page(lead, **v)), export(lead, **v))
            for v in VIEWS_WITH_RATES
        ]

    before = views()
    assert "per 100 staff" in before[0][0] and "within chance" in before[2][0]
    with released.app_context(), database.connection_context():
        stored = Report.select().count()
        for month in ("2026-07", "2026-08", "2026-09"):
            add_reports(month, "icu", "near-miss", "medication", 40)
            add_reports(month, "hdu", "moral-distress", "unsafe-staffing", 3, role="medical")
        assert Report.select().count() == stored + 129
    after = views()
    assert after == before
