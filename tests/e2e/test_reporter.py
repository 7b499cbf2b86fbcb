"""The reporter in a real browser: JavaScript off and on, a phone's width, the keyboard alone.

The full flow crosses to the reviewer and back: the report reaches the inbox only after the
daily batch, the reviewer's reply reaches the reporter through the receipt, and the
reporter's answer reaches the reviewer with the next batch, de-identified like the report.
"""

from __future__ import annotations

import pytest

from .browsing import focused, horizontal_overflow, screenshot, tab_to
from .steps import ANSWER_PHONE, NAME, NARRATIVE, PHONE, RECEIPT, Reporter

pytestmark = pytest.mark.e2e

REPLY = "Thank you for telling us. Pharmacy has changed how the zorvastatin vials are stored."
# A unit of its own per test, so each finds its report with the inbox's unit filter.
FLOW_UNITS = {
    False: ("High dependency unit", "Critical care: High dependency unit"),
    True: ("Stroke unit", "Medicine: Stroke unit"),
}


@pytest.mark.parametrize("js", [False, True], ids=["javascript-off", "javascript-on"])
def test_reporter_files_follows_up_reads_the_reply_and_answers(browse, ward, reviewer, js):
    unit, unit_filter = FLOW_UNITS[js]
    page = browse(ward, js=js)
    reporter = Reporter(page, shots=f"reporter-{'js' if js else 'nojs'}-")
    reporter.open_landing()
    reporter.choose_kind()
    reporter.fill_details(unit=unit)

    page.wait_for_selector("text=Check your account before it is sent")
    preview = reporter.preview()
    assert NAME not in preview and PHONE not in preview, preview
    assert "[NAME]" in preview and "[PHONE]" in preview, preview
    reporter.shot("report-review")
    reporter.restore(PHONE)
    assert PHONE in page.get_by_role("alert").inner_text()
    preview = reporter.preview()
    assert PHONE in preview and NAME not in preview, preview
    reporter.shot("report-restored")
    receipt = reporter.send()

    reporter.follow_up(receipt)
    assert "Received" in page.locator("dl.summary").inner_text()
    assert reporter.messages() == []

    assert reviewer.inbox(Unit=unit_filter) == [], "a report reached reviewers before a batch"
    ward.run_batch()
    rows = reviewer.inbox(Unit=unit_filter)
    assert len(rows) == 1 and "Unread" in rows[0], rows
    reviewer.open_first()
    narrative = reviewer.narrative()
    assert PHONE in narrative and NAME not in narrative and "[NAME]" in narrative, narrative
    reviewer.reply(REPLY)

    reporter.follow_up(receipt)
    assert any(REPLY in message for message in reporter.messages()), reporter.messages()
    reporter.shot("status-replied")
    reporter.check_answer()
    assert ANSWER_PHONE not in reporter.preview() and "[PHONE]" in reporter.preview()
    reporter.shot("answer-review")
    reporter.send_answer()
    assert any("[PHONE]" in message for message in reporter.messages())

    assert reviewer.inbox(Unit=unit_filter)[0].count("Reporter replied") == 0
    ward.run_batch()
    rows = reviewer.inbox(Unit=unit_filter)
    assert "Reporter replied" in rows[0], rows
    reviewer.open_first()
    thread = reviewer.page.locator("ol.thread").first.inner_text()
    assert REPLY in thread and "[PHONE]" in thread and ANSWER_PHONE not in thread, thread
    assert page.log.dialogs == []


REPORTER_PAGES_AT_360 = (
    "landing",
    "report-start",
    "report-details",
    "report-review",
    "receipt",
    "follow-up",
    "status",
)


def test_reporter_pages_have_no_horizontal_scroll_at_360_pixels(browse, ward):
    page = browse(ward, width=360, height=740)
    reporter = Reporter(page)
    overflow = {}

    def measure(name: str) -> None:
        overflow[name] = horizontal_overflow(page)
        screenshot(page, f"phone-{name}")

    page.goto("/")
    measure("landing")
    page.get_by_role("link", name="Make a report").click()
    page.wait_for_url("**/report")
    measure("report-start")
    page.get_by_role("button", name="A near-miss").click()
    page.wait_for_selector("textarea#narrative")
    measure("report-details")
    reporter.fill_details(unit="Neonatal unit")
    page.wait_for_selector("text=Check your account before it is sent")
    measure("report-review")
    receipt = reporter.send()
    measure("receipt")
    page.goto("/follow-up")
    measure("follow-up")
    reporter.follow_up(receipt)
    measure("status")
    assert list(overflow) == list(REPORTER_PAGES_AT_360)
    assert all(pixels == 0 for pixels in overflow.values()), overflow


def test_report_form_works_with_the_keyboard_alone(browse, ward):
    page = browse(ward)
    page.goto("/report")
    page.keyboard.press("Tab")
    assert focused(page, "a.skip"), "the first Tab should reach 'Skip to content'"
    tab_to(page, 'button[value="near-miss"]')
    page.keyboard.press("Enter")
    page.wait_for_selector("textarea#narrative")

    tab_to(page, 'input[name="category"]')
    page.keyboard.press("Space")
    tab_to(page, "select#unit")
    page.keyboard.press("ArrowDown")
    tab_to(page, "textarea#narrative")
    page.keyboard.type(NARRATIVE)
    tab_to(page, 'button[value="continue"]')
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Check your account before it is sent")
    assert page.locator('input[name="category"]').input_value()
    assert page.locator('input[name="unit"]').input_value() != "not-given"

    tab_to(page, 'button[value="submit"]')
    page.keyboard.press("Enter")
    page.wait_for_selector(".receipt code")
    receipt = page.locator(".receipt code").inner_text()
    assert RECEIPT.fullmatch(receipt), receipt

    page.goto("/follow-up")
    tab_to(page, "input#receipt")
    page.keyboard.type(receipt)
    page.keyboard.press("Enter")
    page.wait_for_selector("#thread-heading")
    assert "Received" in page.locator("dl.summary").inner_text()


def test_a_report_without_narrative_is_filed_at_once(browse, ward):
    """No narrative: Continue files the report, no review step, and the receipt works."""
    page = browse(ward, js=False)
    reporter = Reporter(page)
    page.goto("/report")
    page.get_by_role("button", name="Moral distress").click()
    reporter.fill_details(
        category="Unsafe staffing", unit="Labour ward", narrative="", extra_radios=()
    )
    page.wait_for_selector(".receipt code")
    receipt = page.locator(".receipt code").inner_text()
    assert RECEIPT.fullmatch(receipt)
    reporter.follow_up(receipt)
    assert "Unsafe staffing" in page.locator("dl.summary").inner_text()
