"""The people in the browser tests and what they do, one method a step.

`Reporter` clicks through /report and /follow-up as a member of staff does, with or without
JavaScript; `Reviewer` works in /review. The tests compose these steps and assert on what
each page shows; the accessibility tests reuse them to reach every page.
"""

from __future__ import annotations

import re
from typing import Any

from .browsing import screenshot

RECEIPT = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")

# A name and a phone number, the two identifiers the flow checks: the name must be replaced
# and stay replaced; the pharmacy's number is the replacement the reporter puts back.
NAME = "Dr Aurelio Quenneville"
PHONE = "07700 900461"
NARRATIVE = (
    f"{NAME} wrote up forty milligrams of zorvastatin but the vial held four hundred. "
    f"I phoned pharmacy on {PHONE} and the pump was stopped before any dose ran."
)
ANSWER_PHONE = "07911 123456"
ANSWER = f"Thank you. Call me on {ANSWER_PHONE} if you need more about the pump."


class Reporter:
    """A member of staff with no account, filing and following up a report."""

    def __init__(self, page: Any, shots: str = "") -> None:
        self.page = page
        self.shots = shots  # screenshot name prefix; empty for none

    def shot(self, name: str) -> None:
        if self.shots:
            screenshot(self.page, f"{self.shots}{name}")

    def open_landing(self) -> None:
        self.page.goto("/")
        assert self.page.get_by_role("heading", level=1).inner_text().startswith("Speak up")
        self.shot("landing")

    def choose_kind(self, kind: str = "A near-miss") -> None:
        self.page.get_by_role("link", name="Make a report").click()
        self.page.wait_for_url("**/report")
        self.shot("report-start")
        self.page.get_by_role("button", name=re.compile(kind)).click()
        self.page.wait_for_selector("textarea#narrative")

    def fill_details(
        self,
        *,
        category: str = "Medication or other substance",
        unit: str = "Intensive care unit",
        narrative: str = NARRATIVE,
        extra_radios: tuple[str, ...] = ("A member of staff noticed", "Moderate harm"),
    ) -> None:
        page = self.page
        page.get_by_label(category, exact=True).check()
        page.get_by_label("Where?").select_option(label=unit)
        for label in extra_radios:
            page.get_by_label(label, exact=True).check()
        page.get_by_label("What happened?").fill(narrative)
        self.shot("report-details")
        page.get_by_role("button", name="Continue").click()

    def preview(self) -> str:
        return self.page.locator(".preview").inner_text()

    def restore(self, original: str) -> None:
        """Tick the replacement that was `original` and put it back; the warning must show."""
        self.page.get_by_role("checkbox", name=re.compile(re.escape(original))).check()
        self.page.get_by_role("button", name="Put back the ticked words").click()
        self.page.wait_for_selector("text=You put back your own words")

    def send(self) -> str:
        """Send the report; returns the receipt read off the page, which is shown once."""
        self.page.get_by_role("button", name="Send report").click()
        self.page.wait_for_selector(".receipt code")
        receipt = self.page.locator(".receipt code").inner_text().strip()
        assert RECEIPT.fullmatch(receipt), receipt
        assert receipt not in self.page.url
        self.shot("receipt")
        return receipt

    def follow_up(self, receipt: str) -> None:
        self.page.goto("/follow-up")
        self.shot("follow-up")
        self.page.get_by_label("Receipt").fill(receipt.replace("-", " ").lower())
        self.page.get_by_role("button", name="Show status").click()
        self.page.wait_for_selector("#thread-heading")

    def messages(self) -> list[str]:
        return self.page.locator("ol.thread li").all_inner_texts()

    def check_answer(self, text: str = ANSWER) -> None:
        self.page.get_by_label("Your answer").fill(text)
        self.page.get_by_role("button", name="Check my answer").click()
        self.page.wait_for_selector("text=Check your answer before it is sent")

    def send_answer(self) -> None:
        self.page.get_by_role("button", name="Send answer").click()
        self.page.wait_for_selector("text=Your answer was sent")


def file_report(reporter: Reporter, **details: Any) -> str:
    """The whole filing with a narrative, accepting the de-identified text as it is."""
    reporter.page.goto("/report")
    reporter.page.get_by_role("button", name=re.compile("A near-miss")).click()
    reporter.fill_details(**details)
    reporter.page.wait_for_selector("text=Check your account before it is sent")
    return reporter.send()


class Reviewer:
    """A logged-in reviewer in /review."""

    def __init__(self, page: Any, shots: str = "") -> None:
        self.page = page
        self.shots = shots

    def shot(self, name: str) -> None:
        if self.shots:
            screenshot(self.page, f"{self.shots}{name}")

    def inbox(self, tab: str = "", **filters: str) -> list[str]:
        """The inbox rows' text, after choosing a status tab ("Closed"; the default is
        "Open") and filters in the form (by label)."""
        page = self.page
        page.goto("/review")
        if tab:
            tabs = page.get_by_role("navigation", name="Reports by status")
            tabs.get_by_role("link", name=re.compile(rf"^{re.escape(tab)} \d+$")).click()
            page.wait_for_load_state()
        for label, option in filters.items():
            page.get_by_label(label, exact=True).select_option(label=option)
        if filters:
            page.get_by_role("button", name="Show").click()
            page.wait_for_load_state()
        return page.locator("table.inbox tbody tr").all_inner_texts()

    def open_first(self) -> None:
        self.page.locator("table.inbox tbody tr th a").first.click()
        self.page.wait_for_selector("#narrative-heading")

    def narrative(self) -> str:
        return self.page.locator(".narrative").inner_text()

    def check_reply(self, text: str) -> None:
        """The reply's first step: the scrubbed text with each replacement marked."""
        self.page.get_by_label("Reply to the reporter").fill(text)
        self.page.get_by_role("button", name="Check the reply").click()
        self.page.wait_for_selector("text=Check your reply before it is sent")

    def reply(self, text: str) -> None:
        self.check_reply(text)
        self.page.get_by_role("button", name="Send as shown").click()
        self.page.wait_for_selector("text=Reply sent")

    def change_status(self, status: str, referral: str = "") -> None:
        self.page.get_by_label("New status").select_option(label=status)
        if referral:
            self.page.get_by_label("Referred to").select_option(label=referral)
        self.page.get_by_role("button", name="Change status").click()
        self.page.wait_for_selector("text=Status changed to")

    def status(self) -> str:
        return self.page.locator("dl.summary dt:text('Status') + dd").inner_text()


def log_in(page: Any, account: Any, *, code: str | None = None) -> None:
    """Staff login through the form; `code` is the TOTP code when the account has one."""
    page.goto("/login")
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    if code is not None:
        page.get_by_label(re.compile("Authentication code")).fill(code)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
