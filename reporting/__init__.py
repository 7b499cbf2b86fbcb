"""Anonymous moral-distress and near-miss reporting for hospitals.

The shared core sits at this level (config, db, models, schema, taxonomy, periods, reports,
accounts, audit); the subpackages say who and what: `privacy` (de-identification, sealing,
receipts, keys), `review` (what reviewers do with a report), `releases` (counts made safe to
publish), `web` (the Flask app, one blueprint per audience) and `ops` (instances, backups,
the command line). Importing this package loads no Flask; `reporting.web.create_app` does.
"""


def __getattr__(name: str):
    """`create_app`, loaded on first use: `flask --app reporting` finds the factory here."""
    if name == "create_app":
        from reporting.web import create_app

        return create_app
    raise AttributeError(f"module 'reporting' has no attribute {name!r}")
