"""A forged Host header never reaches a redirect: TRUSTED_HOSTS refuses it before any view."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_request_for_another_host_is_refused_before_any_redirect(backend, make_app):
    app = make_app(TRUSTED_HOSTS=["reports.example.org"])
    client = app.test_client()
    forged = client.get("/review", headers={"Host": "evil.example"})
    assert forged.status_code == 400 and "evil.example" not in forged.headers.get("Location", "")
    honest = client.get("/review", headers={"Host": "reports.example.org"})
    assert honest.status_code == 302
    assert "evil" not in honest.headers["Location"]
    assert client.get("/", headers={"Host": "reports.example.org"}).status_code == 200


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_trusted_hosts_from_the_environment_are_a_comma_separated_list(
    backend, make_app, monkeypatch
):
    monkeypatch.setenv("REPORTING_TRUSTED_HOSTS", "a.example, b.example")
    app = make_app()
    assert app.config["TRUSTED_HOSTS"] == ["a.example", "b.example"]
    assert app.test_client().get("/", headers={"Host": "c.example"}).status_code == 400
