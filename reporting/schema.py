"""Creating and upgrading the schema, idempotently, on SQLite and PostgreSQL alike.

Each migration is a numbered function; `upgrade` runs those above the stored version in
one transaction, so an interrupted upgrade leaves the previous schema intact.
"""

from __future__ import annotations

from collections.abc import Callable

from peewee import Database, TextField
from playhouse.migrate import SchemaMigrator, migrate

from reporting.db import is_sqlite
from reporting.models import (
    ALL_MODELS,
    ActionSummary,
    ApiToken,
    AuditEntry,
    BaseModel,
    Housekeeping,
    LegalHold,
    Membership,
    Message,
    Note,
    PulseCode,
    PulseRelease,
    PulseReleasedCell,
    PulseResponse,
    PulseSpentToken,
    PulseWave,
    Release,
    ReleasedCell,
    Report,
    ReportRead,
    ReviewGroup,
    SchemaVersion,
    StaffKeySession,
    StaffSession,
    StepAside,
    User,
)


class SchemaOutOfDate(Exception):
    """The database is older (or newer) than this code: run `reporting init` to upgrade."""


def _v1_initial(db: Database) -> None:
    db.create_tables([SchemaVersion, ReviewGroup, Report], safe=True)


def _v2_staff_and_releases(db: Database) -> None:
    db.create_tables([User, ApiToken, Release, ReleasedCell], safe=True)


def _v3_release_speed(db: Database) -> None:
    """Keep each released month's counts, and cover the release GROUP BY with an index."""
    migrator = SchemaMigrator.from_database(db)
    columns = {c.name for c in db.get_columns(Release._meta.table_name)}
    operations = []
    if "month_cells" not in columns:
        operations.append(
            migrator.add_column(Release._meta.table_name, "month_cells", TextField(null=True))
        )
    indexes = {i.name for i in db.get_indexes(Report._meta.table_name)}
    if "report_release_leaves" not in indexes:
        db.execute_sql(
            'CREATE INDEX report_release_leaves ON "report" '
            "(period, unit, kind, category, role, severity)"
        )
    if operations:
        migrate(*operations)


def _add_missing_columns(db: Database, model: type[BaseModel]) -> None:
    """Add the model's columns the table lacks, each with its default for existing rows.

    peewee's migrator would rebuild a SQLite table to make a column NOT NULL; an ADD COLUMN
    with a DEFAULT does it in place on both backends (and keeps WITHOUT ROWID).
    """
    table = model._meta.table_name
    have = {c.name for c in db.get_columns(table)}
    for field in model._meta.sorted_fields:
        if field.column_name in have:
            continue
        ddl = db.get_sql_context().sql(field.ddl(db.get_sql_context())).query()[0]
        if field.default is not None and not callable(field.default):
            value = field.db_value(field.default)
            if isinstance(value, bool):
                literal = ("1" if value else "0") if is_sqlite(db) else str(value).lower()
            elif isinstance(value, int):
                literal = str(value)
            else:
                literal = "'" + str(value).replace("'", "''") + "'"
            ddl += f" DEFAULT {literal}"
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN {ddl}')


def _v4_reviewers_workspace(db: Database) -> None:
    """Review keys per member, the batched inbox, conversations, notes, holds and the audit log.

    Reports already stored when this runs are put in the inbox at once; groups made before
    keep their recovery copy in scheme 1 (see ReviewGroup).
    """
    existing = {c.name for c in db.get_columns(ReviewGroup._meta.table_name)}
    for model in (ReviewGroup, Report, User):
        _add_missing_columns(db, model)
    if "recovery_scheme" not in existing:
        ReviewGroup.update(recovery_scheme=1).execute()
        Report.update(in_inbox=True).execute()
    # The inbox walks this in order, one status at a time (triage.py); it covers the filters.
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS report_inbox ON "report" '
        "(review_group_id, in_inbox, purged, status, category, kind, unit, severity)"
    )
    db.create_tables(
        [
            Membership,
            StaffKeySession,
            Message,
            Note,
            ReportRead,
            StepAside,
            LegalHold,
            ActionSummary,
            AuditEntry,
            Housekeeping,
        ],
        safe=True,
    )


def _v5_no_insertion_order(db: Database) -> None:
    """Messages and notes keyed by their random id alone, like reports (SQLite).

    A table with SQLite's implicit rowid numbers its rows as they are inserted, so a
    reporter's answer would sit in order between timestamped reviewer replies. The tables
    are rebuilt WITHOUT ROWID with the same columns and indexes; PostgreSQL has no rowid
    (its physical order is handled by the daily batch, see batches.py).
    """
    if not is_sqlite(db):
        return
    for model in (Message, Note):
        table = model._meta.table_name
        (ddl,) = db.execute_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if "WITHOUT ROWID" in ddl.upper():
            continue
        old = f"{table}_with_rowid"
        for index in db.get_indexes(table):
            db.execute_sql(f'DROP INDEX "{index.name}"')
        db.execute_sql(f'ALTER TABLE "{table}" RENAME TO "{old}"')
        db.create_tables([model])
        columns = ", ".join(f'"{field.column_name}"' for field in model._meta.sorted_fields)
        copy = f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{old}"'  # noqa: S608 (names from the models)
        db.execute_sql(copy)
        db.execute_sql(f'DROP TABLE "{old}"')


