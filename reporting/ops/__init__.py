"""Running an instance: creating it, checking it, backups, imports, the demo and gunicorn.

The click commands that drive these live in `ops.commands`, the only part here that imports
Flask.
"""
