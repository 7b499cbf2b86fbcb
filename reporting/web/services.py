"""The domain objects one app holds: taxonomy, scrubber, clock and pepper.

Loaded once at start-up (the taxonomy is validated there, so a bad file stops the app with
the entry and line at fault) and reached from views through these accessors.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app

from reporting import config, reports, schema, submissions
from reporting.db import database
from reporting.ops.instance import TAXONOMY_FILE
from reporting.periods import Clock, current_month, system_clock
from reporting.privacy import pinning
from reporting.privacy.deid import Scrubber
from reporting.releases import builder
from reporting.releases.trends import ReleasedCells, ReleaseIndex
from reporting.taxonomy import Taxonomy, TaxonomyError
from reporting.taxonomy_file import load_taxonomy
from reporting.web.auditing import audit


@dataclass(frozen=True)
class Services:
    taxonomy: Taxonomy | None
    scrubber: Scrubber
    clock: Clock
    timezone: str
    pepper: bytes | None
    release_policy: builder.ReleasePolicy
    release_index: ReleaseIndex = field(default_factory=ReleaseIndex)
    _due_checked: list[float] = field(default_factory=lambda: [0.0])
    _due_lock: threading.Lock = field(default_factory=threading.Lock)
    review_routes: dict[str, str] = field(default_factory=dict)
    _sealing_keys: dict = field(default_factory=dict)
    _builder: list = field(default_factory=lambda: [None])

    def sealing_key(self, kind: str) -> reports.SealingKey:
        """The public key a kind of report is sealed to, read at most every few seconds.

        Filing needs only the public key; reading it on every filing cost more than sealing.
        A rotated key reaches every process within REVIEW_KEY_SECONDS, and the rotation
        waits that long before its last sweep re-wraps anything sealed to the old key. Only
        a key whose signature verifies under the pin is kept (`pinning.UnverifiedGroupKey`).
        """
        group = reports.group_for(kind, self.review_routes)
        now = time.monotonic()
        cached = self._sealing_keys.get(group)
        if cached is None or now - cached[0] > REVIEW_KEY_SECONDS:
            cached = (now, reports.sealing_key(group))
            self._sealing_keys[group] = cached
        return cached[1]

    def require_taxonomy(self) -> Taxonomy:
        if self.taxonomy is None:
            raise TaxonomyError("no taxonomy loaded: run `reporting init`")
        return self.taxonomy


def init_app(app: Flask, *, serving: bool) -> None:
    taxonomy_path = Path(app.config.get("TAXONOMY_PATH") or Path(app.instance_path, TAXONOMY_FILE))
    taxonomy = None
    if serving or taxonomy_path.exists():
        taxonomy = load_taxonomy(taxonomy_path)
    pepper = app.config.get("RECEIPT_PEPPER")
    # The review keys' verification key, from the instance folder: a database writer cannot
    # change it, so filing refuses a group key they swapped (pinning.py).
    pinning.configure(
        database.obj,
        app.config.get(pinning.PIN_SETTING),
        app.config.get(pinning.ADDED_SETTING),
    )
    app.extensions["reporting"] = Services(
        taxonomy=taxonomy,
        scrubber=Scrubber(_configured_names(app)),
        clock=app.config.get("CLOCK") or system_clock,
        timezone=app.config["TIMEZONE"],
        pepper=bytes.fromhex(pepper) if pepper else None,
        review_routes=config.review_groups(app.config),
        release_policy=builder.ReleasePolicy(
            threshold=int(app.config["RELEASE_THRESHOLD"]),
            lag_days=int(app.config["RELEASE_LAG_DAYS"]),
            timezone=app.config["TIMEZONE"],
        ),
    )
    if serving:
        schema.require_current(database.obj, list(app.config["REVIEW_GROUPS"]))


def _configured_names(app: Flask) -> list[str]:
    path = Path(app.instance_path, app.config["DEID_NAMES_FILE"])
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def services() -> Services:
    return current_app.extensions["reporting"]


def current_period() -> str:
    found = services()
    return current_month(found.clock, found.timezone)


# How long one process keeps a review group's public key before reading it again; key
# rotation (rotation.py) waits this long after switching before its last sweep.
REVIEW_KEY_SECONDS = 5

# How often one process looks for a due release (a month that closed since the last look).
DUE_CHECK_SECONDS = 60


def released_cells() -> ReleasedCells:
    """The released cells; a release that has come due is built, without holding up readers.

    Before anything is released, the first build happens in this request, so a new
    deployment shows numbers at once. After that a due month is built in a background thread
    of this process (under the release lock, so two instances build it once) while requests
    keep answering from the releases already made; building a month can take longer than a
    request may. Run `reporting release` from cron to have it ready before anyone looks.
    The look for a due month is made at most once a minute per process.
    """
    found = services()
    now = time.monotonic()
    if now - found._due_checked[0] >= DUE_CHECK_SECONDS:
        with found._due_lock:
            if now - found._due_checked[0] >= DUE_CHECK_SECONDS:
                found._due_checked[0] = now
                if builder.released_through() is None:
                    for built in builder.build_due(
                        found.require_taxonomy(), found.release_policy, found.clock
                    ):
                        audit("release-built", built.month, actor="app")
                elif builder.due_months(found.clock(), found.release_policy):
                    start_background_build(current_app._get_current_object())
    return found.release_index.current()


def start_background_build(app: Flask) -> threading.Thread | None:
    """Build due releases in a daemon thread, unless this process is already building."""
    found = app.extensions["reporting"]
    running = found._builder[0]
    if running is not None and running.is_alive():
        return None

    def build() -> None:
        with app.app_context(), database.connection_context():
            try:
                for built in builder.build_due(
                    found.require_taxonomy(), found.release_policy, found.clock
                ):
                    audit("release-built", built.month, actor="app")
            except Exception:
                app.logger.exception("building a due release failed; `reporting release` retries")

    thread = threading.Thread(target=build, name="release-builder", daemon=True)
    found._builder[0] = thread
    thread.start()
    return thread


def file_live_report(submission: submissions.Submission) -> reports.FiledReport:
    """File a report now: this month, this instance's pepper, scrubber and review key."""
    found = services()
    return reports.file_report(
        submission,
        period=current_period(),
        pepper=found.pepper,
        scrubber=found.scrubber,
        key=found.sealing_key(submission.kind),
    )
