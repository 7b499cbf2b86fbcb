"""The reviewer's inbox in a real browser: sorting, filters, search and status tabs with
JavaScript off, and the inbox on a 390 px phone.

The reports are filed through the API at "Surgery (department only)", a unit no other
browser test files at, so the inbox's unit filter finds exactly these whatever else the
session's ward holds.
"""

from __future__ import annotations

import re

import pytest

from .browsing import assert_no_axe_violation, horizontal_overflow, screenshot
from .steps import Reviewer

pytestmark = pytest.mark.e2e

UNIT = "Surgery (department only)"
FILED = [  # (kind, category, coded fields), and the potential harm the inbox words
    ("near-miss", "medication", {"potential_harm": "mild"}, "Mild harm"),
    ("moral-distress", "team-conflict", {"intensity": 8}, "Not a near-miss"),
    ("near-miss", "fall", {"potential_harm": "death"}, "Could have caused a death"),
    ("near-miss", "vte", {"potential_harm": "severe"}, "Severe harm"),
]
WORST_FIRST = ["Could have caused a death", "Severe harm", "Mild harm", "Not a near-miss"]


@pytest.fixture(scope="module")
def filed(browser, ward) -> int:
    """The four reports, filed and released by a batch."""
    context = browser.new_context(base_url=ward.origin)
    for kind, category, fields, _harm in FILED:
        body = {"kind": kind, "category": category, "unit": "department:surgery", **fields}
        answer = context.request.post("/api/v1/reports", data=body)
        assert answer.status == 201, answer.text()
    context.close()
    ward.run_batch()
    return len(FILED)


def column(page, label: str) -> list[str]:
    return [
        text.strip()
        for text in page.locator(f"table.inbox td[data-label='{label}']").all_inner_texts()
    ]


def tabs(page) -> dict[str, int]:
    found = page.get_by_role("navigation", name="Reports by status").get_by_role("link")
    return {
        name: int(count)
        for name, count in (
            re.fullmatch(r"(.+?)\s+(\d+)", text.strip()).groups()
            for text in found.all_inner_texts()
        )
    }


def axe_clean(browse, ward, reviewer_login, path: str, name: str, width: int = 1280) -> None:
    """axe-core needs scripts (and their timers) to run: the same page, with JavaScript on."""
    page = browse(ward, width=width, storage_state=reviewer_login)
    page.log.allow_failure(400, "/review")
    page.goto(path)
    assert_no_axe_violation(page, name)


def test_without_javascript_the_inbox_sorts_filters_searches_and_counts_statuses(
    browse, ward, reviewer_login, filed
):
    page = browse(ward, js=False, storage_state=reviewer_login)
    page.goto("/review")
    page.get_by_label("Unit", exact=True).select_option(label=UNIT)
    page.get_by_label("Sort by").select_option(label="Potential harm, worst first")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "unit=department%3Asurgery" in page.url and "sort=harm" in page.url, page.url
    assert column(page, "Potential harm") == WORST_FIRST
    counts = tabs(page)
    assert (counts["Open"], counts["Received"], counts["Closed"], counts["All"]) == (4, 4, 0, 4)
    assert (
        page.get_by_role("link", name=re.compile(r"^Open \d+$")).get_attribute("aria-current")
        == "page"
    )
    screenshot(page, "review-inbox-sorted-by-harm-nojs")
    axe_clean(browse, ward, reviewer_login, page.url, "review-inbox-sorted-by-harm")

    page.get_by_label("Potential harm (near-misses)").select_option(label="Severe harm")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert column(page, "Potential harm") == ["Severe harm"]
    page.get_by_label("Potential harm (near-misses)").select_option(label="Any")
    page.get_by_label("Search categories and units").fill("fall")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.locator("table.inbox tbody th").all_inner_texts() == ["Near-miss: Fall"]

    # Close the fall (received -> no further action -> closed): it leaves the open tab.
    reviewer = Reviewer(page)
    reviewer.open_first()
    reviewer.change_status("No further action")
    reviewer.change_status("Closed")
    page.goto("/review?unit=department:surgery")
    counts = tabs(page)
    assert (counts["Open"], counts["Closed"], counts["All"]) == (3, 1, 4), counts
    assert "Near-miss: Fall" not in page.locator("table.inbox").inner_text()
    page.get_by_role("link", name=re.compile(r"^Closed \d+$")).click()
    page.wait_for_load_state()
    assert "status=closed" in page.url and "unit=department" in page.url, page.url
    assert page.locator("table.inbox tbody th").all_inner_texts() == ["Near-miss: Fall"]
    assert column(page, "Status") == ["Closed"]

    # An argument not understood: named in a sentence, the others still applied; no 500.
    page.log.allow_failure(400, "/review")
    answer = page.goto("/review?unit=department:surgery&sort=arrival&status=all")
    assert answer.status == 400
    alert = page.get_by_role("alert").inner_text()
    assert "Sort by: choose Status, then category, Severity, highest first or" in alert, alert
    assert len(column(page, "Status")) == 4
    screenshot(page, "review-inbox-bad-argument-nojs")
    axe_clean(browse, ward, reviewer_login, page.url, "review-inbox-bad-argument")


@pytest.mark.parametrize("js", [False, True], ids=["javascript-off", "javascript-on"])
def test_the_inbox_fits_a_390_px_phone_as_a_list_of_cards(browse, ward, reviewer_login, filed, js):
    page = browse(ward, js=js, width=390, height=844, storage_state=reviewer_login)
    page.goto("/review?status=all&unit=department:surgery&sort=severity")
    rows = page.locator("table.inbox tbody tr")
    assert rows.count() == len(FILED)
    assert horizontal_overflow(page) == 0, "the inbox scrolls sideways at 390 px"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    card = rows.first.bounding_box()
    assert card["x"] >= 0 and card["x"] + card["width"] <= 390, card
    assert rows.first.evaluate("row => getComputedStyle(row).display") == "block"
    assert page.locator("table.inbox thead").bounding_box()["width"] <= 1  # for screen readers
    label = rows.first.locator("td[data-label='Severity']").evaluate(
        "cell => getComputedStyle(cell, '::before').content"
    )
    assert label == '"Severity: "', label
    for path in ("/review", "/review?sort=bogus", "/review/actions"):
        if path.endswith("bogus"):
            page.log.allow_failure(400, "/review")
        page.goto(path)
        assert horizontal_overflow(page) == 0, f"{path} scrolls sideways at 390 px"
    page.goto("/review?status=all&unit=department:surgery&sort=severity")
    screenshot(page, f"review-inbox-390-{'js' if js else 'nojs'}")
    if js:  # axe-core runs only with scripts on
        assert_no_axe_violation(page, "review-inbox-390")
