"""Configuration defaults, and the checks that refuse an unsafe deployment.

Layers, in order (later wins): these defaults, ``instance/config.py``,
``REPORTING_*`` environment variables, then a mapping passed by tests.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(Exception):
    """The deployment's configuration is unusable; the message says how to fix it."""


class Defaults:
    # Filled from instance/secrets.json, which `reporting init` writes (mode 0600).
    SECRET_KEY: str | None = None
    RECEIPT_PEPPER: str | None = None

    # SQLite in the instance folder unless a PostgreSQL URL is given.
    DATABASE_URL: str | None = None

    # The host names this deployment answers to (REPORTING_TRUSTED_HOSTS="a.example,b.example").
    # A request naming any other Host is refused with 400 before any view runs, so a forged
    # Host header never reaches a redirect or a link. None answers every host (development).
    TRUSTED_HOSTS: list[str] | None = None

    # Month boundaries (a report's period) follow the hospital's clock, not the server's.
    TIMEZONE = "Europe/London"

    # A narrative's limit is the brief's; the body limit leaves room for JSON escapes of it.
    MAX_NARRATIVE_CHARS = 10_000
    MAX_CONTENT_LENGTH = 256 * 1024
    MAX_FORM_MEMORY_SIZE = 256 * 1024

    # The reporter's session: a browser-session cookie, never stored server-side, that
    # Flask refuses once its signature is older than this (it is written once, when the
    # CSRF token is made, so this counts from the first form), and that ends at filing.
    REPORTER_SESSION_MINUTES = 15
    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Strict"
    SESSION_COOKIE_SECURE = False  # set True behind TLS (docs/operations.md)
    SESSION_REFRESH_EACH_REQUEST = False
    # The CSRF token lives exactly as long as the reporter's session.
    WTF_CSRF_TIME_LIMIT = None
    # A staff session (same cookie, marked as staff by sessions.py) ends after this many
    # minutes without a request: a ward or office computer left logged in locks itself.
    STAFF_IDLE_MINUTES = 30
    # Password guessing: per account in accounts.py, and per (hashed) address here.
    RATELIMIT_LOGIN = "20 per minute;200 per hour"

    # Flood control. Keys are HMACs of the client address under a rotating key; limits are
    # generous because a whole ward (or hospital) may share one NAT address.
    RATELIMIT_STORAGE = "memory://"
    RATELIMIT_FILING = "60 per minute;600 per hour;3000 per day"
    RATELIMIT_FOLLOW_UP = "60 per minute;600 per hour"
    # Every step of the report form (writing, reviewing) counts here; only filing above.
    RATELIMIT_FORM = "120 per minute;1200 per hour"
    RATELIMIT_KEY_ROTATION_HOURS = 24
    # How many proxies in front of the app may set X-Forwarded-For; 0 trusts none.
    PROXY_FIX_HOPS = 0

    # Optional deployment list of names (one per line, in the instance folder) that the
    # scrubber always replaces, e.g. staff and patient names a trust knows are common.
    DEID_NAMES_FILE = "deid-names.txt"

    SITE_NAME = "Speak up safely"

    # Releases: the anonymity threshold k (never below 3, only ever raised) and how long
    # after a month ends (in TIMEZONE) it is released.
    RELEASE_THRESHOLD = 5
    RELEASE_LAG_DAYS = 3
    # Pulse surveys: a unit's results are released only where its respondents reach this
    # share of the codes issued there (below it, a few answers do not speak for the unit).
    PULSE_MIN_RESPONSE_RATE = 0.3

    # Review groups and the kinds of report each reads (each kind goes to exactly one group),
    # e.g. {"patient-safety": ["near-miss"], "ethics": ["moral-distress"]}. Each group has
    # its own key pair (made by `reporting init`); members of one read none of another's.
    REVIEW_GROUPS = {"default": ["near-miss", "moral-distress"]}

    # Reviewers see new reports once a day, as a batch, at this local time (TIMEZONE).
    BATCH_TIME = "07:00"
    # Overdue flags: acknowledge within this many batches, feedback within these months.
    ACKNOWLEDGE_WITHIN_BATCHES = 7
    FEEDBACK_WITHIN_MONTHS = 3

    # Retention: content (narratives, notes, messages) is destroyed this many days after a
    # report is closed, and reports never closed lose it this many days after their month
    # ends; legal holds stop both. Released numbers are never touched.
    RETENTION_DAYS_AFTER_CLOSING = 365
    RETENTION_DAYS_UNCLOSED = 3 * 365

    # Roles that must use a second factor (TOTP) to log in, e.g. ("reviewer", "admin").
    REQUIRE_TOTP_FOR: tuple[str, ...] = ()

    # Reviewers' batch notices (docs/operations.md, "Email to reviewers"): each reviewer with
    # an address gets one email per batch that says how many items wait and links to
    # SITE_URL/review, nothing else, because mail leaves the hospital's control. SMTP_URL is
    # smtp://, smtp+starttls:// (587) or smtps:// (465), with user:password@ if the server
    # asks; prefer TLS, since the password and the notice cross the network. None sends none.
    SMTP_URL: str | None = None
    MAIL_FROM: str | None = None
    # The address staff open the site at, e.g. https://speakup.example.org (links in emails).
    SITE_URL: str | None = None
    # Seconds the batch's caller waits for the mail server at each step before giving up.
    SMTP_TIMEOUT_SECONDS = 10

    # Where "clear and leave" sends the reporter: a neutral page such as the intranet home.
    LEAVE_URL = "/"


