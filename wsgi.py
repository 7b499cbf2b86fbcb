"""WSGI entry point: ``gunicorn -c python:reporting.gunicorn_conf wsgi:app``."""

from reporting import create_app

app = create_app()
