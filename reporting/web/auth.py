"""Staff login and logout, and the role checks every staff page and API route goes through.

Staff sessions share the reporter's signed cookie but are marked ``_staff`` (sessions.py
gives them a 30-minute idle expiry) and name a server-side row (staff_sessions.py) every
staff request must find: logout, a password change, removal and idling end it for good.
Nothing here reads or stores the client address: flask-login's session identifier (a hash
of address and user agent) is switched off, and the per-address login limit is
ratelimit.py's unlinkable key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired

from reporting import accounts, staff_sessions
from reporting.privacy import keys
from reporting.web.auditing import audit
from reporting.web.errors import api_error
from reporting.web.ratelimit import limiter
from reporting.web.services import services
from reporting.web.sessions import STAFF_KEY

bp = Blueprint("auth", __name__)
login_manager = LoginManager()

LOGIN_FAILED = (
    "Username, password or authentication code is wrong, or the account is locked for a while."
)
NEEDS_SECOND_FACTOR = (
    "Your account must use an authentication code, and none is set up yet. Ask an "
    "administrator to enrol one for you."
)
# The session cookie carries the id of the reviewer's key session and the secret that opens
# it; the database row alone opens nothing (keys.py).
KEY_SESSION = "_ksid"
KEY_SECRET = "_ks"  # noqa: S105 (a cookie key name, not a secret)
LANDING = (("leadership", "/dashboard"), ("reviewer", "/review"), ("admin", "/"))
MAX_NEXT_CHARS = 2000


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[InputRequired("Enter your username.")])
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")])
    code = StringField("Authentication code")
    next = HiddenField()


class Staff(UserMixin):
    """The logged-in staff member, as flask-login sees them; roles are read per request."""

    def __init__(self, user: Any, session_id: str) -> None:
        self.id = user.id
        self.username = user.username
        self.roles = frozenset(user.role_set)
        self.session_id = session_id
        self._cookie_id = f"{user.id}:{_password_fingerprint(user.password_hash)}:{session_id}"

    def get_id(self) -> str:
        # A new password's fingerprint, or a session row gone, ends it (staff_sessions.py).
        return self._cookie_id


def _password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


@login_manager.user_loader
def _load_staff(cookie_id: str) -> Staff | None:
    user_id, _, rest = str(cookie_id).partition(":")
    fingerprint, _, session_id = rest.partition(":")
    user = accounts.user_by_id(user_id)
    if (
        user is None
        or not hmac.compare_digest(_password_fingerprint(user.password_hash), fingerprint)
        or not staff_sessions.is_live(session_id, user.id, services().clock(), _idle())
    ):
        keys.end_session(str(session.get(KEY_SESSION) or ""))  # its key session ends too
        for name in ("_user_id", "_fresh", STAFF_KEY, KEY_SESSION, KEY_SECRET):
            session.pop(name, None)  # it ended: the cookie loses its staff part (not CSRF)
        return None
    return Staff(user, session_id)


def _idle() -> timedelta:
    return timedelta(minutes=int(current_app.config["STAFF_IDLE_MINUTES"]))


def _no_identifier() -> str:
    return ""


def safe_next(target: str | None) -> str | None:
    """A same-site path to return to after login, or None for anything that could leave."""
    if not target or len(target) > MAX_NEXT_CHARS:
        return None
    if any(ch == "\\" or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def landing_for(roles: frozenset[str] | set[str]) -> str:
    for role, path in LANDING:
        if role in roles:
            return path
    return "/"


def login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        return render_template("auth/login.html", form=form)
    if not form.validate():
        return render_template("auth/login.html", form=form), 400
    now = services().clock()
    password = form.password.data
    try:
        user = accounts.authenticate(
            form.username.data.strip().lower(),
            password,
            now,
            code=form.code.data,
            totp_roles=tuple(current_app.config["REQUIRE_TOTP_FOR"]),
        )
    except (accounts.LoginFailed, accounts.AccountLocked):
        audit("login-failed", form.username.data.strip().lower())
        return render_template("auth/login.html", form=form, error=LOGIN_FAILED), 401
    except accounts.SecondFactorMissing:
        audit("login-refused-no-second-factor", form.username.data.strip().lower())
        return render_template("auth/login.html", form=form, error=NEEDS_SECOND_FACTOR), 403
    target = safe_next(form.next.data) or landing_for(user.role_set)
    session.clear()  # nothing from before the login (a fixated session) carries over
    login_user(Staff(user, staff_sessions.start(user.id, now)))
    session.pop("_id", None)
    session[STAFF_KEY] = True
    _unlock_keys(user, password, now)
    audit("login", user.username)
    return redirect(target)


def _unlock_keys(user: Any, password: str, now: Any) -> None:
    """Keep a reviewer's private key for this session, encrypted under a cookie-held secret."""
    try:
        personal = keys.open_personal_key(user, password)
    except keys.WrongSecret:
        return  # the pair was replaced under another password: needs `user passwd`
    if personal is None:
        if "reviewer" not in user.role_set:
            return
        # A reviewer account from before review keys: its key pair is made now, while the
        # password is at hand, so an administrator can grant it group keys.
        personal = keys.give_personal_keys(user, password)
    session_id, secret = keys.start_session(user.id, personal, now)
    audit("keys-unlocked", user.username, {"groups": sorted(keys.groups_of(user.id))})
    session[KEY_SESSION] = session_id
    session[KEY_SECRET] = base64.urlsafe_b64encode(secret).decode("ascii")


