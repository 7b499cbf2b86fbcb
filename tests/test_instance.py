"""`reporting init`, start-up checks, and what the storage layer promises."""

import json
import stat

import pytest

from reporting.config import ConfigError
from reporting.db import database, open_database
from reporting.models import Report
from reporting.ops.instance import InitError, initialise
from reporting.schema import LATEST, SchemaOutOfDate, current_version
from reporting.taxonomy import TaxonomyError
from reporting.web import create_app


def test_init_creates_secrets_taxonomy_schema_and_keys(
    instance_dir, recovery_key_file, database_url
):
    db = open_database(database_url, str(instance_dir))
    result = initialise(str(instance_dir), db, str(recovery_key_file))
    assert (instance_dir / "secrets.json").exists() and (instance_dir / "taxonomy.toml").exists()
    assert stat.S_IMODE((instance_dir / "secrets.json").stat().st_mode) == 0o600
    assert stat.S_IMODE(recovery_key_file.stat().st_mode) == 0o600
    assert result.recovery_key_path == str(recovery_key_file)
    assert (result.schema_before, result.schema_after) == (0, LATEST)
    secrets_before = (instance_dir / "secrets.json").read_text()

    again = initialise(str(instance_dir), db, str(recovery_key_file))
    assert again.created == () and again.recovery_key_path is None
    assert (again.schema_before, again.schema_after) == (LATEST, LATEST)
    assert (instance_dir / "secrets.json").read_text() == secrets_before
    with db.connection_context():
        assert current_version(db) == LATEST


def test_init_refuses_a_recovery_key_inside_the_instance_folder(instance_dir, tmp_path):
    db = open_database(None, str(instance_dir))
    with pytest.raises(InitError, match="inside the instance folder"):
        initialise(str(instance_dir), db, str(instance_dir / "sub" / "key.txt"))
    assert not (instance_dir / "secrets.json").exists()  # nothing was changed


def test_init_never_overwrites_an_existing_recovery_key(instance_dir, recovery_key_file):
    recovery_key_file.parent.mkdir(parents=True)
    recovery_key_file.write_text("an older key")
    with pytest.raises(InitError, match="already exists"):
        initialise(
            str(instance_dir), open_database(None, str(instance_dir)), str(recovery_key_file)
        )
    assert recovery_key_file.read_text() == "an older key"
    # Refused before anything is made: no half-made instance for the next attempt to trip on.
    assert not (instance_dir / "secrets.json").exists()
    assert not (instance_dir / "taxonomy.toml").exists()
    db = open_database(None, str(instance_dir))
    with db.connection_context():
        assert not db.get_tables()
    other = recovery_key_file.parent / "second-key.txt"
    initialise(str(instance_dir), open_database(None, str(instance_dir)), str(other))
    assert other.exists() and (instance_dir / "secrets.json").exists()


