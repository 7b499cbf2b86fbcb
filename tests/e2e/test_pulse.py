"""A pulse survey in a real browser with JavaScript off: code -> token -> answers -> thanks.

The wave is opened and its codes issued with the command line, as an administrator does,
on the `ward` deployment. The respondent's browser runs no script: the server makes the
token within the exchange and it rides in the answer form. axe-core then checks the code
page, the answer form (also with its errors) and the comment's confirmation step, in a
browser with scripts on because axe-core is one (the pages themselves carry none).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from .browsing import screenshot

pytestmark = pytest.mark.e2e

NAME = "Dr Sarah Okafor"
COMMENT = f"{NAME} covers nights alone on this unit most weeks."
ALREADY_USED = "This code has already been used, or was not issued for this survey."
STATEMENTS = 7


@pytest.fixture(scope="module")
def wave(ward) -> str:
    """One wave of psych-safety-7 open today (the server runs on real time)."""
    today = dt.datetime.now(dt.UTC).date()
    out = ward.cli(
        "pulse", "open", "--instrument", "psych-safety-7",
        "--from", str(today - dt.timedelta(days=1)), "--until", str(today + dt.timedelta(days=30)),
    )  # fmt: skip
    return re.search(r"opened wave ([0-9a-f]{32})", out).group(1)


def issue_codes(ward, wave: str, count: int) -> list[str]:
    out = ward.cli("pulse", "codes", "--wave", wave, "--unit", "icu", "--count", str(count))
    return [row["code"] for row in csv.DictReader(io.StringIO(out))]


def responses(ward, wave: str) -> int:
    line = next(line for line in ward.cli("pulse", "list").splitlines() if line.startswith(wave))
    return int(line.split("\t")[-1])


def enter_code(page, code: str) -> None:
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Start the survey").click()
    page.wait_for_load_state()


def statement(page, number: int):
    return page.get_by_role("group", name=re.compile(rf"^{number} of {STATEMENTS}\."))


def answer_all_but(page, skip: int | None = None) -> None:
    for number in range(1, STATEMENTS + 1):
        if number != skip:
            statement(page, number).get_by_label("Agree", exact=True).check()


def assert_no_axe_violation(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    screenshot(page, f"pulse-{name}")
    violations = Axe().run(page).response["violations"]
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in violations
    ]
    assert not found, f"{name} ({page.url}):\n" + "\n".join(found)


def test_a_respondent_answers_with_javascript_off(browse, ward, wave):
    wrong, code = issue_codes(ward, wave, 2)
    before = responses(ward, wave)
    page = browse(ward, js=False)
    page.log.allow_failure(400, f"/pulse/{wave}")
    page.log.allow_failure(400, f"/pulse/{wave}/answers")
    page.goto(f"/pulse/{wave}")
    assert page.get_by_role("heading", level=1).inner_text() == "Team psychological safety"
    assert "cannot be linked to your answers" in page.locator("main").inner_text()

    enter_code(page, wrong)  # used once ...
    assert page.get_by_role("heading", name="Your answers").is_visible()
    page.goto(f"/pulse/{wave}")
    enter_code(page, wrong.lower())  # ... and refused the second time, as typed
    assert ALREADY_USED in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Your code").input_value() == wrong.lower()

    enter_code(page, code.replace("-", " ").lower())
    token = page.locator("input[name=token_signature]").get_attribute("value")
    assert re.fullmatch(r"[0-9a-f]{512}", token)
    answer_all_but(page, skip=4)
    page.get_by_label("Your unit").select_option(label="Intensive care unit")
    page.get_by_label("Your staff group").select_option(label="Nursing or midwifery")
    page.get_by_role("group", name=re.compile("how often did you know")).get_by_label(
        "Sometimes"
    ).check()
    page.get_by_label(re.compile("Anything you would like to add")).fill(COMMENT)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_selector("#error-summary")
    assert "1 not answered" in page.get_by_role("alert").inner_text()
    assert statement(page, 3).get_by_label("Agree", exact=True).is_checked()
    assert page.get_by_label("Your unit").input_value() == "icu"
    assert page.get_by_label(re.compile("Anything you would like")).input_value() == COMMENT

    statement(page, 4).get_by_label("Strongly agree").check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_selector("text=Check your comment before it is sent")
    preview = page.locator(".preview").inner_text()
    assert NAME not in preview and "[NAME]" in preview, preview
    assert responses(ward, wave) == before, "stored before the comment was confirmed"

    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/pulse/thank-you")
    assert "Your answers were recorded" in page.get_by_role("heading", level=1).inner_text()
    page.reload()  # a plain GET: reloading sends nothing again
    assert responses(ward, wave) == before + 1
    cookies = page.context.cookies()
    assert all(token[:32] not in cookie["value"] for cookie in cookies), cookies
    assert page.log.dialogs == []


def test_the_pulse_pages_have_no_axe_violation(browse, ward, wave):
    """axe-core is itself a script, so this browser runs scripts; the pages carry none."""
    (code,) = issue_codes(ward, wave, 1)
    page = browse(ward)
    page.goto(f"/pulse/{wave}")
    assert page.locator("script").count() == 0
    assert_no_axe_violation(page, "code")
    enter_code(page, code)
    assert_no_axe_violation(page, "answers")
    page.log.allow_failure(400, f"/pulse/{wave}/answers")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_selector("#error-summary")
    assert_no_axe_violation(page, "answers-errors")
    answer_all_but(page)
    page.get_by_label("Your unit").select_option(label="Prefer not to say")
    page.get_by_label("Your staff group").select_option(label="Prefer not to say")
    page.get_by_label(re.compile("Anything you would like to add")).fill(COMMENT)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_selector("text=Check your comment before it is sent")
    assert_no_axe_violation(page, "confirm")
