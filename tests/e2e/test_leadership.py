"""Leadership's dashboard in a real browser: charts drawn, granularity, a filter, the CSV."""

from __future__ import annotations

import csv
import re

import pytest

from reporting.web.dashboard import CSV_COLUMNS

from .browsing import screenshot
from .steps import log_in

pytestmark = pytest.mark.e2e

# True when some pixel of the canvas is not transparent: Chart.js drew something on it.
CANVAS_DRAWN = """canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) return true; }
  return false;
}"""


def leader_page(browse, hospital, **options):
    page = browse(hospital, **options)
    log_in(page, hospital.accounts["leader"])
    assert page.url.endswith("/dashboard"), page.url
    return page


def column_heads(page, table_id: str) -> list[str]:
    """The period heads of a table (text content: the chart's table is folded away)."""
    heads = page.locator(f"#{table_id} thead th.num").all_text_contents()
    return [re.sub(r"partial: .*", "", h).strip() for h in heads]  # without a partial's note


def test_dashboard_draws_charts_switches_granularity_and_filters(browse, hospital):
    page = leader_page(browse, hospital)
    canvases = page.locator("figure.chart canvas")
    canvases.first.wait_for()
    assert canvases.count() == 4  # per kind: by category and by department
    for canvas in canvases.all():
        assert canvas.evaluate(CANVAS_DRAWN), "a chart's canvas is blank"
        assert "table below" in canvas.get_attribute("aria-label")
    months = column_heads(page, "over-time-near-miss-table")
    assert months and all(re.fullmatch(r"\d{4}-\d{2}", h) for h in months), months
    screenshot(page, "dashboard")

    page.get_by_label("Periods").select_option(label="Quarters")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"granularity=quarter"))
    heads = column_heads(page, "over-time-near-miss-table")
    assert heads and all(re.fullmatch(r"\d{4}-Q[1-4]", h) for h in heads), heads
    page.locator("figure.chart canvas").first.wait_for()
    screenshot(page, "dashboard-quarters")

    page.get_by_label("Kind").select_option(label="Near-miss")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"kind=near-miss"))
    assert page.locator("figure.chart canvas").count() == 2
    titles = page.locator("section.chart-section h2").all_inner_texts()
    assert titles == [
        "Near-miss reports over time",
        "Near-miss reports by department over time",
    ], titles
    assert page.locator("#over-time-moral-distress-table").count() == 0
    screenshot(page, "dashboard-near-miss")


def test_csv_download_is_what_the_dashboard_shows(browse, hospital):
    page = leader_page(browse, hospital)
    page.get_by_label("Periods").select_option(label="Quarters")
    page.get_by_label("Kind").select_option(label="Near-miss")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"kind=near-miss"))
    quarters = column_heads(page, "over-time-near-miss-table")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert re.fullmatch(r"trends-quarter-\d{4}-Q[1-4]\.csv", download.suggested_filename)
    with open(download.path(), newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    records = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert records, "the CSV holds no cell"
    assert {r["hidden"] for r in records} <= {"yes", "no"}
    assert {r["hidden"] for r in records} == {"yes", "no"}, "demo data has both kinds of cell"
    rates = [r for r in records if r["measure"] != "reports"]
    assert {r["measure"] for r in rates} == {"staff", "reports per 100 staff"}
    records = [r for r in records if r not in rates]
    for record in records:
        if record["hidden"] == "yes":
            assert record["count"] == "", record
        else:
            assert int(record["count"]) >= 5, record  # k: nothing under it is published
    assert {r["kind"] for r in records} <= {"near-miss", "Near-miss", ""}
    over_time = [r for r in records if r["period"] in quarters]
    assert {r["period"] for r in over_time} == set(quarters)
    assert {r["period"] for r in records} <= set(quarters)


def test_dashboard_without_javascript_shows_every_number_as_a_table(browse, hospital):
    page = leader_page(browse, hospital, js=False)
    assert page.locator("canvas").count() == 0
    assert page.locator("#over-time-near-miss-table").is_visible()
    assert page.locator("details.chart-table[open]").count() == 4