def _v6_signed_group_keys(db: Database) -> None:
    """Signatures over review groups' public keys, and the parameters of reviewers' key wraps.

    Existing rows get none: `reporting init --recovery-key-file` signs the keys (pinning.py),
    and a reviewer's next login re-wraps their key under the stored parameters.
    """
    for model in (ReviewGroup, User):
        _add_missing_columns(db, model)


def _v7_staff_sessions(db: Database) -> None:
    """Server-side staff sessions: a staff cookie opens nothing once its row is gone.

    Staff cookies from before carry no session id, so everyone logs in again once.
    """
    db.create_tables([StaffSession], safe=True)


def _v8_pulse_surveys(db: Database) -> None:
    """Pulse waves, their unused codes, spent tokens, responses and releases (reporting/pulse/)."""
    models = [PulseWave, PulseCode, PulseSpentToken, PulseResponse, PulseRelease, PulseReleasedCell]
    db.create_tables(models, safe=True)


def _v9_staff_email(db: Database) -> None:
    """Staff email addresses, for the content-free batch notices (review/notifications.py).

    Existing accounts get none: `reporting user set-email` adds one.
    """
    _add_missing_columns(db, User)


def _v10_own_account(db: Database) -> None:
    """A copy of each new narrative's key for the receipt (`Report.narrative_receipt_key`).

    Reports already stored get none: their narratives were sealed for reviewers only, and
    nothing but the receipt at filing could have made the copy.
    """
    _add_missing_columns(db, Report)


def _v11_fewer_report_indexes(db: Database) -> None:
    """Drop the report indexes that a wider one answers: on period and on review group
    alone (led by report_release_leaves and report_inbox), and wave 1's (period, kind,
    category, unit), which the release's covering index replaced in schema 3.

    Every filing writes a page of each index: these three cost 40 % of the insert's CPU
    and answered no query the others do not (docs/performance.md).
    """
    for name in ("report_period", "report_review_group_id", "report_period_kind_category_unit"):
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')


MIGRATIONS: tuple[tuple[int, Callable[[Database], None]], ...] = (
    (1, _v1_initial),
    (2, _v2_staff_and_releases),
    (3, _v3_release_speed),
    (4, _v4_reviewers_workspace),
    (5, _v5_no_insertion_order),
    (6, _v6_signed_group_keys),
    (7, _v7_staff_sessions),
    (8, _v8_pulse_surveys),
    (9, _v9_staff_email),
    (10, _v10_own_account),
    (11, _v11_fewer_report_indexes),
)
LATEST = MIGRATIONS[-1][0]


def _prepare_models(db: Database) -> None:
    # WITHOUT ROWID is SQLite's; peewee would emit it on PostgreSQL too.
    sqlite = is_sqlite(db)
    for model in ALL_MODELS:
        model._meta.without_rowid = sqlite and model._meta.without_rowid_requested


for _model in ALL_MODELS:
    _model._meta.without_rowid_requested = bool(_model._meta.without_rowid)


def current_version(db: Database) -> int:
    if not db.table_exists(SchemaVersion._meta.table_name):
        return 0
    row = SchemaVersion.get_or_none(SchemaVersion.id == 1)
    return row.version if row else 0


def upgrade(db: Database) -> tuple[int, int]:
    """Bring the schema to LATEST; returns (version before, version after)."""
    _prepare_models(db)
    with db.connection_context(), db.atomic():
        before = current_version(db)
        if before > LATEST:
            raise SchemaOutOfDate(f"database schema {before} is newer than this code ({LATEST})")
        for version, migrate in MIGRATIONS:
            if version > before:
                migrate(db)
        SchemaVersion.insert(id=1, version=LATEST).on_conflict(
            conflict_target=[SchemaVersion.id], update={SchemaVersion.version: LATEST}
        ).execute()
    return before, LATEST


def require_current(db: Database, groups: tuple[str, ...] | list[str] = ("default",)) -> None:
    _prepare_models(db)
    with db.connection_context():
        version = current_version(db)
        if version != LATEST:
            raise SchemaOutOfDate(
                f"database schema is at version {version}, this code needs {LATEST}: "
                "run `reporting init` to create or upgrade it"
            )
        have = {g.name for g in ReviewGroup.select(ReviewGroup.name)}
        missing = [name for name in groups if name not in have]
        if missing:
            raise SchemaOutOfDate(
                f"no review key pair for {', '.join(missing)}: run `reporting init`"
            )
