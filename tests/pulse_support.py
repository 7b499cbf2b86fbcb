"""Shared steps for the pulse survey's web tests: a wave with codes, and a respondent."""

from __future__ import annotations

import datetime as dt
import re

from conftest import csrf_token, hidden_inputs

from reporting.db import database
from reporting.pulse.codes import issue_codes
from reporting.pulse.waves import open_wave

# Around the fixture clock's date (conftest.FIXED_NOW, 14 November 2026).
OPENS, CLOSES = dt.date(2026, 11, 2), dt.date(2026, 11, 20)
ITEMS = [f"ps{i}" for i in range(1, 8)]
ALL_AGREE = {f"answer-{item}": "6" for item in ITEMS}


def open_wave_with_codes(app, count: int = 3, unit: str = "icu") -> tuple[str, list[str]]:
    """A wave of psych-safety-7 open today and `count` codes for `unit`."""
    with app.app_context(), database.connection_context():
        pepper = app.extensions["reporting"].pepper
        wave = open_wave("psych-safety-7", OPENS, CLOSES, pepper=pepper)
        return wave, issue_codes(wave, unit, count, pepper=pepper)


class Respondent:
    """Answers a wave the way a browser with JavaScript off does: forms posted as shown."""

    def __init__(self, client, wave: str) -> None:
        self.client = client
        self.wave = wave

    def enter_code(self, code: str):
        page = self.client.get(f"/pulse/{self.wave}").get_data(as_text=True)
        return self.client.post(
            f"/pulse/{self.wave}", data={"csrf_token": csrf_token(page), "code": code}
        )

    def post_answers(self, page_html: str, action: str = "review", **fields: str):
        """The page's hidden fields (the token, and on the confirm step everything else),
        its CSRF token, then `fields` as the respondent fills or changes them."""
        data = hidden_inputs(page_html)
        data["csrf_token"] = csrf_token(page_html)
        data["action"] = action
        data.update(fields)
        return self.client.post(f"/pulse/{self.wave}/answers", data=data)

    def answer_form(self, code: str) -> str:
        page = self.enter_code(code)
        assert page.status_code == 200, page.get_data(as_text=True)
        return page.get_data(as_text=True)


def checked_radios(html: str) -> dict[str, str]:
    """name -> value of every checked radio button on the page."""
    found = {}
    for tag in re.findall(r"<input type=\"radio\"[^>]*>", html):
        if " checked" in tag:
            name = re.search(r'name="([^"]+)"', tag).group(1)
            found[name] = re.search(r'value="([^"]*)"', tag).group(1)
    return found


def selected(html: str, select: str) -> str:
    block = re.search(rf'<select name="{select}".*?</select>', html, re.S).group(0)
    match = re.search(r'<option value="([^"]*)" selected>', block)
    return match.group(1) if match else ""
