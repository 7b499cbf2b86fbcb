"""`reporting writer`: the process that writes reporters' rows for the serving workers.

ops/gunicorn_conf.py starts it beside the workers when the database is SQLite; run by hand
it serves the same instance until stopped (SIGTERM or Ctrl-C). See reporting/writer/.
"""

from __future__ import annotations

import signal
import threading

import click
from flask.cli import with_appcontext

from reporting.writer import client, service


@click.command("writer")
@click.option(
    "--parent",
    type=int,
    default=None,
    hidden=True,
    help="Stop when this process (the gunicorn master) is no longer the parent.",
)
@with_appcontext
def writer_command(parent: int | None) -> None:
    """Write reporters' rows for the serving workers (SQLite only; gunicorn starts it)."""
    from reporting.db import database, is_sqlite

    if not is_sqlite(database):
        click.echo("PostgreSQL takes concurrent writes itself: no writer needed")
        return
    path = client.writer_path()
    if path is None:
        click.echo(
            "the database's path is too long for a Unix socket beside it: no writer "
            "(each worker writes its own rows)",
            err=True,
        )
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        service.serve(path, stop, parent=parent)
    except service.WriterRunning as error:
        raise click.ClickException(str(error)) from error
