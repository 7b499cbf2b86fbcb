"""Housekeeping runs every scheduled job: the batch, the daily purge, idle key sessions."""

from __future__ import annotations

from datetime import timedelta

from reporting import accounts
from reporting.db import database
from reporting.models import StaffKeySession
from reporting.privacy import crypto, keys
from reporting.review import housekeeping
from reporting.web.auditing import audit


def test_run_due_runs_the_purge_once_a_day_and_ends_idle_key_sessions(app, clock, backend):
    settings = housekeeping.HousekeepingSettings.from_config(app.config)
    with app.app_context(), database.connection_context():
        user = accounts.create_user("alice", "correct horse battery", ["reviewer"])
        private = crypto.generate_keypair().private
        keys.start_session(user.id, private, clock.now - timedelta(minutes=45))
        fresh_id, _ = keys.start_session(user.id, private, clock.now - timedelta(minutes=5))
        first = housekeeping.run_due(settings, clock.now, record=audit)
        assert first.purge is not None and first.idle_key_sessions_ended == 1
        assert [row.id for row in StaffKeySession.select()] == [fresh_id]
        again = housekeeping.run_due(settings, clock.now + timedelta(hours=1), record=audit)
        assert again.purge is None  # today's purge already ran
        clock.now += timedelta(days=1)
        assert housekeeping.run_due(settings, clock.now, record=audit).purge is not None
