"""The deferred database: SQLite in the instance folder, or PostgreSQL from a URL.

Models bind to ``database`` (a peewee ``DatabaseProxy``); the app factory and the command
line bind it to a real database. Connections are pooled and kept open per worker: opening
SQLite on every request halves throughput (../shared/design/performance-notes.md).
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlparse

from peewee import Database, DatabaseProxy, SqliteDatabase
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

database = DatabaseProxy()

SQLITE_FILENAME = "reporting.db"

# WAL lets readers and the single writer proceed together; synchronous=NORMAL is durable
# across application crashes in WAL mode; secure_delete overwrites freed pages so purged
# text is not left readable in the file; busy_timeout makes concurrent writers wait.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "secure_delete": "on",
    "busy_timeout": 10_000,
    "cache_size": -16_000,
}


class DatabaseURLError(ValueError):
    """REPORTING_DATABASE_URL names a database this product cannot use."""


def sqlite_path(instance_path: str) -> str:
    return os.path.join(instance_path, SQLITE_FILENAME)


def open_database(url: str | None, instance_path: str) -> Database:
    """Build (without connecting) the database a URL names; None means SQLite in the instance."""
    if not url:
        return _sqlite(sqlite_path(instance_path))
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = parsed.path[1:] if parsed.path.startswith("/") else parsed.path
        if not path:
            raise DatabaseURLError("a sqlite:/// URL needs a file path")
        return _sqlite(path)
    if parsed.scheme in {"postgres", "postgresql"}:
        params = dict(parse_qsl(parsed.query))
        return PooledPostgresqlDatabase(
            parsed.path.lstrip("/") or "postgres",
            user=parsed.username,
            password=parsed.password,
            host=parsed.hostname,
            port=parsed.port,
            max_connections=int(params.pop("max_connections", 8)),
            stale_timeout=300,
            timeout=10,
            **params,
        )
    raise DatabaseURLError(
        f"unsupported database URL scheme {parsed.scheme!r}: use postgresql://… or sqlite:///…"
    )


def _sqlite(path: str) -> Database:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if not os.path.exists(path):  # created private: SQLite gives its -wal and -shm the same mode
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    # One connection per serving thread (gunicorn_conf.threads); a request beyond that
    # waits for a free connection instead of failing.
    return PooledSqliteDatabase(
        path,
        pragmas=SQLITE_PRAGMAS,
        max_connections=8,
        stale_timeout=None,
        timeout=10,
        check_same_thread=False,
    )


def is_sqlite(db: Database | DatabaseProxy) -> bool:
    target = db.obj if isinstance(db, DatabaseProxy) else db
    return isinstance(target, SqliteDatabase)


def write_transaction():
    """A transaction for code that reads and then writes: on SQLite it holds the write lock
    from BEGIN (IMMEDIATE). A deferred one that has read cannot wait for that lock: SQLite
    refuses at once ("database is locked") when another process committed or checkpoints
    meanwhile, where an immediate one waits its turn through the busy timeout."""
    return database.atomic(lock_type="IMMEDIATE") if is_sqlite(database) else database.atomic()


def bind(db: Database) -> None:
    """Point every model at ``db``; closes what was bound before."""
    previous = database.obj
    if previous is not None and previous is not db:
        close_all(previous)
    database.initialize(db)


def close_all(db: Database) -> None:
    if hasattr(db, "close_all"):
        db.close_all()
    elif not db.is_closed():
        db.close()


def init_app(app) -> None:
    """Bind the database for this app; connect lazily per request, return to the pool after."""
    db = open_database(app.config.get("DATABASE_URL"), app.instance_path)
    bind(db)
    app.extensions["reporting.database"] = db

    @app.before_request
    def _connect() -> None:
        database.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _release(_exc) -> None:
        if not database.is_closed():
            database.close()
