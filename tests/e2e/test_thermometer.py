"""The distress thermometer on a phone: a compact 0-10 scale, CSS only.

At 390 px the eleven points sit in one row, each a box a thumb can hit (at least 24 px, WCAG
2.2's target size), with no horizontal scrolling; each point's name is its number, the ends
with their words ("0 (none)", "10 (worst possible)"); arrow keys move along it; and with
JavaScript off a tapped point is the intensity filed.
"""

from __future__ import annotations

import re

import pytest

from .browsing import assert_no_axe_violation, horizontal_overflow, screenshot
from .steps import Reporter

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def moral_distress_details(page) -> None:
    page.goto("/report")
    page.get_by_role("button", name=re.compile("Moral distress")).click()
    page.wait_for_selector("textarea#narrative")
    page.wait_for_load_state("load")


def test_the_thermometer_fits_a_390_pixel_phone_as_one_row(browse, ward):
    page = browse(ward, **PHONE)
    moral_distress_details(page)
    scale = page.get_by_role("group", name=re.compile("How much distress"))
    points = [scale.get_by_role("radio", name=str(n), exact=True) for n in range(1, 10)]
    points.insert(0, scale.get_by_role("radio", name="0 (none)"))
    points.append(scale.get_by_role("radio", name="10 (worst possible)"))
    assert all(point.count() == 1 for point in points)
    # Measured in one frame: box by box, a layout still settling (the page loading, a scroll
    # bar appearing) would read as rows that are not there.
    boxes = scale.locator("label.thermo-point").evaluate_all(
        "labels => labels.map(label => { const r = label.getBoundingClientRect();"
        " return {x: r.x, y: r.y, width: r.width, height: r.height}; })"
    )
    assert len(boxes) == 11
    assert len({round(box["y"]) for box in boxes}) == 1, "the scale wraps onto two rows"
    assert all(box["width"] >= 24 and box["height"] >= 24 for box in boxes), boxes
    assert boxes[-1]["x"] + boxes[-1]["width"] <= PHONE["width"] - 8
    assert horizontal_overflow(page) == 0
    assert scale.get_by_role("radio", name="Prefer not to say").is_checked()

    points[6].locator("xpath=..").click()
    assert points[6].is_checked()
    page.keyboard.press("ArrowRight")
    assert points[7].is_checked(), "arrow keys move along the scale"
    page.locator("#intensity").scroll_into_view_if_needed()
    screenshot(page, "phone-thermometer")
    assert_no_axe_violation(page, "details (moral distress) at 390 px")


def test_without_javascript_the_tapped_point_is_the_intensity_filed(browse, ward):
    page = browse(ward, js=False, **PHONE)
    reporter = Reporter(page)
    moral_distress_details(page)
    page.get_by_label("Unsafe staffing", exact=True).check()
    page.locator("label.thermo-point", has_text=re.compile(r"^8$")).click()
    assert page.get_by_role("radio", name="8", exact=True).is_checked()
    page.get_by_role("button", name="Continue").click()  # no account: filed at once
    page.wait_for_selector(".receipt code")
    receipt = page.locator(".receipt code").inner_text()
    reporter.follow_up(receipt)
    assert "Unsafe staffing" in page.locator("dl.summary").inner_text()
