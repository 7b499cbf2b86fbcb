"""The receipt page and what follows it, driven as a browser with JavaScript off, CSRF on.

- The receipt page works without JavaScript (it asks for the code to be written down); the
  copy and print buttons are in the page but hidden until receipt.js shows them, and every
  script is a file of the app's own (the CSP allows no inline script).
- Back after the receipt: a page of the filed report sent again answers a plain "already
  filed" page and files nothing; another report's page, sent after the session ended, keeps
  its text as before; the session after filing holds nothing but the filed flow's name.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import csrf_token, hidden_inputs, receipt_in, textarea
from helpers import report_count

from reporting.web.security import CONTENT_SECURITY_POLICY

ALREADY_FILED = "This report has already been filed"
STATIC = Path(__file__).resolve().parent.parent / "reporting" / "web" / "static"


class Flow:
    """One report through the pages, keeping each POST's body so it can be sent again."""

    def __init__(self, client) -> None:
        self.client = client
        self.sent: list[dict[str, str]] = []

    def post(self, data: dict[str, str]):
        self.sent.append(dict(data))
        return self.client.post("/report", data=data)

    def start(self, kind: str = "near-miss") -> str:
        page = self.client.get("/report").get_data(as_text=True)
        fields = {**hidden_inputs(page), "csrf_token": csrf_token(page), "kind": kind}
        return self.post(fields).get_data(as_text=True)

    def details(self, page: str, **fields: str) -> str:
        data = {**hidden_inputs(page), "csrf_token": csrf_token(page), "action": "continue"}
        data.update(fields)
        return self.post(data).get_data(as_text=True)

    def send(self, review: str) -> str:
        data = {**hidden_inputs(review), "csrf_token": csrf_token(review)}
        data.update(narrative=textarea(review), action="submit")
        return self.post(data).get_data(as_text=True)

    def file(self, narrative: str = "The pump alarm was silenced twice.") -> str:
        review = self.details(self.start(), category="medication", narrative=narrative)
        return self.send(review)


def test_the_receipt_page_asks_for_the_code_written_down_and_hides_its_buttons(client):
    html = Flow(client).file()
    receipt = receipt_in(html)
    assert "Write it down now" in html
    tools = re.search(r'<div class="receipt-tools" id="receipt-tools"([^>]*)>', html)
    assert tools and "hidden" in tools.group(1), "the buttons need JavaScript, so start hidden"
    assert 'id="copy-receipt"' in html and 'id="print-receipt"' in html
    assert re.search(r'id="copy-status"[^>]*aria-live="polite"', html)
    assert "http://localhost/follow-up" in html  # where to follow up, printed with the code
    assert "2026-11" in html
    assert receipt not in re.sub(r"<code>[^<]*</code>|aria-label=\"[^\"]*\"", "", html)


def test_every_script_on_the_reporter_pages_is_a_file_of_the_app(client):
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    flow = Flow(client)
    start = flow.start()
    review = flow.details(start, category="fall", narrative="A fall by the sink.")
    for html in (start, review, flow.send(review)):
        for tag in re.findall(r"<script[^>]*>", html):
            source = re.search(r'src="/static/(js/[a-z_]+\.js)"', tag)
            assert source, f"an inline script: {tag}"
            assert (STATIC / source.group(1)).exists()
            assert client.get(f"/static/{source.group(1)}").status_code == 200
        assert not re.search(r"\son[a-z]+=", html), "an inline event handler"


def test_printing_the_receipt_keeps_only_the_receipt_box():
    css = (STATIC / "css" / "site.css").read_text()
    printing = css[css.index("@media print") :]
    assert ".page-receipt main > :not(.receipt-box)" in printing
    for hidden in ("header.site", "footer.site", ".receipt-tools", ".screen-only"):
        assert hidden in printing


def test_sending_the_filed_report_again_answers_already_filed_and_files_nothing(client):
    flow = Flow(client)
    receipt_in(flow.file())
    assert report_count() == 1
    # Back, then "send again": each of the flow's POSTs arrives once more, newest first.
    for body in reversed(flow.sent):
        again = client.post("/report", data=body)
        html = again.get_data(as_text=True)
        assert again.status_code == 200, body.get("action")
        assert ALREADY_FILED in html
        assert "Your receipt was shown once" in html
        assert 'href="/report"' in html and 'href="/follow-up"' in html
        assert "<form" not in html.split("<main", 1)[1].split("</main>")[0]
        assert "The pump alarm" not in html  # the account is not shown again
        assert report_count() == 1


def test_the_page_back_lands_on_with_javascript_is_plain_and_a_new_report_starts_fresh(client, app):
    flow = Flow(client)
    review = flow.details(flow.start(), category="fall", narrative="A fall by the sink.")
    assert 'data-filed-url="/report/filed"' in review and "js/filing.js" in review
    receipt_in(flow.send(review))
    page = client.get("/report/filed")
    assert page.status_code == 200 and ALREADY_FILED in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"

    start = client.get("/report")  # "start a new report": the last one's mark goes
    assert "What would you like to tell us about?" in start.get_data(as_text=True)
    session = app.session_interface.get_signing_serializer(app).loads(
        client.get_cookie("session").value
    )
    assert "filed" not in session
    later = client.get("/report/filed")
    assert later.status_code == 200 and ALREADY_FILED not in later.get_data(as_text=True)


def test_the_filed_page_without_a_filing_is_the_start(client):
    response = client.get("/report/filed")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and ALREADY_FILED not in html
    assert "What would you like to tell us about?" in html


def test_another_reports_page_sent_after_filing_keeps_its_text(client):
    """Two tabs: one files, the other's next step must not be told it was filed."""
    other = Flow(client)
    other_details = other.start("moral-distress")
    filed = Flow(client)
    receipt_in(filed.file())
    data = {**hidden_inputs(other_details), "csrf_token": csrf_token(other_details)}
    data.update(category="team-conflict", narrative="Still my own words.", action="continue")
    response = client.post("/report", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ALREADY_FILED not in html and "nothing was sent" in html
    assert "Still my own words." in textarea(html)
    assert report_count() == 1