def current_group_keys() -> keys.GroupKeys | None:
    """The logged-in reviewer's unlocked group keys; None when not logged in or locked.

    Opened once per request from the key session; after logout or idle expiry the row is
    gone or refused, so nothing opens.
    """
    if "group_keys" in g:
        return g.group_keys
    found = None
    session_id, encoded = session.get(KEY_SESSION), session.get(KEY_SECRET)
    if current_user.is_authenticated and session_id and encoded:
        try:
            secret = base64.urlsafe_b64decode(str(encoded))
        except (ValueError, TypeError):
            secret = b""
        personal = keys.session_key(
            str(session_id),
            secret,
            current_user.id,
            services().clock(),
            _idle(),
        )
        if personal is not None:
            found = keys.open_group_keys(current_user.id, personal)
    g.group_keys = found
    return found


@bp.post("/logout")
def logout():
    if session.get(KEY_SESSION):
        keys.end_session(str(session[KEY_SESSION]))
    audit("logout")
    if current_user.is_authenticated:
        staff_sessions.end(current_user.session_id)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def _login_redirect():
    target = request.path
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    return redirect(url_for("auth.login", next=target))


def role_required(*roles: str) -> Callable:
    """For HTML pages: anonymous visitors go to the login page, other roles get 403."""
    wanted = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return _login_redirect()
            if not wanted & current_user.roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _unauthorized():
    response, status = api_error(401, "Log in, or send a valid bearer token.")
    response.headers["WWW-Authenticate"] = 'Bearer realm="reporting"'
    return response, status


def api_role_required(*roles: str) -> Callable:
    """For JSON routes: a staff session or a bearer token; 401 without, 403 for other roles."""
    wanted = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            header = request.headers.get("Authorization")
            if header is not None:
                scheme, _, token = header.partition(" ")
                holder = None
                if scheme.lower() == "bearer":
                    holder = accounts.user_for_token(token.strip())
                if holder is None:
                    return _unauthorized()
                held = holder.roles
                g.token_holder = holder
            elif current_user.is_authenticated:
                held = current_user.roles
            else:
                return _unauthorized()
            if not wanted & held:
                return api_error(403, "Your role does not give access to this.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    # The default session protection hashes the client address into the session.
    login_manager.session_protection = None
    login_manager._session_identifier_generator = _no_identifier
    app.register_blueprint(bp)
