"""The distress thermometer's markup: a 0-10 scale of plain radio buttons, no JavaScript."""

from __future__ import annotations

import re

from conftest import csrf_token, receipt_in
from helpers import stored_reports


def test_the_scale_has_eleven_named_points_and_prefer_not_to_say(reporter):
    html = reporter.start("moral-distress").get_data(as_text=True)
    scale = re.search(r'<div class="thermo">(.*?)</div>', html, re.S).group(1)
    values = re.findall(
        r'<input type="radio" class="thermo-input" name="intensity" value="(\d+)"', scale
    )
    assert values == [str(n) for n in range(11)]
    assert (
        '<span class="thermo-number">0</span><span class="visually-hidden"> (none)</span>' in scale
    )
    assert "> (worst possible)</span>" in scale
    assert re.search(
        r'name="intensity" value="" autocomplete="off" checked> Prefer not to say', html
    )
    assert "<script" not in scale


def test_a_chosen_point_stays_chosen_when_the_page_comes_back_and_is_filed(reporter, client):
    page = reporter.start("moral-distress").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "kind": "moral-distress", "action": "continue"}
    again = client.post("/report", data={**data, "intensity": "9"})  # no category yet
    html = again.get_data(as_text=True)
    assert again.status_code == 400
    assert 'value="9" autocomplete="off" checked>' in html
    filed = client.post("/report", data={**data, "intensity": "9", "category": "false-hope"})
    receipt_in(filed.get_data(as_text=True))
    (report,) = stored_reports()
    assert report.intensity == 9 and report.severity == "high"
