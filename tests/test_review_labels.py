"""Reviewers read coded fields in words, never as codes (issue 13, point 4)."""

from __future__ import annotations

from review_support import add_staff, file_report, inbox_ids, log_in, next_batch_time

from reporting.review import labels


def test_the_report_page_shows_words_for_every_coded_field(
    app, client, clock, tmp_path, recovery_key_file
):
    add_staff(app, tmp_path, "alice", recovery_key_file=recovery_key_file)
    reviewer = app.test_client()
    log_in(reviewer, "alice")
    assert inbox_ids(reviewer) == []  # starts the batch schedule
    file_report(client, stopped_by="system", potential_harm="death")
    file_report(client, kind="moral-distress", category=_distress_category(app), intensity=7,
                distress_type="constraint")  # fmt: skip
    next_batch_time(clock)
    log_in(reviewer, "alice")
    pages = [reviewer.get(f"/review/{rid}").get_data(as_text=True) for rid in inbox_ids(reviewer)]
    text = "".join(pages)
    assert labels.STOPPED_BY["system"] in text
    assert labels.POTENTIAL_HARM["death"] in text
    assert labels.DISTRESS_TYPES["constraint"] in text
    for code in ("<dd>system</dd>", "<dd>death</dd>", "<dd>constraint</dd>"):
        assert code not in text


def _distress_category(app) -> str:
    with app.app_context():
        taxonomy = app.extensions["reporting"].require_taxonomy()
        return next(c.slug for c in taxonomy.categories_of("moral-distress"))
