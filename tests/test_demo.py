"""`reporting demo`: fills an empty instance (reports, releases, a login) and refuses any other."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from helpers import narratives_opened_with, report_count, stored_reports

from reporting import accounts, submissions
from reporting.db import database
from reporting.models import Release, User
from reporting.ops import demo
from reporting.ops.instance import EXAMPLE_TAXONOMY
from reporting.periods import months_ending
from reporting.taxonomy_file import parse_taxonomy

SMALL = ["demo", "--months", "3", "--scale", "0.3", "--seed", "7"]


def test_demo_taxonomy_is_a_valid_hospital_with_small_units():
    taxonomy = parse_taxonomy(demo.demo_taxonomy_text())
    assert len(taxonomy.departments) == 8
    assert 38 <= len(taxonomy.units) <= 45
    small = [u for u in taxonomy.units.values() if u.headcount < taxonomy.minimum_headcount]
    assert 3 <= len(small) <= 8
    assert max(u.headcount for u in taxonomy.units.values()) >= 100
    assert taxonomy.signposts


def test_demo_fills_releases_and_creates_a_leadership_login(
    make_app, initialised, clock, recovery_key_file
):
    app = make_app()
    result = app.test_cli_runner().invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "wrote the demo taxonomy" in out
    assert (initialised / "taxonomy.toml").read_text() == demo.demo_taxonomy_text()
    assert "http://127.0.0.1:5000/login" in out
    password = re.search(r"password: (\S+)", out).group(1)
    assert "username: leader" in out

    rows = stored_reports()
    assert rows and f"filed {len(rows)} synthetic reports" in out
    # The clock stands at 2026-11-14: the three closed months before it, all released.
    assert {r.period for r in rows} == {"2026-08", "2026-09", "2026-10"}
    with database.connection_context():
        assert [r.month for r in Release.select().order_by(Release.month)] == [
            "2026-08",
            "2026-09",
            "2026-10",
        ]
        user = accounts.authenticate("leader", password, clock())
        assert user.role_set == {"leadership"}
        assert user.password_hash.startswith("$argon2id$")
        assert User.select().count() == 1

    taxonomy = parse_taxonomy(demo.demo_taxonomy_text())
    for row in rows:  # every synthetic row would pass live validation
        fields = {
            name: getattr(row, name)
            for name in submissions.SUBMISSION_FIELDS
            if name != "narrative" and getattr(row, name) is not None
        }
        parsed = submissions.parse_submission(fields, taxonomy, max_narrative=10_000)
        assert parsed.severity == row.severity
    assert {r.unit for r in rows} >= {"not-given"}
    assert any(r.unit.startswith("department:") for r in rows)
    assert {r.kind for r in rows} == {"near-miss", "moral-distress"}

    sealed = [r for r in rows if r.narrative is not None]
    assert sealed
    opened = narratives_opened_with(recovery_key_file)
    for row in sealed:
        assert opened[row.id]
        assert opened[row.id].encode() not in row.narrative


def test_demo_is_deterministic_for_a_seed(initialised):
    taxonomy = parse_taxonomy(demo.demo_taxonomy_text())
    from reporting.privacy.deid import Scrubber

    periods = months_ending("2026-10", 3)
    volume = demo.Volume(months=3, scale=0.5, seed=11)
    first = list(demo.generate(taxonomy, periods, volume, Scrubber()))
    again = list(demo.generate(taxonomy, periods, volume, Scrubber()))
    other = list(demo.generate(taxonomy, periods, demo.Volume(3, 0.5, 12), Scrubber()))
    assert first == again
    assert first != other


def test_winter_and_the_rising_department_show_in_the_data():
    from reporting.privacy.deid import Scrubber

    taxonomy = parse_taxonomy(demo.demo_taxonomy_text())
    periods = months_ending("2026-10", 24)
    items = list(demo.generate(taxonomy, periods, demo.Volume(24, 1.0, 3), Scrubber()))

    def count(pred) -> int:
        return sum(1 for period, s in items if pred(period, s))

    def winter(p):
        return p[5:] in ("12", "01", "02")

    def summer(p):
        return p[5:] in ("06", "07", "08")

    falls_winter = count(lambda p, s: s.category == "fall" and winter(p))
    falls_summer = count(lambda p, s: s.category == "fall" and summer(p))
    assert falls_winter > 1.3 * falls_summer
    emergency = {u.slug for u in taxonomy.units_of("emergency")} | {"department:emergency"}

    def distress(months):
        return count(
            lambda p, s: s.kind == "moral-distress" and s.unit in emergency and p in months
        )

    assert distress(periods[-6:]) > 1.6 * distress(periods[:6])


def test_an_edited_taxonomy_is_kept(make_app, initialised):
    path = initialised / "taxonomy.toml"
    edited = EXAMPLE_TAXONOMY.replace('name = "Stroke unit"', 'name = "Hyperacute stroke unit"')
    path.write_text(edited)
    result = make_app().test_cli_runner().invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert "kept the existing taxonomy" in result.output
    assert path.read_text() == edited
    example = parse_taxonomy(edited)
    rows = stored_reports()
    units = {r.unit for r in rows if ":" not in r.unit and r.unit != "not-given"}
    departments = {r.unit.split(":")[1] for r in rows if r.unit.startswith("department:")}
    assert units and units <= set(example.units)
    assert departments and departments <= set(example.departments)


@pytest.mark.parametrize("what", ["report", "release", "user"])
def test_demo_refuses_a_non_empty_instance(make_app, initialised, clock, what):
    app = make_app()
    runner = app.test_cli_runner()
    with app.app_context(), database.connection_context():
        if what == "user":
            accounts.create_user("someone", "a long enough password", ["admin"])
        else:
            from test_trends_api import add_reports

            add_reports("2026-09", "icu", "near-miss", "fall", 3)
            if what == "release":
                from reporting.releases import builder
                from reporting.web.services import services

                clock.now = datetime(2026, 10, 10, tzinfo=UTC)
                found = services()
                builder.build_due(found.taxonomy, found.release_policy, clock)
                from reporting.models import Report

                Report.delete().execute()
    before = report_count()
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 1
    assert "the instance is not empty" in result.output
    assert report_count() == before
    assert (initialised / "taxonomy.toml").read_text() == EXAMPLE_TAXONOMY


def test_demo_releases_two_pulse_waves_with_one_department_improving(make_app, initialised):
    from reporting.models import PulseWave
    from reporting.releases.pulse_release import percent, released_cells

    app = make_app()
    result = app.test_cli_runner().invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert result.output.count("released pulse wave") == 2
    taxonomy = parse_taxonomy(demo.demo_taxonomy_text())
    improving = sorted(taxonomy.departments)[0]
    with database.connection_context():
        waves = list(PulseWave.select().order_by(PulseWave.opens))
        assert [w.status for w in waves] == ["released", "released"]
        shares = []
        for wave in waves:
            cells = released_cells(wave.id)
            key = (f"d:{improving}", "*", "psych-safety")
            shares.append(
                percent(*(cells[(*key, b)] for b in ("favourable", "neutral", "unfavourable")))
            )
    assert shares[0] is not None and shares[1] is not None
    assert shares[1] > shares[0] + 20, shares  # the intervention shows in published counts


def test_demo_prints_the_login_url_of_the_port_it_will_serve_on(make_app, initialised, monkeypatch):
    monkeypatch.setenv("REPORTING_BIND", "127.0.0.1:8123")
    result = make_app().test_cli_runner().invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert "URL:      http://127.0.0.1:8123/login" in result.output
