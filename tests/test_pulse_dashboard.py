"""The leadership pulse page: released waves only, shares from published counts, hidden
shares marked, report counts of the wave's quarter beside each department."""

from __future__ import annotations

import re

from review_support import log_in

from reporting.db import database
from reporting.models import PulseWave
from reporting.releases.pulse_release import percent, released_cells


def test_the_pulse_page_shows_released_waves_from_published_counts(make_app):
    result = (
        make_app()
        .test_cli_runner()
        .invoke(args=["demo", "--months", "3", "--scale", "0.3", "--seed", "7"])
    )
    assert result.exit_code == 0, result.output
    password = re.search(r"password: (\S+)", result.output).group(1)
    app = make_app()  # started after the demo, as `make run` is: with the demo's taxonomy
    client = app.test_client()
    log_in(client, "leader", password)
    page = client.get("/dashboard/pulse")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Psychological safety pulse" in html and "Whole organisation" in html
    with app.app_context(), database.connection_context():
        waves = list(PulseWave.select().order_by(PulseWave.opens))
        cells = released_cells(waves[-1].id)
    share = percent(
        *(cells[("*", "*", "psych-safety", b)] for b in ("favourable", "neutral", "unfavourable"))
    )
    assert share is not None and f"{share:.0f} %" in html
    assert "hidden for anonymity" in html
    assert re.search(r"Near-miss reports, \d{4}-Q\d", html)
    assert "Cancer services" in html  # the department that improves between the waves
    assert "not released yet" in html  # the latest wave's quarter has no report release yet
    assert client.get("/dashboard").get_data(as_text=True).count('href="/dashboard/pulse"') == 1


def test_the_pulse_page_needs_a_leadership_login(app, client):
    answer = client.get("/dashboard/pulse")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
