"""The leadership dashboard: roles, hidden cells, indicators, filters, CSV and a strict page."""

from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from conftest import Reporter, csrf_token
from helpers import add_reports

from reporting import accounts
from reporting.db import close_all, database
from reporting.releases.dashboard import why_hidden
from reporting.web.dashboard import spreadsheet_safe

PASSWORD = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
FORMULA_DEPARTMENT = "=HYPERLINK(evil)"
NARRATIVE = "Zebrafish wallpaper quietly overflowed the xylophone cupboard again."


@pytest.fixture
def formula_taxonomy(initialised):
    """The example taxonomy with a department whose name looks like a spreadsheet formula."""
    path = initialised / "taxonomy.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('name = "Surgery"', f'name = "{FORMULA_DEPARTMENT}"', 1)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def app(make_app, formula_taxonomy):
    app = make_app()
    with app.app_context(), database.connection_context():
        accounts.create_user("lead", PASSWORD, ["leadership"], hasher=FAST)
        accounts.create_user("rev", PASSWORD, ["reviewer"], hasher=FAST)
    yield app
    close_all(database.obj)


def log_in(client, username):
    page = client.get("/login").get_data(as_text=True)
    return client.post(
        "/login",
        data={"csrf_token": csrf_token(page), "username": username, "password": PASSWORD},
    )