def reporter_session_lifetime(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)


def check(config: dict[str, Any], *, serving: bool) -> None:
    """Refuse configuration that would weaken anonymity or lose data.

    ``serving`` is False for command-line use, where `reporting init` must be able to run
    before any secret exists.
    """
    try:
        ZoneInfo(config["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"TIMEZONE {config['TIMEZONE']!r} is not a known time zone") from exc
    if int(config["MAX_NARRATIVE_CHARS"]) < 1:
        raise ConfigError("MAX_NARRATIVE_CHARS must be positive")
    if int(config["RELEASE_THRESHOLD"]) < 3:
        raise ConfigError("RELEASE_THRESHOLD (k) must be at least 3")
    if not 0 < float(config["PULSE_MIN_RESPONSE_RATE"]) <= 1:
        raise ConfigError("PULSE_MIN_RESPONSE_RATE must be a share above 0 and at most 1")
    if int(config["RELEASE_LAG_DAYS"]) < 0:
        raise ConfigError("RELEASE_LAG_DAYS must be 0 or more")
    if int(config["PROXY_FIX_HOPS"]) < 0:
        raise ConfigError("PROXY_FIX_HOPS must be 0 or more")
    review_groups(config)
    batch_time(config)
    if config.get("SMTP_URL"):
        from reporting.review.notifications import MailSettings

        MailSettings.from_config(config)
    if not serving or config.get("TESTING"):
        return
    for name in ("SECRET_KEY", "RECEIPT_PEPPER"):
        value = config.get(name)
        if not value or len(str(value)) < 32 or str(value).startswith("dev"):
            raise ConfigError(
                f"{name} is missing or weak: run `reporting init` to create the instance's "
                "secrets (instance/secrets.json)"
            )


def review_groups(config: dict[str, Any]) -> dict[str, str]:
    """The checked REVIEW_GROUPS setting, as kind -> group."""
    from reporting.taxonomy import KINDS, SLUG

    groups = config.get("REVIEW_GROUPS")
    if not isinstance(groups, dict) or not groups:
        raise ConfigError("REVIEW_GROUPS must map group names to lists of kinds")
    routes: dict[str, str] = {}
    for name, kinds in groups.items():
        if not isinstance(name, str) or not SLUG.match(name) or len(name) > 40:
            raise ConfigError(f"REVIEW_GROUPS: {name!r} is not a group name (a slug)")
        if isinstance(kinds, str) or not isinstance(kinds, (list, tuple)) or not kinds:
            raise ConfigError(f"REVIEW_GROUPS[{name!r}] must be a list of kinds")
        for kind in kinds:
            if kind not in KINDS:
                raise ConfigError(
                    f"REVIEW_GROUPS[{name!r}]: unknown kind {kind!r}; kinds are " + ", ".join(KINDS)
                )
            if kind in routes:
                raise ConfigError(f"REVIEW_GROUPS: kind {kind!r} goes to two groups")
            routes[kind] = name
    missing = [kind for kind in KINDS if kind not in routes]
    if missing:
        raise ConfigError(f"REVIEW_GROUPS: no group reads {', '.join(missing)}")
    return routes


def batch_time(config: dict[str, Any]) -> tuple[int, int]:
    text = str(config.get("BATCH_TIME", ""))
    hours, _, minutes = text.partition(":")
    if (
        (hours + minutes).isascii()
        and hours.isdigit()
        and minutes.isdigit()
        and int(hours) < 24
        and int(minutes) < 60
    ):
        return int(hours), int(minutes)
    raise ConfigError(f"BATCH_TIME {text!r} must be a time of day as HH:MM")
