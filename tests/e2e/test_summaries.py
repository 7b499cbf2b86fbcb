"""'You said, we did' in a real browser: a reviewer publishes a summary, edits it through the
same scrubbed preview, and withdraws it after a confirmation page, with JavaScript on and
off; the public page follows each step and the audit log names the summary, never its text.

Runs on the demo `hospital`, whose released quarters make categories publishable.
"""

from __future__ import annotations

import re

import pytest

from .browsing import assert_no_axe_violation, screenshot
from .steps import log_in

pytestmark = pytest.mark.e2e

EDITED = "From 3 March 2026 Dr Mark Bell runs the 14:00 huddle on every ward."


def summary_item(page, text: str):
    """The published summary's entry on the reviewers' page, found by its text."""
    return page.locator("li", has_text=text)


def public_text(browse, hospital) -> str:
    page = browse(hospital)
    page.goto("/you-said-we-did")
    return page.locator("main").inner_text()


@pytest.mark.parametrize("js", [False, True], ids=["javascript-off", "javascript-on"])
def test_a_reviewer_edits_then_withdraws_a_published_summary(browse, hospital, js):
    first = f"Bed alarms now work on every ward (checked with JavaScript {'on' if js else 'off'})."
    page = browse(hospital, js=js)
    log_in(page, hospital.accounts["reviewer"])
    page.goto("/review/actions")
    page.get_by_label("What changed").fill(first)
    page.get_by_role("button", name="Check the summary").click()
    page.get_by_role("button", name="Publish as shown").click()
    page.wait_for_selector("text=Published for")
    assert first in public_text(browse, hospital)

    item = summary_item(page, first)
    edit = item.get_by_role("link", name=re.compile(r"^Edit the .+ summary for \d{4}-Q[1-4]$"))
    summary_id = re.search(r"/review/actions/([0-9a-f]{16})/edit", edit.get_attribute("href"))[1]
    edit.click()
    page.wait_for_selector("text=Edit the summary")
    assert page.get_by_label("What changed").input_value() == first
    if js:
        assert_no_axe_violation(page, "review-actions-edit")
    page.get_by_label("What changed").fill(EDITED)
    page.get_by_role("button", name="Check the summary").click()
    page.wait_for_selector("text=Check the summary before it is saved")
    preview = page.locator(".preview").inner_text()
    assert "3 March 2026" in preview and "14:00" in preview and "Mark" not in preview, preview
    assert page.get_by_role("button", name="Publish as shown").count() == 0
    screenshot(page, f"review-actions-edit-preview-{'js' if js else 'nojs'}")
    if js:
        assert_no_axe_violation(page, "review-actions-edit-preview")
    page.get_by_role("button", name="Save as shown").click()
    page.wait_for_selector("text=Saved the summary for")
    shown = public_text(browse, hospital)
    assert first not in shown and "runs the 14:00 huddle on every ward" in shown
    assert "Mark Bell" not in shown and "[NAME]" in shown

    edited = page.locator("li", has_text="runs the 14:00 huddle").filter(
        has=page.locator(f"a[href='/review/actions/{summary_id}/withdraw']")
    )
    edited.get_by_role("link", name=re.compile(r"^Withdraw the ")).click()
    page.wait_for_selector("text=Withdraw this summary?")
    assert "runs the 14:00 huddle" in page.locator("article").inner_text()
    screenshot(page, f"review-actions-withdraw-{'js' if js else 'nojs'}")
    if js:
        assert_no_axe_violation(page, "review-actions-withdraw")
    page.get_by_role("button", name="Withdraw the summary").click()
    page.wait_for_selector("text=staff no longer see it")
    assert page.locator(f"a[href='/review/actions/{summary_id}/edit']").count() == 0
    assert "runs the 14:00 huddle" not in public_text(browse, hospital)

    admin = browse(hospital)
    log_in(admin, hospital.accounts["admin"])
    admin.goto("/admin/audit")
    rows = [row for row in admin.locator("table tbody tr").all_inner_texts() if summary_id in row]
    actions = [
        a for a in ("action-publish", "action-edit", "action-withdraw") if any(a in r for r in rows)
    ]
    assert actions == ["action-publish", "action-edit", "action-withdraw"], rows
    assert all(
        "reviewer" in row and "huddle" not in row and "Bed alarms" not in row for row in rows
    )
