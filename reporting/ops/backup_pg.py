"""PostgreSQL's side of backups: pg_dump of the app's schema out, pg_restore of it back in.

Kept apart from backup.py because it is all subprocesses and connection strings. The app's
tables live in one schema: the first of ``search_path`` in the URL's ``options``, or
``public``. pg_dump writes every name qualified by that schema, so a backup restored into a
schema of another name is restored under its own name first, then moved table by table.
The password never appears on a command line (where `ps` shows it): it goes through
PGPASSWORD. No Flask here.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlencode, urlparse, urlunparse

if TYPE_CHECKING:  # psycopg2 is the `postgres` extra: imported where PostgreSQL is used
    from psycopg2 import sql

# pg_dump of a large database takes minutes, never hours; a hung server must not hang cron.
TOOL_TIMEOUT_SECONDS = 6 * 3600
_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([^\s,]+)")


class PostgresToolError(Exception):
    """pg_dump or pg_restore is missing or failed; the message carries its own words."""


@dataclass(frozen=True)
class Target:
    """Where the app's data is: a URL without its password, the password, and the schema."""

    url: str
    password: str | None
    schema: str

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self):
        import psycopg2

        extra = {"password": self.password} if self.password else {}
        return psycopg2.connect(self.url, **extra)

    def query(self, statement: sql.Composable | str, params: tuple = ()) -> list[tuple]:
        """Rows of one read-only statement, on a connection closed afterwards."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(statement, params)
                return cur.fetchall()
        finally:
            conn.close()


def target_of(url: str) -> Target:
    parsed = urlparse(url)
    password = unquote(parsed.password) if parsed.password else None
    netloc = parsed.hostname or ""
    if parsed.username:
        netloc = f"{parsed.username}@{netloc}"
    if parsed.port:
        netloc = f"{netloc}:{parsed.port}"
    params = dict(parse_qsl(parsed.query))
    params.pop("max_connections", None)  # peewee's pool setting, unknown to libpq
    match = _SEARCH_PATH.search(params.get("options", ""))
    schema = match.group(1).strip('"') if match else "public"
    clean = urlunparse(("postgresql", netloc, parsed.path, "", urlencode(params), ""))
    return Target(url=clean, password=password, schema=schema)


def find_tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest under /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if not candidates:
        raise PostgresToolError(
            f"{name} not found on PATH or in /usr/lib/postgresql/*/bin: "
            "install the PostgreSQL client (apt-get install postgresql-client)"
        )

    def version(path: str) -> int:
        part = Path(path).parent.parent.name
        return int(part) if part.isdigit() else 0

    return max(candidates, key=version)


def _run(command: list[str], target: Target) -> None:
    try:
        # Fixed arguments, the tool found by find_tool, no shell: nothing untrusted runs.
        done = subprocess.run(  # noqa: S603
            command,
            env=target.env(),
            capture_output=True,
            timeout=TOOL_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PostgresToolError(f"{Path(command[0]).name} took too long and was stopped") from exc
    if done.returncode != 0:
        words = done.stderr.decode("utf-8", "replace").strip()[-2000:]
        raise PostgresToolError(f"{Path(command[0]).name} failed: {words}")


def dump(target: Target, out: Path) -> None:
    """A consistent snapshot (pg_dump reads in one repeatable-read transaction), custom format."""
    _run(
        [
            find_tool("pg_dump"),
            "--format=custom",
            f"--schema={target.schema}",
            "--no-owner",
            "--no-privileges",
            f"--file={out}",
            f"--dbname={target.url}",
        ],
        target,
    )


def schema_version(target: Target) -> int:
    from psycopg2 import sql

    if "schema_version" not in tables_in(target):
        return 0
    rows = target.query(
        sql.SQL("SELECT version FROM {}.schema_version WHERE id = 1").format(
            sql.Identifier(target.schema)
        )
    )
    return int(rows[0][0]) if rows else 0


def tables_in(target: Target, schema: str | None = None) -> list[str]:
    rows = target.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
        (schema or target.schema,),
    )
    return sorted(row[0] for row in rows)


def schema_exists(target: Target, schema: str) -> bool:
    return bool(target.query("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)))


def restore(target: Target, archive: Path, dumped_schema: str, work: Path) -> None:
    """pg_restore into the target's (empty) schema, in one transaction.

    The dump's own CREATE SCHEMA is left out when that schema exists already (``public`` in
    a new database). A dump of another schema is restored under its name, which must be
    free, then its tables and sequences move into the target schema.
    """
    moving = dumped_schema != target.schema
    if moving and schema_exists(target, dumped_schema):
        raise PostgresToolError(
            f"the backup holds schema {dumped_schema!r}, which already exists in the target "
            f"database, and the target schema is {target.schema!r}: restore into a database "
            f"without a schema {dumped_schema!r}, or point search_path at it if it is empty"
        )
    listing = work / "restore.list"
    _write_listing(archive, listing, skip_schema=None if moving else dumped_schema, target=target)
    _run(
        [
            find_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--use-list={listing}",
            f"--dbname={target.url}",
            str(archive),
        ],
        target,
    )
    if moving:
        _move_schema(target, dumped_schema)


def _write_listing(
    archive: Path, listing: Path, *, skip_schema: str | None, target: Target
) -> None:
    done = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [find_tool("pg_restore"), "--list", str(archive)],
        env=target.env(),
        capture_output=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise PostgresToolError(
            "the database dump in the backup is unreadable: "
            + done.stderr.decode("utf-8", "replace").strip()[-1000:]
        )
    lines = done.stdout.decode("utf-8").splitlines()
    if skip_schema is not None and schema_exists(target, skip_schema):
        lines = [line for line in lines if not _is_schema_entry(line, skip_schema)]
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _is_schema_entry(line: str, schema: str) -> bool:
    # "4; 2615 2200 SCHEMA - public owner" and its "COMMENT - SCHEMA public owner".
    return bool(
        re.search(rf"\b(SCHEMA - {re.escape(schema)}|COMMENT - SCHEMA {re.escape(schema)})\b", line)
    )


def _move_schema(target: Target, dumped_schema: str) -> None:
    """Move every table (with its indexes and owned sequences) into the target schema."""
    import psycopg2
    from psycopg2 import sql

    conn = target.connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(target.schema))
            )
            cur.execute(
                "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 'S') "
                "ORDER BY c.relkind DESC",
                (dumped_schema,),
            )
            for name, kind in cur.fetchall():
                statement = (
                    "ALTER TABLE {}.{} SET SCHEMA {}"
                    if kind == "r"
                    else "ALTER SEQUENCE IF EXISTS {}.{} SET SCHEMA {}"
                )
                cur.execute(
                    sql.SQL(statement).format(
                        sql.Identifier(dumped_schema),
                        sql.Identifier(name),
                        sql.Identifier(target.schema),
                    )
                )
            cur.execute(sql.SQL("DROP SCHEMA {}").format(sql.Identifier(dumped_schema)))
    except psycopg2.Error as exc:
        with conn, conn.cursor() as cur:
            cur.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(dumped_schema))
            )
        raise PostgresToolError(
            f"restored schema {dumped_schema!r} could not be moved into {target.schema!r}: {exc}"
        ) from exc
    finally:
        conn.close()