@pytest.fixture
def lead(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"127.{secrets.randbelow(250)}.{secrets.randbelow(250)}.8"
    assert log_in(client, "lead").status_code == 302
    return client


def page(client, **params) -> str:
    response = client.get("/dashboard", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def table_html(html: str, table_id: str) -> str:
    match = re.search(rf'<table[^>]*id="{table_id}-table".*?</table>', html, re.S)
    assert match, f"no table {table_id}"
    return match.group(0)


def row_cells(table: str, label: str) -> list[str]:
    match = re.search(rf"<tr[^>]*><th scope=\"row\">{re.escape(label)}.*?</tr>", table, re.S)
    assert match, f"no row {label}"
    return re.findall(r"<td class=\"num[^\"]*\">(.*?)</td>", match.group(0), re.S)


def export(client, **params) -> list[dict[str, str]]:
    response = client.get("/dashboard/export.csv", query_string=params)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_anonymous_visitors_go_to_login(client):
    for path in ("/dashboard", "/dashboard/export.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_reviewer_without_leadership_role_gets_403(app):
    client = app.test_client()
    assert log_in(client, "rev").status_code == 302
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/export.csv").status_code == 403


def test_leadership_sees_explanation_footnote_and_header_link(released, lead):
    html = page(lead)
    assert "Some numbers are hidden so that nobody can be identified." in html
    assert "A hidden number can be large: it may be hidden to protect another one." in html
    assert "Totals include hidden cells" in html
    assert 'href="/dashboard">Trends dashboard</a>' in html
    # "Fewer than k" appears only inside the either-or explanation of issue 13, never as
    # what a cell is: a cell hidden to protect another can be large.
    why = why_hidden(5)
    assert "either fewer than 5 reports, or hidden so that another" in why
    assert html.count(why) >= 1
    assert "fewer than" not in html.replace(why, "").lower()


def test_before_any_release_the_page_says_nothing_is_released(app, lead):
    html = page(lead)
    assert "Nothing released yet" in html
    assert "Download CSV" not in html


def test_small_cell_is_shown_as_hidden_never_as_its_number(released, lead):
    html = page(
        lead,
        granularity="month",
        kind="near-miss",
        department="critical-care",
        breakdown="category",
    )
    over_time = table_html(html, "over-time-near-miss")
    medication = row_cells(over_time, "Medication or other substance")
    assert len(medication) == 3
    assert all(
        "hidden for anonymity" in c
        and "2" not in re.sub(r"<[^>]+>", "", c).replace("hidden for anonymity", "")
        for c in medication
    )
    units = table_html(html, "by-unit-near-miss")
    icu_medication = row_cells(units, "Medication or other substance")
    assert all(not re.search(r"\d", re.sub(r"<[^>]+>", "", c)) for c in icu_medication[:-1])

    rows = export(
        lead,
        granularity="month",
        kind="near-miss",
        department="critical-care",
        breakdown="category",
    )
    medication_rows = [r for r in rows if r["category"] == "Medication or other substance"]
    assert medication_rows and all(
        r["count"] == "" and r["hidden"] == "yes" for r in medication_rows
    )
    assert not any("2" in value for r in medication_rows for k, value in r.items() if k == "count")
    totals = [r for r in rows if r["category"] == "All" and r["organisation"] == "Critical care"]
    # Where the total is published, it is the truth (12 falls + the hidden 2), never less.
    assert totals and all(r["count"] in ("", "14") for r in totals)


def test_chart_data_has_null_for_hidden_cells(released, lead):
    html = page(
        lead,
        granularity="month",
        kind="near-miss",
        department="critical-care",
        breakdown="category",
    )
    match = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S)
    assert match
    import json

    data = json.loads(match.group(1))
    (chart,) = data["charts"]
    series = {s["label"]: s["values"] for s in chart["series"]}
    assert series["Medication or other substance"] == [None, None, None]
    assert series["Fall"] == [None, None, None]  # hidden to protect the 2 (total 14 is shown)
    assert all(v is None or v >= 5 for values in series.values() for v in values)


def test_csv_has_flag_column_blanks_and_formula_escaping(released, lead):
    rows = export(lead, granularity="quarter")
    assert list(rows[0]) == [
        "table",
        "period",
        "organisation",
        "kind",
        "category",
        "role",
        "severity",
        "measure",
        "count",
        "hidden",
        "why_hidden",
    ]
    assert {r["hidden"] for r in rows} == {"yes", "no"}
    assert all((r["why_hidden"] == why_hidden(5)) == (r["hidden"] == "yes") for r in rows)
    rates = [r for r in rows if r["measure"] != "reports"]
    assert rates and all(r["hidden"] == "no" for r in rates)
    rows = [r for r in rows if r not in rates]
    assert all((r["count"] == "") == (r["hidden"] == "yes") for r in rows)
    assert all(r["count"] == "" or int(r["count"]) >= 5 for r in rows)
    organisations = {r["organisation"] for r in rows}
    assert "'" + FORMULA_DEPARTMENT in organisations
    assert FORMULA_DEPARTMENT not in organisations
    surgery = [r for r in rows if r["organisation"] == "'" + FORMULA_DEPARTMENT]
    assert surgery and all(
        r["count"] == ""
        or (r["category"] == "Medication or other substance" and r["count"] == "27")
        or r["category"] != "Medication or other substance"
        for r in surgery
    )
    assert any(r["count"] == "27" for r in rows)  # theatres' quarter of 3 x 9 is published


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Surgery", "Surgery"),
        ("2026-Q3", "2026-Q3"),
    ],
)
def test_spreadsheet_safe_quotes_formula_starts(text, expected):
    assert spreadsheet_safe(text) == expected


def indicator_block(html: str, title_start: str) -> str:
    match = re.search(rf"<h3>{re.escape(title_start)}.*?</div>", html, re.S)
    assert match, f"no indicator {title_start}"
    return match.group(0)


def test_indicators_are_not_available_when_an_input_is_hidden(released, lead):
    html = page(lead, granularity="month")
    share = indicator_block(html, "Moral distress reported as high severity")
    assert "not available (hidden for anonymity)" in share  # no high-severity reports: hidden
    volume = indicator_block(html, "Near-misses reported, 2026-09")
    assert re.search(r'class="indicator-value">\s*23\s*<', volume)  # 12 + 2 + 9
    assert "2026-08" in volume and "+0 (+0%) from 23" in volume
    assert "not available (that period is not released)" in volume  # a year earlier


