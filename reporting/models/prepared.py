"""Statements compiled once per database for the anonymous side's hot paths.

peewee builds a statement's SQL on every call, and on a filing or a pulse answer that
building cost more than the database's running of it (about 0.3 ms a statement here). The
statements below have a fixed shape, so their SQL is rendered once per bound database
(SQLite and PostgreSQL differ in quoting and placeholders) and run with new parameters.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence

from peewee import Model

from reporting.db import database

_SQL: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _sql(name: str, build: Callable[[], object]) -> str:
    db = database.obj
    per_db = _SQL.get(db)
    if per_db is None:
        per_db = _SQL[db] = {}
    sql = per_db.get(name)
    if sql is None:
        sql = per_db[name] = build().sql()[0]
    return sql


def run(name: str, build: Callable[[], object], params: Sequence) -> object:
    """Execute the statement ``build`` makes (rendered once), with ``params``; the cursor."""
    return database.obj.execute_sql(_sql(name, build), params)


def get_by_key(model: type[Model], key) -> Model | None:
    """The row with this primary key, every column, or None."""
    fields = model._meta.sorted_fields
    pk = model._meta.primary_key
    cursor = run(f"get:{model.__name__}", lambda: model.select().where(pk == ""), (key,))
    row = cursor.fetchone()
    if row is None:
        return None
    return model(**{f.name: f.python_value(v) for f, v in zip(fields, row, strict=True)})


def _default(field):
    return field.default() if callable(field.default) else field.default


def insert_params(model: type[Model], values: dict) -> list:
    """The parameters of `insert` for ``values``: every column in the model's order, as
    the database stores it (defaults for those not given)."""
    return [f.db_value(values.get(f.name, _default(f))) for f in model._meta.sorted_fields]


def insert_with(model: type[Model], params: Sequence) -> None:
    """Insert one row from `insert_params`' list (also the writer process's statement)."""
    fields = model._meta.sorted_fields

    def build():
        return model.insert({f: None for f in fields})

    run(f"insert:{model.__name__}", build, params)


def insert(model: type[Model], values: dict) -> None:
    """Insert one row with every column (defaults for those not given)."""
    insert_with(model, insert_params(model, values))
