"""Appending to a report's thread (its messages or its notes): sealed, numbered, race-safe.

Messages and notes are both rows numbered within a report and sealed to its review group
before they are written; this is the one place that draws the id, seals under it and takes
the next number, retrying when another writer took that number first.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from peewee import IntegrityError, fn

from reporting.db import write_transaction
from reporting.models import Report

SealUnder = Callable[[str], dict[str, Any]]


class ThreadBusy(Exception):
    """Other writers took every number tried; the caller asks the person to send again."""


def next_seq(model, report_id: str) -> int:
    """The next position in a report's notes or messages (a unique index guards races)."""
    latest = model.select(fn.MAX(model.seq)).where(model.report == report_id).scalar()
    return (latest or 0) + 1


def append_sealed(model, report: Report, seal_under: SealUnder, **fields: Any) -> int:
    """Insert one row at the end of ``report``'s thread in ``model``; returns its number.

    ``seal_under(row_id)`` returns the sealed columns, bound to the row's fresh random id
    (the id is part of the sealing context, so a sealed body cannot be moved to another row).
    """
    for _attempt in range(5):
        row_id = secrets.token_hex(16)
        sealed = seal_under(row_id)
        try:
            # It reads the last number, then writes: a reporter answering on the follow-up
            # page just after filing meets the writer process's checkpoint (db.write_transaction).
            with write_transaction():
                seq = next_seq(model, report.id)
                model.create(id=row_id, report=report.id, seq=seq, **fields, **sealed)
        except IntegrityError:  # another row took this seq at the same moment
            continue
        return seq
    raise ThreadBusy