def test_indicators_compute_from_published_numbers(app, clock, lead):
    for month, high in (("2026-08", 6), ("2026-09", 10)):
        add_reports(month, "icu", "near-miss", "fall", 20 if month == "2026-09" else 16)
        add_reports(month, "hdu", "moral-distress", "unsafe-staffing", high, severity="high")
        add_reports(month, "hdu", "moral-distress", "unsafe-staffing", 10, severity="low")
    clock.now = datetime(2026, 10, 5, 12, tzinfo=UTC)
    html = page(lead, granularity="month")
    volume = indicator_block(html, "Near-misses reported, 2026-09")
    assert re.search(r'class="indicator-value">\s*20\s*<', volume)
    assert "+4 (+25%) from 16" in volume
    share = indicator_block(html, "Moral distress reported as high severity, 2026-09")
    assert re.search(r'class="indicator-value">\s*50%\s*<', share)  # 10 of 20
    assert "+12 percentage points from 38%" in share  # 6 of 16 in August
    assert "within chance" in share  # 10 of 20 against 6 of 16: Fisher's p = 0.51


def test_granularity_switch_and_filters(released, lead):
    html = page(lead, granularity="quarter")
    assert '<option value="2026-Q3" selected>' in html
    assert re.search(r'<th scope="col" class="num">2026-Q3</th>', html)
    assert "Moral distress reports over time" in html
    html = page(lead, granularity="quarter", since="2026-07", until="2026-09")  # labels dropped
    assert '<option value="2026-Q3" selected>' in html
    html = page(lead, granularity="year")
    assert "No whole year has been released yet" in html
    html = page(lead, granularity="month", since="2026-08", until="2026-08", kind="near-miss")
    over_time = table_html(html, "over-time-near-miss")
    assert "2026-08" in over_time and "2026-07" not in over_time and "2026-09" not in over_time
    assert "Moral distress reports over time" not in html
    html = page(lead, kind="near-miss", department="critical-care")
    assert "by-unit-near-miss-table" not in html, "unit detail is asked for, not the default"
    html = page(lead, kind="near-miss", department="critical-care", breakdown="category")
    assert "by-unit-near-miss-table" in html and "Intensive care unit" in html
    rows = export(lead, kind="near-miss", department="critical-care")
    assert {r["kind"] for r in rows} == {"Near-miss"}


@pytest.mark.parametrize(
    "params",
    [
        {"granularity": "week"},
        {"kind": "other"},
        {"department": "nowhere"},
        {"colour": "red"},
        {"kind": ["near-miss", "moral-distress"]},
    ],
)
def test_values_off_the_surface_get_400(released, lead, params):
    assert lead.get("/dashboard", query_string=params).status_code == 400
    assert lead.get("/dashboard/export.csv", query_string=params).status_code == 400


def test_narratives_never_appear(released, app, clock, lead):
    clock.now = datetime(2026, 9, 10, 12, tzinfo=UTC)
    reporter = Reporter(app.test_client())
    details = reporter.details(
        "near-miss", category="fall", unit="icu", narrative=NARRATIVE
    ).get_data(as_text=True)
    filed = reporter.step(details, "submit")
    assert filed.status_code == 200
    clock.now = datetime(2026, 10, 5, 12, tzinfo=UTC)
    html = page(lead) + page(lead, granularity="quarter", department="critical-care")
    body = "".join(r["table"] + r["category"] for r in export(lead))
    for word in ("Zebrafish", "xylophone", "cupboard"):
        assert word not in html and word not in body


def test_page_has_no_inline_script_or_style(released, lead):
    html = page(lead)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'type="application/json"' in tag or "src=" in tag, tag
    assert not re.search(r"<script\b(?![^>]*(src=|application/json))", html)
    assert "style=" not in html and "<style" not in html
    assert not re.search(r"<[^>]+\son\w+\s*=", html)  # no inline event handlers


def test_no_inline_script_or_style_before_any_release(app, lead):
    html = page(lead)
    assert "style=" not in html and "<script" not in html
