"""`reporting import`: history goes in whole or not at all, scrubbed and sealed like live ones."""

from __future__ import annotations

import json
import re
import secrets

import pytest
from helpers import narratives_opened_with, report_count, stored_reports

from reporting import submissions
from reporting.db import database
from reporting.models import Report


def jsonl(*lines) -> bytes:
    return b"".join(
        (line if isinstance(line, bytes) else json.dumps(line).encode("utf-8")) + b"\n"
        for line in lines
    )


def run_import(runner, tmp_path, data: bytes):
    path = tmp_path / f"history-{secrets.token_hex(4)}.jsonl"
    path.write_bytes(data)
    return runner.invoke(args=["import", str(path)])


GOOD = [
    {
        "period": "2025-01",
        "kind": "near-miss",
        "category": "fall",
        "unit": "icu",
        "role": "nursing",
        "potential_harm": "moderate",
        "stopped_by": "staff",
    },
    {
        "period": "2025-01",
        "kind": "moral-distress",
        "category": "unsafe-staffing",
        "unit": "department:medicine",
        "intensity": 8,
        "distress_type": "constraint",
        "narrative": "Dr Patel asked us to cover two bays again; call me on 07700 900123.",
    },
    {"period": "2025-02", "kind": "near-miss", "category": "medication"},
]


def test_good_file_imports_with_counts_per_period_and_sealed_narratives(
    runner, tmp_path, recovery_key_file
):
    result = run_import(runner, tmp_path, jsonl(*GOOD))
    assert result.exit_code == 0, result.output
    assert "2025-01: 2 report(s)" in result.output
    assert "2025-02: 1 report(s)" in result.output
    assert "imported 3 report(s) in 2 period(s)" in result.output
    assert not re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", result.output)

    rows = {(r.period, r.category): r for r in stored_reports()}
    assert set(rows) == {
        ("2025-01", "fall"),
        ("2025-01", "unsafe-staffing"),
        ("2025-02", "medication"),
    }
    assert rows[("2025-01", "fall")].severity == "moderate"
    assert rows[("2025-01", "unsafe-staffing")].severity == "high"
    assert rows[("2025-02", "medication")].unit == "not-given"
    sealed = rows[("2025-01", "unsafe-staffing")].narrative
    assert sealed and b"Patel" not in sealed

    opened = narratives_opened_with(recovery_key_file)
    text = opened[rows[("2025-01", "unsafe-staffing")].id]
    assert "cover two bays" in text
    assert "Patel" not in text and "07700" not in text
    assert opened[rows[("2025-01", "fall")].id] == ""


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"kind": "near-miss", "category": "fall"}, "period"),
        ({"period": "2025-13", "kind": "near-miss", "category": "fall"}, "period"),
        ({"period": 202501, "kind": "near-miss", "category": "fall"}, "period"),
        ({"period": "2025-01", "kind": "complaint", "category": "fall"}, "kind"),
        ({"period": "2025-01", "kind": "near-miss", "category": "unsafe-staffing"}, "category"),
        ({"period": "2025-01", "kind": "near-miss", "category": "fall", "unit": "ward-99"}, "unit"),
        ({"period": "2025-01", "kind": "near-miss", "category": "fall", "role": "boss"}, "role"),
        (
            {"period": "2025-01", "kind": "moral-distress", "category": "other", "intensity": 11},
            "intensity",
        ),
        (
            {"period": "2025-01", "kind": "near-miss", "category": "fall", "intensity": 3},
            "intensity",
        ),
        (
            {"period": "2025-01", "kind": "near-miss", "category": "fall", "potential_harm": "bad"},
            "potential_harm",
        ),
        (
            {
                "period": "2025-01",
                "kind": "near-miss",
                "category": "fall",
                "narrative": "x" * 10_001,
            },
            "narrative",
        ),
        ({"period": "2025-01", "kind": "near-miss", "category": "fall", "receipt": "A"}, "receipt"),
        ({"period": "2025-01", "kind": "near-miss", "category": "fall", "keep": ["x"]}, "keep"),
    ],
)
def test_each_bad_field_is_named_with_its_line_and_nothing_is_stored(runner, tmp_path, line, field):
    result = run_import(runner, tmp_path, jsonl(GOOD[0], GOOD[2], line))
    assert result.exit_code == 1
    assert f"line 3, {field}:" in result.output
    assert "nothing was imported" in result.output
    assert report_count() == 0


def test_every_bad_line_is_reported_not_just_the_first(runner, tmp_path):
    data = jsonl(
        {"period": "2025-01", "kind": "near-miss", "category": "nope"},
        GOOD[0],
        b"",  # blank lines are skipped
        b"   ",
        b"[1, 2]",
        b"{not json",
        b'{"period": "2025-01", "kind": "near-miss", "category": "fall", "unit": "\xff"}',
        {"period": "2025-01", "kind": "near-miss", "category": "fall", "colour": "red"},
        b'"just a string"',
    )
    result = run_import(runner, tmp_path, data)
    assert result.exit_code == 1
    out = result.output
    assert "line 1, category:" in out
    assert "line 2" not in out and "line 3" not in out and "line 4" not in out
    assert "line 5: must be a JSON object, not an array" in out
    assert "line 6: not valid JSON" in out
    assert "line 7: not valid UTF-8" in out
    assert "line 8, colour: unknown field" in out
    assert "line 9: must be a JSON object, not a string" in out
    assert report_count() == 0