def test_cli_init_command(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from reporting.ops.commands import main

    instance = tmp_path / "inst"
    monkeypatch.setenv("REPORTING_INSTANCE_PATH", str(instance))
    runner = CliRunner()
    result = runner.invoke(main, ["init", "--recovery-key-out", str(tmp_path / "rk.txt")])
    assert result.exit_code == 0, result.output
    assert "recovery key written to" in result.output
    assert (tmp_path / "rk.txt").read_text().startswith("# reporting recovery key v1")
    refused = runner.invoke(main, ["init", "--recovery-key-out", str(instance / "rk.txt")])
    assert refused.exit_code != 0 and "inside the instance folder" in refused.output
    database.obj.close_all()


def test_serving_refuses_an_uninitialised_instance(instance_dir):
    with pytest.raises(ConfigError, match="reporting init"):
        create_app({}, serving=True)


def test_start_up_names_the_bad_taxonomy_entry_and_line(make_app, initialised):
    path = initialised / "taxonomy.toml"
    path.write_text(path.read_text().replace('department = "surgery"', 'department = "surgry"', 1))
    with pytest.raises(TaxonomyError, match=r"line \d+: units\[5\]: department 'surgry'"):
        make_app()


def test_start_up_refuses_an_old_schema(make_app, database_url, initialised):
    db = open_database(database_url, str(initialised))
    with db.connection_context():
        db.execute_sql("UPDATE schema_version SET version = 0")
    with pytest.raises(SchemaOutOfDate, match="run `reporting init`"):
        make_app()


def test_config_layers_instance_file_then_environment_then_tests(
    initialised, make_app, monkeypatch
):
    (initialised / "config.py").write_text('TIMEZONE = "Europe/Paris"\nSITE_NAME = "From file"\n')
    monkeypatch.setenv("REPORTING_SITE_NAME", "From env")
    monkeypatch.setenv("REPORTING_MAX_NARRATIVE_CHARS", "5000")
    app = make_app()
    assert app.config["TIMEZONE"] == "Europe/Paris"
    assert app.config["SITE_NAME"] == "From env"
    assert app.config["MAX_NARRATIVE_CHARS"] == 5000
    assert make_app(SITE_NAME="From test").config["SITE_NAME"] == "From test"


def test_secrets_come_from_the_instance_folder(app, initialised):
    secrets = json.loads((initialised / "secrets.json").read_text())
    assert app.config["SECRET_KEY"] == secrets["SECRET_KEY"]
    assert app.config["RECEIPT_PEPPER"] == secrets["RECEIPT_PEPPER"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_is_wal_with_foreign_keys_and_reports_without_rowid(app):
    with database.connection_context():
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert database.execute_sql("PRAGMA secure_delete").fetchone()[0] == 1
        sql = database.execute_sql(
            "SELECT sql FROM sqlite_master WHERE name = ?", (Report._meta.table_name,)
        ).fetchone()[0]
    assert "WITHOUT ROWID" in sql


def test_report_period_column_holds_a_month_only(app):
    columns = {c.name: c for c in database.get_columns(Report._meta.table_name)}
    assert columns["period"].data_type.lower().startswith(("varchar", "character varying"))
    assert not {"created", "created_at", "filed_at", "timestamp"} & set(columns)


@pytest.mark.parametrize("command", [["reporting"], ["flask", "--app", "reporting"]])
def test_both_command_lines_initialise_a_fresh_folder(tmp_path, command):
    import os
    import subprocess
    import sys
    from pathlib import Path

    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "REPORTING_INSTANCE_PATH": str(tmp_path / "inst")}
    done = subprocess.run(
        [
            str(bin_dir / command[0]),
            *command[1:],
            "init",
            "--recovery-key-out",
            str(tmp_path / "k"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "inst" / "reporting.db").exists() and (tmp_path / "k").exists()


def test_upgrade_from_schema_two_adds_release_columns_and_index(initialised, database_url):
    from reporting.db import bind
    from reporting.schema import upgrade

    db = open_database(database_url, str(initialised))
    bind(db)
    with db.connection_context():
        db.execute_sql('ALTER TABLE "release" DROP COLUMN month_cells')
        db.execute_sql("DROP INDEX report_release_leaves")
        db.execute_sql("UPDATE schema_version SET version = 2")
    assert upgrade(db) == (2, LATEST)
    with db.connection_context():
        assert "month_cells" in {c.name for c in db.get_columns("release")}
        assert "report_release_leaves" in {i.name for i in db.get_indexes("report")}
    assert upgrade(db) == (LATEST, LATEST)


def test_schema_11_drops_the_report_indexes_that_wider_ones_lead(app, database_url):
    """A filing writes a page of every index; period and review group lead wider ones."""
    from reporting import schema

    redundant = {"report_period", "report_review_group_id", "report_period_kind_category_unit"}
    with database.connection_context():
        assert not redundant & {i.name for i in database.get_indexes("report")}
        # A database from before: the two indexes, schema 10; `reporting init` upgrades it.
        database.execute_sql('CREATE INDEX "report_period" ON "report" ("period")')
        database.execute_sql(
            'CREATE INDEX "report_review_group_id" ON "report" ("review_group_id")'
        )
        database.execute_sql(
            'CREATE INDEX "report_period_kind_category_unit" '
            'ON "report" ("period", "kind", "category", "unit")'
        )
        database.execute_sql("UPDATE schema_version SET version = 10")
    assert schema.upgrade(database.obj) == (10, LATEST)
    with database.connection_context():
        left = {i.name for i in database.get_indexes("report")}
        assert not redundant & left
        assert {"report_release_leaves", "report_inbox"} <= left
        if database_url is None:  # the two columns' lookups still go through an index
            for where in ("period = '2026-01'", "review_group_id = 'default'"):
                plan = database.execute_sql(
                    f"EXPLAIN QUERY PLAN SELECT COUNT(*) FROM report WHERE {where}"  # noqa: S608
                ).fetchall()
                assert any("INDEX" in str(step[-1]) for step in plan), plan
