"""Three new views in a real browser: the narrative's length, the pulse board, coded fields.

- The reporter's account box counts characters as they type (counter.js) and says how many
  are too many past the limit; with or without JavaScript, the server refuses an account
  over the limit saying how long it is, and gives every character of it back in the box.
- Leadership's pulse page shows a wave opened, answered, closed and released with the
  command line and the respondents' pages, and passes axe-core with no violation at all.
- The reviewer's report page words a near-miss's coded fields ("A check, alert or system"),
  never the stored code.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from reporting.config import Defaults

from .browsing import assert_no_axe_violation, screenshot
from .steps import Reporter, Reviewer, log_in

pytestmark = pytest.mark.e2e

# The ward's config.py sets no limit of its own, and the deployment drops REPORTING_* from
# the server's environment: the default limit applies.
LIMIT = Defaults.MAX_NARRATIVE_CHARS
SENTENCE = "The infusion pump alarmed twice on the night shift before the line was checked. "
PULSE_UNIT = "icu"
PULSE_RESPONDENTS = 6  # all the codes issued: above k (5) and the response-rate floor
STATEMENTS = 7


def account_of(length: int) -> str:
    """An account of exactly `length` characters, with no run of spaces or markup to clean."""
    text = (SENTENCE * (length // len(SENTENCE) + 1))[:length]
    return text[:-1] + "." if text.endswith(" ") else text


def details_page(page) -> None:
    page.goto("/report")
    page.get_by_role("button", name=re.compile("A near-miss")).click()
    page.wait_for_selector("textarea#narrative")


def too_long_sentence(length: int) -> str:
    return f"Your account is {length:,} characters long; we can take up to {LIMIT:,}."


# ---- 1. the narrative's length ------------------------------------------------------------


def test_the_narrative_box_counts_characters_as_the_reporter_types(browse, ward):
    page = browse(ward)
    details_page(page)
    box = page.locator("textarea#narrative")
    count = page.locator("#narrative-count")
    assert box.get_attribute("data-limit") == str(LIMIT)
    assert box.get_attribute("maxlength") is None, "the box would cut a pasted account"
    assert count.get_attribute("aria-live") == "polite"
    assert "narrative-count" in box.get_attribute("aria-describedby").split()
    # counter.js replaces the server's "Up to …" once it has run.
    page.wait_for_function(
        "document.getElementById('narrative-count').textContent.includes(' of ')"
    )
    assert count.inner_text() == f"0 of {LIMIT:,} characters."

    box.fill("The pump alarmed.")
    assert count.inner_text() == f"17 of {LIMIT:,} characters."
    assert "count-over" not in (count.get_attribute("class") or "")

    box.fill(account_of(LIMIT))
    assert count.inner_text() == f"{LIMIT:,} of {LIMIT:,} characters."
    assert "count-over" not in (count.get_attribute("class") or "")

    over = LIMIT + 25
    box.fill(account_of(over))
    too_many = f"{over:,} of {LIMIT:,} characters: 25 too many."
    assert count.inner_text() == too_many + " Please shorten it before you continue."
    assert re.search(r"\bcount-over\b", count.get_attribute("class"))
    screenshot(page, "narrative-count-over")

    # Sent anyway, the server refuses it; the page comes back with the count already over.
    page.log.allow_failure(400, "/report")
    page.get_by_label("A member of staff noticed", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#error-summary")
    assert too_long_sentence(over) in page.get_by_role("alert").inner_text()
    assert page.locator("textarea#narrative").input_value() == account_of(over)
    assert page.get_by_label("A member of staff noticed", exact=True).is_checked()
    assert re.search(r"\bcount-over\b", count.get_attribute("class"))
    assert count.inner_text().startswith(too_many)

    page.locator("textarea#narrative").fill(account_of(LIMIT - 1))
    assert count.inner_text() == f"{LIMIT - 1:,} of {LIMIT:,} characters."
    assert "count-over" not in (count.get_attribute("class") or "")


def test_without_javascript_a_long_account_is_refused_and_kept_whole(browse, ward):
    page = browse(ward, js=False)
    details_page(page)
    count = page.locator("#narrative-count")
    assert count.inner_text() == f"Up to {LIMIT:,} characters."
    assert page.locator("textarea#narrative").get_attribute("maxlength") is None

    over = LIMIT + 1234
    text = account_of(over)
    page.get_by_label("Medication or other substance", exact=True).check()
    page.get_by_label("Where?").select_option(label="Neonatal unit")
    page.get_by_label("What happened?").fill(text)
    page.log.allow_failure(400, "/report")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#error-summary")

    alert = page.get_by_role("alert").inner_text()
    assert too_long_sentence(over) in alert, alert
    assert "nothing you wrote has been cut or lost" in alert, alert
    summary_link = page.get_by_role("link", name=re.compile("Your account is"))
    assert summary_link.get_attribute("href") == "#narrative"
    box = page.locator("textarea#narrative")
    assert box.input_value() == text, "the account came back cut or changed"
    assert box.get_attribute("maxlength") is None
    assert page.get_by_label("Medication or other substance", exact=True).is_checked()
    assert page.get_by_label("Where?").input_value() == "nicu"
    assert page.locator(".field-invalid textarea#narrative").count() == 1
    assert count.inner_text() == f"Up to {LIMIT:,} characters."  # no script ran
    screenshot(page, "narrative-too-long-nojs")
    assert page.log.dialogs == []


# ---- 2. leadership's pulse page -------------------------------------------------------------


def day_label(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def answer_survey(page, wave: str, code: str) -> None:
    """One respondent, JavaScript off: the code, seven statements, unit and group, sent."""
    page.goto(f"/pulse/{wave}")
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Start the survey").click()
    page.wait_for_selector("input[name=token_signature]", state="attached")
    for number in range(1, STATEMENTS + 1):
        group = page.get_by_role("group", name=re.compile(rf"^{number} of {STATEMENTS}\."))
        group.get_by_label("Agree", exact=True).check()
    page.get_by_label("Your unit").select_option(PULSE_UNIT)
    page.get_by_label("Your staff group").select_option(label="Nursing or midwifery")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/pulse/thank-you")


def test_leadership_sees_a_released_pulse_wave_by_department(browse, hospital):
    today = dt.datetime.now(dt.UTC).date()
    opens, closes = today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    out = hospital.cli(
        "pulse", "open", "--instrument", "psych-safety-7",
        "--from", str(opens), "--until", str(closes),
    )  # fmt: skip
    wave = re.search(r"opened wave ([0-9a-f]{32})", out).group(1)
    out = hospital.cli(
        "pulse", "codes", "--wave", wave, "--unit", PULSE_UNIT,
        "--count", str(PULSE_RESPONDENTS),
    )  # fmt: skip
    codes = [row["code"] for row in csv.DictReader(io.StringIO(out))]
    assert len(codes) == PULSE_RESPONDENTS

    respondent = browse(hospital, js=False)
    for code in codes:
        answer_survey(respondent, wave, code)
    listed = next(line for line in hospital.cli("pulse", "list").splitlines() if wave in line)
    assert listed.split("\t")[-1] == str(PULSE_RESPONDENTS), listed
    assert "closed wave" in hospital.cli("pulse", "close", wave)
    assert f"released wave {wave}" in hospital.cli("pulse", "release", wave)

    page = browse(hospital)
    log_in(page, hospital.accounts["leader"])
    assert page.url.endswith("/dashboard"), page.url
    link = page.get_by_role("link", name="Psychological safety pulse")
    assert link.get_attribute("href") == "/dashboard/pulse"
    link.click()
    page.wait_for_url("**/dashboard/pulse")
    assert page.get_by_role("heading", level=1).inner_text() == "Psychological safety pulse"

    table = page.locator("#pulse-departments-table")
    assert table.is_visible()
    caption = table.locator("caption").inner_text()
    assert caption.startswith("By department"), caption
    heads = table.locator("thead th").all_inner_texts()
    label = f"{day_label(opens)} – {day_label(closes)} {closes.year}"
    assert any(head.startswith(label) for head in heads), (label, heads)
    rows = table.locator("tbody th[scope=row]").all_inner_texts()
    assert rows and rows[0] == "Whole organisation", rows
    assert "Critical care" in rows, rows  # the department of the unit that answered (icu)
    for other in ("#pulse-groups-table", "#pulse-items-table"):
        assert page.locator(other).is_visible()

    # The newest wave is the last (share, respondents, reports): its respondents are ours.
    cells = table.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[-2].strip() == str(PULSE_RESPONDENTS), cells
    screenshot(page, "leadership-pulse")
    assert_no_axe_violation(page, "leadership-pulse")


# ---- 3. the reviewer's words for coded fields -------------------------------------------------


def test_the_reviewer_reads_words_not_codes_for_a_near_miss(browse, ward, reviewer: Reviewer):
    unit, unit_filter = "Paediatric oncology", "Women and children: Paediatric oncology"
    reporter = Reporter(browse(ward, js=False))
    reporter.page.goto("/report")
    reporter.page.get_by_role("button", name=re.compile("A near-miss")).click()
    reporter.fill_details(
        unit=unit, extra_radios=("A check, alert or system caught it", "Severe harm")
    )
    reporter.page.wait_for_selector("text=Check your account before it is sent")
    reporter.send()

    ward.run_batch()
    rows = reviewer.inbox(Unit=unit_filter)
    assert len(rows) == 1, rows
    reviewer.open_first()
    page = reviewer.page
    summary = page.locator("dl.summary")
    stopped_by = summary.locator("dt:text-is('Stopped by') + dd").inner_text().strip()
    harm = summary.locator("dt:text-is('Potential harm') + dd").inner_text().strip()
    assert stopped_by == "A check, alert or system", stopped_by
    assert harm == "Severe harm", harm
    values = [v.strip() for v in summary.locator("dd").all_inner_texts()]
    assert "system" not in values and "severe" not in values, values
    screenshot(page, "review-report-words")
    assert_no_axe_violation(page, "review-report-words")
