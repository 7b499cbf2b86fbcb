"""Every page passes axe-core with no serious or critical violation.

Each case brings a page to the state a person sees (a form with errors, a thread with a
reply, a dashboard with released data) and runs axe-core in it through
axe-playwright-python. The counts by impact for every page are printed at the end of the
run (see conftest.py); moderate and minor ones are reported, serious and critical fail.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import cached_property
from typing import Any

import pytest

from .browsing import screenshot
from .deployment import Account
from .steps import Reporter, Reviewer, file_report, log_in

pytestmark = pytest.mark.e2e

BLOCKING = ("serious", "critical")


class Visit:
    """Opens pages for one case; a deployment is started only if the case needs it."""

    def __init__(self, request: Any, browse: Any) -> None:
        self.request = request
        self.browse = browse

    @cached_property
    def ward(self):
        return self.request.getfixturevalue("ward")

    @cached_property
    def hospital(self):
        return self.request.getfixturevalue("hospital")

    def reporter(self, path: str = "/") -> Reporter:
        reporter = Reporter(self.browse(self.ward))
        reporter.page.goto(path)
        return reporter

    def staff(self, deployment: Any, username: str) -> Any:
        page = self.browse(deployment)
        account = deployment.accounts[username]
        log_in(page, account, code=account.next_code() if account.totp_secret else None)
        return page

    def open(self, where: str, path: str, user: str | None = None) -> Any:
        """`path` on the "ward" or the "hospital" deployment, logged in as `user` if given."""
        deployment = getattr(self, where)
        page = self.staff(deployment, user) if user else self.browse(deployment)
        page.goto(path)
        return page

    def reviewer(self) -> Reviewer:
        return self.request.getfixturevalue("reviewer")

    def details(self, kind: str = "A near-miss") -> Reporter:
        reporter = self.reporter("/report")
        reporter.page.get_by_role("button", name=re.compile(kind)).click()
        reporter.page.wait_for_selector("textarea#narrative")
        return reporter

    def reviewed(self) -> Reporter:
        reporter = self.details()
        reporter.fill_details(unit="Acute medical unit")
        reporter.page.wait_for_selector("text=Check your account before it is sent")
        return reporter

    def thread(self) -> Reporter:
        """A report on the reporter's follow-up page with the reviewer's reply in it."""
        receipt = file_report(Reporter(self.browse(self.ward)), unit="Ward 7B (respiratory)")
        self.ward.run_batch()
        reviewer = self.reviewer()
        reviewer.inbox(Unit="Medicine: Ward 7B (respiratory)")
        reviewer.open_first()
        reviewer.reply("Thank you: we have spoken to pharmacy about the vials.")
        reporter = Reporter(self.browse(self.ward))
        reporter.follow_up(receipt)
        return reporter


def _details_with_errors(visit: Visit) -> Any:
    reporter = visit.details()
    reporter.page.log.allow_failure(400, "/report")
    reporter.page.get_by_role("button", name="Continue").click()
    reporter.page.wait_for_selector("#error-summary")
    return reporter.page


def _restored(visit: Visit) -> Any:
    reporter = visit.reviewed()
    reporter.restore("07700 900461")
    return reporter.page


def _receipt(visit: Visit) -> Any:
    reporter = visit.reviewed()
    reporter.send()
    return reporter.page


def _follow_up_not_found(visit: Visit) -> Any:
    reporter = visit.reporter("/follow-up")
    reporter.page.log.allow_failure(404, "/follow-up")
    reporter.page.get_by_label("Receipt").fill("ABCD-2345-EFGH-6789")
    reporter.page.get_by_role("button", name="Show status").click()
    reporter.page.wait_for_selector("[role=alert]")
    return reporter.page


def _answer_review(visit: Visit) -> Any:
    reporter = visit.thread()
    reporter.check_answer()
    return reporter.page


def _left(visit: Visit) -> Any:
    page = visit.reporter("/").page
    page.get_by_role("button", name="Clear and leave").click()
    page.wait_for_selector("text=Cleared")
    return page


def _login_failed(visit: Visit) -> Any:
    page = visit.browse(visit.ward)
    page.log.allow_failure(401, "/login")
    log_in(page, Account("leader", "not-the-password-at-all"))
    page.wait_for_selector("[role=alert]")
    return page


def _review_inbox(visit: Visit) -> Any:
    file_report(Reporter(visit.browse(visit.ward)), unit="Surgical ward 4")
    visit.ward.run_batch()
    reviewer = visit.reviewer()
    assert reviewer.inbox(), "the inbox is empty: nothing to check"
    return reviewer.page


def _review_report(visit: Visit) -> Any:
    reviewer = visit.reviewer()
    if not reviewer.inbox():
        file_report(Reporter(visit.browse(visit.ward)), unit="Surgical ward 4")
        visit.ward.run_batch()
        reviewer.inbox()
    reviewer.open_first()
    return reviewer.page


def _reply_preview(visit: Visit) -> Any:
    reviewer = visit.reviewer()
    if not reviewer.inbox():
        file_report(Reporter(visit.browse(visit.ward)), unit="Surgical ward 4")
        visit.ward.run_batch()
        reviewer.inbox()
    reviewer.open_first()
    reviewer.check_reply("Jane Smith rang 07700 900123 about the pump alarm.")
    return reviewer.page


def _summary_preview(visit: Visit) -> Any:
    page = visit.open("hospital", "/review/actions", "reviewer")
    page.get_by_label("What changed").fill("From 3 March 2026 Dr Mark Bell runs the 14:00 huddle.")
    page.get_by_role("button", name="Check the summary").click()
    page.wait_for_selector("text=Check the summary before it is published")
    return page


def _dashboard(query: str) -> Callable[[Visit], Any]:
    def open_dashboard(visit: Visit) -> Any:
        page = visit.staff(visit.hospital, "leader")
        page.goto("/dashboard" + query)
        if "year" not in query:
            page.locator("figure.chart canvas").first.wait_for()
        return page

    return open_dashboard


def _not_found(visit: Visit) -> Any:
    page = visit.browse(visit.ward)
    page.log.allow_failure(404, "/no-such-page")
    assert page.goto("/no-such-page").status == 404
    return page


PAGES: dict[str, Callable[[Visit], Any]] = {
    "landing": lambda v: v.reporter("/").page,
    "report-start": lambda v: v.reporter("/report").page,
    "report-details-near-miss": lambda v: v.details().page,
    "report-details-moral-distress": lambda v: v.details("Moral distress").page,
    "report-details-errors": _details_with_errors,
    "report-review": lambda v: v.reviewed().page,
    "report-review-restored": _restored,
    "receipt": _receipt,
    "follow-up": lambda v: v.reporter("/follow-up").page,
    "follow-up-not-found": _follow_up_not_found,
    "follow-up-thread": lambda v: v.thread().page,
    "follow-up-answer-review": _answer_review,
    "left": _left,
    "you-said-we-did": lambda v: v.open("hospital", "/you-said-we-did"),
    "login": lambda v: v.open("ward", "/login"),
    "login-failed": _login_failed,
    "review-inbox": _review_inbox,
    "review-report": _review_report,
    "review-reply-preview": _reply_preview,
    "review-actions": lambda v: v.open("hospital", "/review/actions", "reviewer"),
    "review-actions-preview": _summary_preview,
    "dashboard": _dashboard(""),
    "dashboard-quarters-near-miss": _dashboard("?granularity=quarter&kind=near-miss"),
    "dashboard-years-none-released": _dashboard("?granularity=year"),
    "dashboard-nothing-released": lambda v: v.staff(v.ward, "leader"),
    "admin-audit": lambda v: v.open("hospital", "/admin/audit", "admin"),
    "error-404": _not_found,
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_or_critical_axe_violation(name, request, browse, axe_results):
    from axe_playwright_python.sync_playwright import Axe

    page = PAGES[name](Visit(request, browse))
    assert page is not None, f"{name}: the case returned no page"
    screenshot(page, f"a11y-{name}")
    violations = Axe().run(page).response["violations"]
    axe_results[name] = dict(Counter(v["impact"] for v in violations))
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in violations
        if v["impact"] in BLOCKING
    ]
    assert not blocking, f"{name} ({page.url}):\n" + "\n".join(blocking)


def test_axe_reports_a_violation_it_is_shown(browse, ward):
    """The harness is not blind: an unlabelled field added to a page is a critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    page = browse(ward)
    page.goto("/follow-up")
    page.evaluate("document.querySelector('label[for=receipt]').remove()")
    violations = Axe().run(page).response["violations"]
    assert ("label", "critical") in [(v["id"], v["impact"]) for v in violations]
