"""The reporter after filing, in a real browser: the receipt's copy and print, and Back.

- With JavaScript the receipt page has a "Copy receipt code" button that puts the code in
  the clipboard and says "Copied" in a live region, and a "Print this receipt" button; "Clear
  and leave" empties the clipboard again. Without JavaScript neither button shows and the
  page asks for the code to be written down.
- Printed (print media), the page is the receipt box alone: the code, the month and where to
  follow up; no navigation, no buttons, nothing else.
- Back after the receipt shows a plain "already filed" page. With JavaScript the browser goes
  there at once; without it the browser first says the page must be sent again (it keeps no
  copy of a POST: every reporter page is no-store), and sending it again gets the same plain
  page, with nothing filed twice.
- Following up with the receipt, the reporter can unfold their account as the review team
  reads it (de-identified), with JavaScript on or off.
axe-core runs in the pages with JavaScript on (it is a script itself); without JavaScript
the same pages carry the same markup, only the hidden buttons stay hidden.
"""

from __future__ import annotations

import re

import pytest

from .browsing import assert_no_axe_violation, screenshot
from .steps import NAME, RECEIPT, Reporter, file_report

pytestmark = pytest.mark.e2e

ALREADY_FILED = "This report has already been filed"


def test_the_copy_button_puts_the_receipt_in_the_clipboard_and_leaving_empties_it(browse, ward):
    from playwright.sync_api import expect

    page = browse(ward)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ward.origin)
    receipt = file_report(Reporter(page), unit="Surgical ward 4")
    copy = page.get_by_role("button", name="Copy receipt code")
    assert copy.is_visible() and page.get_by_role("button", name="Print this receipt").is_visible()
    status = page.locator("#copy-status")
    assert status.get_attribute("aria-live") == "polite" and status.inner_text() == ""
    copy.click()
    # Polled from outside the page: a string predicate would be eval, which the CSP refuses.
    expect(status).to_have_text(re.compile(r"^Copied"))
    assert page.evaluate("navigator.clipboard.readText()") == receipt
    screenshot(page, "receipt-copied")
    assert_no_axe_violation(page, "receipt (copied)")

    page.get_by_role("button", name="I have written it down: clear and leave").click()
    page.wait_for_selector("text=Cleared")
    assert page.evaluate("navigator.clipboard.readText()") == ""


def test_without_javascript_there_is_no_button_and_the_code_is_to_be_written_down(browse, ward):
    page = browse(ward, js=False)
    receipt = file_report(Reporter(page), unit="Surgical ward 4")
    assert RECEIPT.fullmatch(receipt)
    assert page.get_by_role("button", name="Copy receipt code").count() == 0  # hidden
    assert not page.locator("#copy-receipt").is_visible()
    assert not page.locator("#print-receipt").is_visible()
    assert "Write it down now" in page.locator(".receipt-box").inner_text()
    screenshot(page, "receipt-nojs")


def test_printing_the_receipt_gives_the_code_the_month_and_where_to_follow_up_only(browse, ward):
    page = browse(ward)
    receipt = file_report(Reporter(page), unit="Surgical ward 4")
    period = re.search(r"\d{4}-\d{2}", page.locator(".receipt-facts").inner_text()).group(0)
    page.emulate_media(media="print")
    printed = page.locator("body").inner_text()
    assert receipt in printed and period in printed
    assert f"{ward.origin}/follow-up" in printed
    for absent in (
        "Thank you",
        "What happens next",
        "Clear and leave",
        "Copy receipt code",
        "Print this receipt",
        "Write it down now",
        "Follow up a report",  # the footer's navigation
        "zorvastatin",  # nothing of the report itself
    ):
        assert absent.lower() not in printed.lower(), absent
    lines = [line for line in printed.splitlines() if line.strip()]
    assert len(lines) <= 6, lines  # heading, code, two facts with their labels
    screenshot(page, "receipt-print")
    page.emulate_media(media="screen")
    assert "What happens next" in page.locator("body").inner_text()


def test_back_after_the_receipt_with_javascript_shows_the_plain_page(browse, ward):
    page = browse(ward)
    file_report(Reporter(page), unit="Surgical ward 4")
    page.go_back()
    page.get_by_role("heading", name=ALREADY_FILED).wait_for()
    assert page.url.endswith("/report/filed")
    assert "Your receipt was shown once" in page.locator("main").inner_text()
    assert page.locator("main form").count() == 0
    screenshot(page, "report-already-filed")
    assert_no_axe_violation(page, "already filed")

    page.go_forward()  # the receipt itself is not shown again
    page.get_by_role("heading", name=ALREADY_FILED).wait_for()
    assert page.locator(".receipt code").count() == 0

    page.get_by_role("link", name="start a new report").click()
    page.get_by_role("heading", name="What would you like to tell us about?").wait_for()


def test_reloading_the_receipt_with_javascript_files_nothing_again(browse, ward):
    page = browse(ward)
    file_report(Reporter(page), unit="Surgical ward 4")
    response = page.reload()
    assert response.request.method == "GET"
    page.get_by_role("heading", name=ALREADY_FILED).wait_for()


def test_back_after_the_receipt_without_javascript_sent_again_shows_the_plain_page(browse, ward):
    from playwright.sync_api import Error

    page = browse(ward, js=False)
    posts: list[str] = []
    page.on(
        "request",
        lambda request: (
            posts.append(request.post_data or "")
            if request.method == "POST" and request.url.endswith("/report")
            else None
        ),
    )
    file_report(Reporter(page), unit="Surgical ward 4")
    # The browser kept no copy of the page before the receipt (no-store) and will not POST
    # by itself: it shows its own "send again?" page instead.
    with pytest.raises(Error, match="ERR_CACHE_MISS"):
        page.go_back()
    # Sending it again is that page's POST once more, with this browser's cookie. (Chromium
    # shows its error page in another process, which playwright's page does not follow, so
    # the request is sent from the same context rather than by the page's reload button.)
    again = page.context.request.post(
        f"{ward.origin}/report",
        data=posts[-2],
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert again.status == 200
    assert ALREADY_FILED in again.text() and "zorvastatin" not in again.text()
    assert 'name="csrf_token"' not in again.text()  # no form to send a second time


@pytest.mark.parametrize("js", [False, True], ids=["javascript-off", "javascript-on"])
def test_following_up_the_reporter_reads_their_de_identified_account_again(browse, ward, js):
    page = browse(ward, js=js)
    reporter = Reporter(page)
    receipt = file_report(reporter, unit="Surgical ward 4")
    reporter.follow_up(receipt)
    account = page.locator("details.own-account .preview")
    assert not account.is_visible(), "folded away until asked for"
    page.get_by_text("Read your account as the review team reads it").click()
    account.wait_for()
    text = account.inner_text()
    assert "zorvastatin" in text and "[NAME]" in text
    assert NAME not in text and NAME.split()[-1] not in page.locator("main").inner_text()
    screenshot(page, f"follow-up-own-account-{'js' if js else 'nojs'}")
    if js:
        assert_no_axe_violation(page, "follow-up with the account unfolded")