def test_the_listing_is_capped_with_a_count(runner, tmp_path):
    bad = {"period": "2025-01", "kind": "near-miss", "category": "nope"}
    result = run_import(runner, tmp_path, jsonl(*[bad] * 80))
    assert result.exit_code == 1
    assert "line 50, category" in result.output
    assert "line 51, category" not in result.output
    assert "... and 30 more problem(s)" in result.output
    assert "80 problem(s); nothing was imported" in result.output


def test_all_or_nothing_when_the_last_of_500_lines_is_bad(runner, tmp_path):
    lines = [dict(GOOD[i % 3]) for i in range(499)]
    lines.append({"period": "2025-03", "kind": "near-miss", "category": "fall", "unit": "nowhere"})
    result = run_import(runner, tmp_path, jsonl(*lines))
    assert result.exit_code == 1
    assert "line 500, unit: unknown unit 'nowhere'" in result.output
    assert report_count() == 0


def test_a_failure_while_filing_rolls_back_every_line(app, monkeypatch):
    from reporting import reports
    from reporting.ops import imports
    from reporting.web.services import services

    calls = []
    real = reports.file_report

    def failing(submission, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(submission, **kwargs)

    monkeypatch.setattr(reports, "file_report", failing)
    with app.app_context(), database.connection_context():
        found = services()
        with pytest.raises(RuntimeError):
            imports.import_reports(
                jsonl(*GOOD),
                found.taxonomy,
                scrubber=found.scrubber,
                pepper=found.pepper,
                clock=found.clock,
                timezone=found.timezone,
                max_narrative=10_000,
            )
    assert len(calls) == 3
    assert report_count() == 0


def test_a_future_period_is_refused(runner, tmp_path):
    # The test clock stands in November 2026 (Europe/London): November itself is accepted.
    result = run_import(
        runner,
        tmp_path,
        jsonl(
            {"period": "2026-11", "kind": "near-miss", "category": "fall"},
            {"period": "2026-12", "kind": "near-miss", "category": "fall"},
        ),
    )
    assert result.exit_code == 1
    assert "line 2, period: 2026-12 is in the future" in result.output
    assert "line 1" not in result.output
    assert report_count() == 0


def test_a_released_period_is_refused(runner, tmp_path):
    first = run_import(
        runner, tmp_path, jsonl({"period": "2026-09", "kind": "near-miss", "category": "fall"})
    )
    assert first.exit_code == 0, first.output
    released = runner.invoke(args=["release"])
    assert "released 2026-10" in released.output  # the clock stands in mid-November
    result = run_import(
        runner,
        tmp_path,
        jsonl(
            {"period": "2025-06", "kind": "near-miss", "category": "fall"},
            {"period": "2026-10", "kind": "near-miss", "category": "fall"},
            {"period": "2026-11", "kind": "near-miss", "category": "fall"},
        ),
    )
    assert result.exit_code == 1
    assert "line 1, period: 2025-06 is already covered by a release" in result.output
    assert "line 2, period: 2026-10 is already covered by a release" in result.output
    assert "line 3" not in result.output
    assert report_count() == 1


@pytest.fixture
def retired_taxonomy(initialised):
    path = initialised / "taxonomy.toml"
    text = path.read_text()
    text = text.replace('slug = "stroke-unit"\n', 'slug = "stroke-unit"\nretired = true\n')
    text += '\n[[categories]]\nkind = "near-miss"\nslug = "perinatal"\nretired = true\n'
    path.write_text(text)
    return initialised


def test_retired_units_and_categories_are_accepted_for_history(
    retired_taxonomy, make_app, tmp_path
):
    from reporting.web.services import services

    app = make_app()
    runner = app.test_cli_runner()
    data = jsonl(
        {"period": "2024-05", "kind": "near-miss", "category": "perinatal", "unit": "stroke-unit"}
    )
    result = run_import(runner, tmp_path, data)
    assert result.exit_code == 0, result.output
    (row,) = stored_reports()
    assert (row.unit, row.category, row.period) == ("stroke-unit", "perinatal", "2024-05")
    with app.app_context(), pytest.raises(submissions.InvalidSubmission) as refused:
        submissions.parse_submission(
            {"kind": "near-miss", "category": "perinatal", "unit": "stroke-unit"},
            services().taxonomy,
            max_narrative=100,
        )
    assert set(refused.value.fields) == {"category", "unit"}


def test_an_empty_file_imports_nothing(runner, tmp_path):
    result = run_import(runner, tmp_path, b"\n\n")
    assert result.exit_code == 0, result.output
    assert "imported 0 report(s)" in result.output
    with database.connection_context():
        assert Report.select().count() == 0
