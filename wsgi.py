"""WSGI entry point: ``gunicorn -c python:reporting.ops.gunicorn_conf wsgi:app``."""

from reporting.web import create_app

app = create_app()
