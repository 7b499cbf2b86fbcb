"""The web side: the application factory and one blueprint per audience.

Everything that imports Flask lives here (and in `reporting.ops.commands`, the click commands
registered on the app); the domain modules it calls never do. Templates and static assets sit
beside this package, so a built wheel serves every page.
"""

from __future__ import annotations

import os
from typing import Any

import click
from flask import Flask

from reporting import config as config_module


def create_app(test_config: dict[str, Any] | None = None, *, serving: bool | None = None) -> Flask:
    """Build the app.

    When serving, a missing secret, taxonomy or schema stops start-up with the fix. From the
    command line (``serving`` False, the default inside a click command) `init` can run on an
    empty instance folder.
    """
    if serving is None:
        serving = click.get_current_context(silent=True) is None
    instance_path = os.path.abspath(os.environ.get("REPORTING_INSTANCE_PATH", "instance"))
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
    )
    _load_config(app, test_config)
    config_module.check(app.config, serving=serving)

    from reporting import db
    from reporting.ops import commands
    from reporting.web import (
        actions_views,
        admin,
        api,
        auth,
        dashboard,
        errors,
        logs,
        public,
        pulse_views,
        ratelimit,
        review,
        review_export,  # noqa: F401 (adds the export routes to review.bp before it is registered)
        security,
        services,
        sessions,
    )

    logs.init_app(app)
    db.init_app(app)
    services.init_app(app, serving=serving)
    security.init_app(app)
    ratelimit.init_app(app)
    sessions.init_app(app)
    auth.init_app(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(pulse_views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(actions_views.bp)
    app.register_blueprint(actions_views.review_bp)
    errors.init_app(app)
    commands.init_app(app)
    return app


def _load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    from reporting.ops.instance import load_secrets

    app.config.from_object(config_module.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("REPORTING", loads=_env_value)
    if test_config:
        app.config.update(test_config)
    for name, value in load_secrets(app.instance_path).items():
        if not app.config.get(name):
            app.config[name] = value
    app.permanent_session_lifetime = config_module.reporter_session_lifetime(
        int(app.config["REPORTER_SESSION_MINUTES"])
    )
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE"]
    hosts = app.config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):  # from the environment: a comma-separated list
        app.config["TRUSTED_HOSTS"] = [h.strip() for h in hosts.split(",") if h.strip()]


def _env_value(raw: str) -> Any:
    """Numbers and booleans from the environment; everything else stays a string."""
    import json

    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, int | float | bool) else raw
