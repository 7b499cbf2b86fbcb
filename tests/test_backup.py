"""Backups and restores, on SQLite and on PostgreSQL.

The round trip files reports with narratives through the API, takes a backup while another
thread keeps filing, restores it into a fresh instance folder and a fresh database (on
PostgreSQL a new database, under a schema of another name than the source's), and opens
every narrative with the recovery key. Restores refuse a non-empty target, a damaged or
foreign archive, a newer schema and the other database kind, and change nothing when they
do. Manifests carry the retention expiry; `purge --backups-dir` lists expired backups.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import tarfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg2
import pytest
from conftest import PG_URL_ENV
from helpers import narratives_opened_with, report_count

from reporting import schema
from reporting.db import close_all, database
from reporting.models import SchemaVersion
from reporting.ops.backup import expired_backups, read_manifest
from reporting.review import retention
from reporting.web import create_app

FILING_SECONDS = 60  # a bound on the background filer, never reached when things work
NARRATIVE = "The {n}th infusion pump on the quillwort ward alarmed late; caught at handover."


def _file(client, n: int) -> str:
    response = client.post(
        "/api/v1/reports",
        json={
            "kind": "near-miss",
            "category": "medication",
            "unit": "icu",
            "narrative": NARRATIVE.format(n=n),
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["receipt"]


@contextlib.contextmanager
def fresh_pg_database(schema_name: str | None) -> Iterator[str]:
    """A new, empty PostgreSQL database (and schema), dropped afterwards: a new server."""
    base = urlparse(os.environ[PG_URL_ENV].split("?", 1)[0])
    name = "t_restore_" + secrets.token_hex(5)
    admin = psycopg2.connect(urlunparse(base))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    url = urlunparse(base._replace(path="/" + name))
    try:
        if schema_name:
            conn = psycopg2.connect(url)
            with conn, conn.cursor() as cur:
                cur.execute(f"CREATE SCHEMA {schema_name}")
            conn.close()
            url += f"?options=-csearch_path%3D{schema_name}"
        yield url
    finally:
        if database.obj is not None:
            close_all(database.obj)
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@contextlib.contextmanager
def restore_target(backend: str, tmp_path: Path, name: str, *, schema_name: str | None = "fresh"):
    """An empty instance folder and database for a restore: (instance path, database URL)."""
    folder = tmp_path / name
    if backend == "sqlite":
        yield folder, None
        return
    with fresh_pg_database(schema_name) as url:
        yield folder, url


def cli_app(instance: Path, url: str | None, clock, monkeypatch, **config):
    monkeypatch.setenv("REPORTING_INSTANCE_PATH", str(instance))
    settings = {"TESTING": True, "CLOCK": clock, "DATABASE_URL": url, **config}
    return create_app(settings, serving=False)


def invoke(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def wait_for(condition, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)  # polling interval only; the condition is what we wait for


def test_backup_while_filing_restores_with_narratives_readable(
    backend, make_app, recovery_key_file, clock, tmp_path, monkeypatch
):
    app = make_app(RATELIMIT_FILING="100000 per minute")
    client = app.test_client()
    before = [_file(client, n) for n in range(5)]

    stop = threading.Event()
    during: list[str] = []
    errors: list[BaseException] = []

    def keep_filing() -> None:
        other = app.test_client()
        deadline = time.monotonic() + FILING_SECONDS
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                during.append(_file(other, 100 + len(during)))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    filer = threading.Thread(target=keep_filing, daemon=True)
    filer.start()
    wait_for(lambda: len(during) >= 3 or errors, "filings from the other thread")
    archive = tmp_path / "backups" / "nightly.tar"
    archive.parent.mkdir()
    result = invoke(app, "backup", str(archive))
    filed_at_backup_end = len(during)
    wait_for(lambda: len(during) >= filed_at_backup_end + 2 or errors, "filing after the backup")
    stop.set()
    filer.join(timeout=30)
    assert not errors, errors
    assert result.exit_code == 0, result.output
    assert "destroy it by" in result.output
    assert archive.stat().st_mode & 0o777 == 0o600

    source = narratives_opened_with(recovery_key_file)
    assert len(source) == len(before) + len(during)
    receipt_before = before[0]
    close_all(database.obj)

    with restore_target(backend, tmp_path, "restored") as (instance, url):
        target = cli_app(instance, url, clock, monkeypatch)
        result = invoke(target, "restore", str(archive))
        assert result.exit_code == 0, result.output
        assert "restored the backup of 2026-11-14" in result.output
        restored = narratives_opened_with(recovery_key_file)
        # A consistent snapshot: everything filed before the backup, nothing half-written,
        # and every narrative is one the source holds, word for word.
        assert len(before) <= len(restored) <= len(source)
        assert all(source.get(rid) == text for rid, text in restored.items())
        assert sum(text.startswith("The 10") for text in restored.values()) >= 1
        assert {NARRATIVE.format(n=n) for n in range(5)} <= set(restored.values())
        for name in ("secrets.json", "taxonomy.toml", "reporting.db" if url is None else None):
            if name:
                assert (instance / name).stat().st_mode & 0o777 == 0o600, name
        assert instance.stat().st_mode & 0o777 == 0o700
        close_all(database.obj)

        # The restored instance serves: the old receipt (pepper restored) finds its report.
        monkeypatch.setenv("REPORTING_INSTANCE_PATH", str(instance))
        served = create_app({"TESTING": True, "CLOCK": clock, "DATABASE_URL": url}, serving=True)
        answer = served.test_client().post("/api/v1/follow-up", json={"receipt": receipt_before})
        assert answer.status_code == 200, answer.get_json()
        checked = invoke(served, "check")
        assert checked.exit_code == 0, checked.output
        assert "audit log: verified" in checked.output
        close_all(database.obj)


def test_restore_refuses_a_non_empty_target_and_changes_nothing(
    backend, make_app, database_url, clock, tmp_path, monkeypatch
):
    app = make_app()
    _file(app.test_client(), 1)
    archive = tmp_path / "b.tar"
    assert invoke(app, "backup", str(archive)).exit_code == 0

    # The live instance itself: its folder holds secrets and its database has tables.
    secrets_before = (Path(app.instance_path) / "secrets.json").read_bytes()
    result = invoke(app, "restore", str(archive))
    assert result.exit_code != 0
    assert "restore refused" in result.output and "empty instance" in result.output
    assert (Path(app.instance_path) / "secrets.json").read_bytes() == secrets_before
    assert report_count() == 1
    close_all(database.obj)

    # An empty folder but the live, non-empty database: refused before any file is written.
    folder = tmp_path / "new-instance"
    live_url = database_url or f"sqlite:///{Path(app.instance_path) / 'reporting.db'}"
    other = cli_app(folder, live_url, clock, monkeypatch)
    result = invoke(other, "restore", str(archive))
    assert result.exit_code != 0
    assert "is not empty" in result.output, result.output
    assert not (folder / "secrets.json").exists()
    assert report_count() == 1
    close_all(database.obj)


def _rewrite(archive: Path, out: Path, change) -> None:
    """Copy a backup archive, letting ``change(name, data)`` alter (or drop, None) a member."""
    with tarfile.open(archive) as source, tarfile.open(out, "w") as target:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())
            if data is None:
                continue
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))


def _newer_schema(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["schema_version"] = schema.LATEST + 1
    return json.dumps(manifest).encode()


def _flip_database_byte(name: str, data: bytes) -> bytes:
    if not name.startswith("database/"):
        return data
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def _extra_member(name: str, data: bytes) -> bytes:
    return data


BAD_ARCHIVES = {
    "not a tar file": ("not a backup made by `reporting backup`", None),
    "a foreign tar": ("no manifest.json", None),
    "one byte changed": ("does not match the checksum", _flip_database_byte),
    "a newer schema": ("newer than this code", _newer_schema),
    "no database": (
        "is missing",
        lambda name, data: None if name.startswith("database/") else data,
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ARCHIVES))
def test_a_damaged_or_foreign_archive_is_refused_clearly(
    case, backend, make_app, clock, tmp_path, monkeypatch
):
    app = make_app()
    _file(app.test_client(), 1)
    good = tmp_path / "good.tar"
    assert invoke(app, "backup", str(good)).exit_code == 0
    close_all(database.obj)
    expected, change = BAD_ARCHIVES[case]
    bad = tmp_path / "bad.tar"
    if case == "not a tar file":
        bad.write_bytes(secrets.token_bytes(3000))
    elif case == "a foreign tar":
        with tarfile.open(bad, "w") as tar:
            tar.add(good, arcname="something-else.db")
    else:
        _rewrite(good, bad, change)

    with restore_target(backend, tmp_path, "target") as (instance, url):
        target = cli_app(instance, url, clock, monkeypatch)
        result = invoke(target, "restore", str(bad))
        assert result.exit_code != 0
        assert "restore refused" in result.output and expected in result.output, result.output
        assert not (instance / "secrets.json").exists()
        assert not (instance / "taxonomy.toml").exists()
        leftovers = [p.name for p in instance.glob("*")] if instance.exists() else []
        assert not [name for name in leftovers if name.startswith(".reporting-backup")]
        # The good archive still restores into the same target: nothing was half-done.
        result = invoke(target, "restore", str(good))
        assert result.exit_code == 0, result.output
        close_all(database.obj)


def test_restore_refuses_the_other_database_kind(backend, make_app, clock, tmp_path, monkeypatch):
    app = make_app()
    archive = tmp_path / "b.tar"
    assert invoke(app, "backup", str(archive)).exit_code == 0
    close_all(database.obj)
    other = "sqlite" if backend == "postgres" else "postgres"
    if other == "postgres" and not os.environ.get(PG_URL_ENV):
        url = "postgresql://nobody@127.0.0.1:9/none"  # never reached: the kind is checked first
        target = cli_app(tmp_path / "t", url, clock, monkeypatch)
        result = invoke(target, "restore", str(archive))
    else:
        with restore_target(other, tmp_path, "t") as (instance, url):
            target = cli_app(instance, url, clock, monkeypatch)
            result = invoke(target, "restore", str(archive))
            close_all(database.obj)
    assert result.exit_code != 0
    assert "holds a" in result.output and "configured for" in result.output, result.output


def test_restore_upgrades_an_older_schema_into_a_new_databases_public_schema(
    backend, make_app, recovery_key_file, clock, tmp_path, monkeypatch
):
    app = make_app()
    _file(app.test_client(), 7)
    with database.connection_context():
        SchemaVersion.update(version=schema.LATEST - 1).execute()
    archive = tmp_path / "old.tar"
    assert invoke(app, "backup", str(archive)).exit_code == 0
    assert read_manifest(archive).schema_version == schema.LATEST - 1
    close_all(database.obj)

    with restore_target(backend, tmp_path, "t", schema_name=None) as (instance, url):
        target = cli_app(instance, url, clock, monkeypatch)
        result = invoke(target, "restore", str(archive))
        assert result.exit_code == 0, result.output
        assert f"schema upgraded {schema.LATEST - 1} -> {schema.LATEST}" in result.output
        with database.connection_context():
            assert schema.current_version(database.obj) == schema.LATEST
        assert list(narratives_opened_with(recovery_key_file).values()) == [NARRATIVE.format(n=7)]
        close_all(database.obj)


def test_manifest_carries_the_retention_expiry_and_backups_never_overwrite(
    backend, make_app, tmp_path
):
    app = make_app(RETENTION_DAYS_AFTER_CLOSING=30, RETENTION_DAYS_UNCLOSED=400)
    folder = tmp_path / "backups"
    folder.mkdir()
    first = invoke(app, "backup", str(folder))
    second = invoke(app, "backup", str(folder))
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["reporting-2026-11-14-2.tar", "reporting-2026-11-14.tar"]

    manifest = read_manifest(folder / "reporting-2026-11-14.tar")
    settings = retention.RetentionSettings(days_after_closing=30, days_unclosed=400)
    assert manifest.created == date(2026, 11, 14)
    assert manifest.expires == retention.expiry_for_backup(date(2026, 11, 14), settings)
    assert manifest.expires == date(2026, 12, 14)
    assert manifest.database == ("sqlite" if backend == "sqlite" else "postgresql")
    assert manifest.schema_version == schema.LATEST
    assert set(manifest.files) >= {"instance/secrets.json", "instance/taxonomy.toml"}
    with tarfile.open(folder / "reporting-2026-11-14.tar") as tar:
        names = tar.getnames()
        assert all(tar.getmember(n).mode == 0o600 for n in names)
        raw = json.loads(tar.extractfile("manifest.json").read())
    assert raw["expires"] == "2026-12-14" and raw["format"] == "reporting-backup"
    assert not any("recovery" in name for name in names)

    existing = folder / "reporting-2026-11-14.tar"
    content = existing.read_bytes()
    refused = invoke(app, "backup", str(existing))
    assert refused.exit_code != 0 and "never overwrites" in refused.output
    assert existing.read_bytes() == content


def test_purge_lists_backups_past_their_expiry(backend, make_app, clock, tmp_path):
    app = make_app(RETENTION_DAYS_AFTER_CLOSING=30)
    folder = tmp_path / "backups"
    folder.mkdir()
    assert invoke(app, "backup", str(folder / "old.tar")).exit_code == 0
    (folder / "notes.txt").write_text("not a backup")
    with tarfile.open(folder / "foreign.tar", "w") as tar:
        tar.add(folder / "notes.txt", arcname="notes.txt")

    clock.now = datetime(2026, 12, 13, 12, tzinfo=UTC)  # the day before the expiry
    result = invoke(app, "purge", "--backups-dir", str(folder))
    assert result.exit_code == 0, result.output
    assert "0 backup(s)" in result.output and "old.tar" not in result.output

    clock.now = datetime(2026, 12, 14, 12, tzinfo=UTC)
    result = invoke(app, "purge", "--backups-dir", str(folder))
    assert result.exit_code == 0, result.output
    assert f"expired backup: {folder / 'old.tar'} (expired 2026-12-14)" in result.output
    assert "1 backup(s)" in result.output and "foreign.tar" not in result.output
    assert [b.path.name for b in expired_backups(folder, date(2026, 12, 14))] == ["old.tar"]
    assert expired_backups(folder, date(2026, 12, 13)) == []


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_postgres_restore_into_a_schema_of_the_same_name_or_refused_when_it_is_taken(
    backend, make_app, database_url, recovery_key_file, clock, tmp_path, monkeypatch
):
    """The dump's own schema: reused when the target is that (empty) schema, never clobbered."""
    app = make_app()
    _file(app.test_client(), 3)
    archive = tmp_path / "b.tar"
    assert invoke(app, "backup", str(archive)).exit_code == 0
    dumped = read_manifest(archive).postgres_schema
    assert dumped and dumped in database_url
    close_all(database.obj)

    # Another schema of the same database: the backup's schema is there (the live one).
    beside = database_url.replace(dumped, "t_other_" + secrets.token_hex(4))
    target = cli_app(tmp_path / "beside", beside, clock, monkeypatch)
    result = invoke(target, "restore", str(archive))
    assert result.exit_code != 0
    assert f"holds schema '{dumped}', which already exists" in result.output, result.output
    assert not (tmp_path / "beside" / "secrets.json").exists()
    close_all(database.obj)

    # A new database with an empty schema of the backup's name: its CREATE SCHEMA is skipped.
    with fresh_pg_database(dumped) as url:
        target = cli_app(tmp_path / "same-name", url, clock, monkeypatch)
        result = invoke(target, "restore", str(archive))
        assert result.exit_code == 0, result.output
        assert list(narratives_opened_with(recovery_key_file).values()) == [NARRATIVE.format(n=3)]
        close_all(database.obj)
