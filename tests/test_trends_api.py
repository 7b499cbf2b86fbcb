"""The trends API: leadership only, the contract's shape, and a 400 for anything off-surface."""

from datetime import UTC, datetime

import pytest
from helpers import add_reports

from reporting import accounts
from reporting.db import database
from reporting.models import Release


@pytest.fixture
def token(app):
    with app.app_context(), database.connection_context():
        _, value = accounts.create_token("board")
    return value


def get(client, token, **params):
    return client.get(
        "/api/v1/trends", query_string=params, headers={"Authorization": f"Bearer {token}"}
    )


def test_anonymous_and_garbage_tokens_get_401(client):
    assert client.get("/api/v1/trends").status_code == 401
    response = get(client, "rpt_nonsense")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_contract_shape_with_releases_built_on_demand(released, client, token):
    response = get(
        client, token, granularity="quarter", group_by="department,category", kind="near-miss"
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["threshold"] == 5 and body["granularity"] == "quarter"
    assert body["group_by"] == ["department", "category"]
    assert body["filters"] == {"kind": "near-miss"}
    assert body["periods"] == ["2026-Q3"]
    cells = {(c["department"], c["category"]): c["count"] for c in body["cells"]}
    # Published numbers are the truth; which ones are published is the engine's choice.
    assert cells[("critical-care", "fall")] in (36, None)
    assert cells[("surgery", "medication")] in (27, None)
    assert any(count is not None for count in cells.values())
    assert cells[("critical-care", "perinatal")] is None  # zero: hidden like any small count
    with database.connection_context():
        assert [r.month for r in Release.select().order_by(Release.month)] == [
            "2026-07",
            "2026-08",
            "2026-09",
        ]


def test_small_cells_are_null_and_never_below_k(released, client, token):
    body = get(
        client, token, granularity="month", group_by="unit,category", kind="near-miss"
    ).get_json()
    counts = [c["count"] for c in body["cells"]]
    assert all(c is None or c >= 5 for c in counts)
    icu_medication = [
        c for c in body["cells"] if c["unit"] == "icu" and c["category"] == "medication"
    ]
    assert icu_medication and all(c["count"] is None for c in icu_medication)


def test_open_month_is_never_visible(released, client, token, clock):
    add_reports("2026-10", "icu", "near-miss", "fall", 50)
    body = get(client, token, granularity="month").get_json()
    assert body["periods"] == ["2026-07", "2026-08", "2026-09"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "role,category"}, "group_by"),
        ({"kind": "near-miss,moral-distress"}, "kind"),
        ({"department": "nowhere"}, "department"),
        ({"granularity": "week"}, "granularity"),
        ({"granularity": "month", "since": "2026-07-01"}, "since"),
        ({"group_by": "colour"}, "group_by"),
        ({"unit": "icu", "group_by": "unit"}, "unit"),
        ({"day": "3"}, "day"),
    ],
)
def test_off_surface_queries_get_400_listing_what_is_allowed(client, token, params, field):
    response = get(client, token, **params)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert field in error["fields"]
    assert error["fields"][field]


def test_release_command_builds_due_months(released, runner):
    result = runner.invoke(args=["release"])
    assert result.exit_code == 0, result.output
    assert "released 2026-09" in result.output
    again = runner.invoke(args=["release"])
    assert "nothing due; released through 2026-09" in again.output


def test_later_months_are_built_in_the_background_without_holding_up_readers(
    app, client, token, clock
):
    for month in ("2026-07", "2026-08"):
        add_reports(month, "icu", "near-miss", "fall", 12)
    clock.now = datetime(2026, 8, 5, 12, tzinfo=UTC)
    first = get(client, token, granularity="month").get_json()
    assert first["periods"] == ["2026-07"]  # nothing was released: built in the request

    clock.now = datetime(2026, 9, 5, 12, tzinfo=UTC)
    found = app.extensions["reporting"]
    found._due_checked[0] = float("-inf")
    meanwhile = get(client, token, granularity="month").get_json()
    assert meanwhile["periods"] == ["2026-07"]  # answered from what was released
    builder = found._builder[0]
    assert builder is not None
    builder.join(timeout=60)
    assert not builder.is_alive()
    after = get(client, token, granularity="month").get_json()
    assert after["periods"] == ["2026-07", "2026-08"]
