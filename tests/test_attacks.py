"""Acceptance: the classic attacks on small counts, first against a naive tool, then the product.

Each attack is run on a small fixture against ``naive_answers`` (every query answered on its
own from the reports, counts under k hidden), where the attacker recovers a small count, and
then against the product through ``GET /api/v1/trends`` with a leadership token, where the
attacker's arithmetic over every number the API returns (all queries of the surface, solved as
a linear program by ``attacker.Attacker``) does not pin the small value.

Fixture (the example taxonomy written by ``reporting init``; k = 5), 2026-07..09:

- icu: 12 near-miss falls a month; near-miss medication 2, 5, 5 (the small cell is July's);
- hdu: 7 moral-distress unsafe-staffing a month (medical);
- theatres: 9 near-miss medication a month;
- acute-medical-unit: 8 near-miss falls a month; ward-7b: 3 near-miss falls in July only;
- surgical-ward-4: near-miss falls 6, 7, 2 (quarter 15);
- women-children: 2 near-miss perinatal in the labour ward in July, 6 moral-distress
  team-conflict in the neonatal unit in August and September.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from attacker import (
    Attacker,
    Structure,
    api_answers,
    cell_id,
    difference,
    fresh_app,
    get,
    leadership_token,
    look_again,
    naive_answers,
    report_rows,
    store_reports,
)
from conftest import FixedClock

from reporting.web.services import services

K = 5
MONTHS = ("2026-07", "2026-08", "2026-09")
AFTER_Q3 = datetime(2026, 10, 5, 12, tzinfo=UTC)
AFTER_JULY = datetime(2026, 8, 5, 12, tzinfo=UTC)


def base_rows() -> list[dict]:
    rows = []
    for i, month in enumerate(MONTHS):
        rows += report_rows(month, "icu", "near-miss", "fall", 12)
        rows += report_rows(month, "icu", "near-miss", "medication", (2, 5, 5)[i])
        rows += report_rows(month, "hdu", "moral-distress", "unsafe-staffing", 7, role="medical")
        rows += report_rows(month, "theatres", "near-miss", "medication", 9)
        rows += report_rows(month, "acute-medical-unit", "near-miss", "fall", 8)
        rows += report_rows(month, "surgical-ward-4", "near-miss", "fall", (6, 7, 2)[i])
    rows += report_rows("2026-07", "ward-7b", "near-miss", "fall", 3)
    rows += report_rows("2026-07", "labour-ward", "near-miss", "perinatal", 2)
    for month in MONTHS[1:]:
        rows += report_rows(month, "nicu", "moral-distress", "team-conflict", 6)
    return rows


def taxonomy_of(app):
    with app.app_context():
        return services().require_taxonomy()


def c(period: str, **dims) -> tuple:
    return cell_id(period, dims)


class Setting:
    """One fixture stored and released; the naive tool's and the product's answers."""

    def __init__(self, app, clock, rows, when=AFTER_Q3, months=MONTHS) -> None:
        self.app, self.clock, self.rows = app, clock, rows
        store_reports(rows)
        clock.now = when
        self.token = leadership_token(app)
        self.client = app.test_client()
        self.taxonomy = taxonomy_of(app)
        self.structure = Structure(self.taxonomy, months)
        self.truth = self.structure.truth(rows)
        self.naive = naive_answers(self.structure, rows, K, self.structure.all_periods())
        self.product = api_answers(self.client, self.token)

    def vec(self, cid) -> dict:
        return self.structure.vector(cid[0], dict(cid[1]))

    def true(self, vector) -> int:
        return self.structure.value(vector, self.truth)

    def naive_pins(self, vector) -> tuple[float, float]:
        return Attacker(self.structure, self.naive).bounds(vector)

    def product_pins_small(self, vector) -> bool:
        return Attacker(self.structure, self.product).pins_small(vector, K)


@pytest.fixture
def setting(app, clock):
    return Setting(app, clock, base_rows())


def test_the_product_answers_exactly_the_published_surface_with_true_counts(setting):
    """Every number the API returns is a cell of the surface, at least k, and true."""
    expected = set(setting.structure.surface(setting.structure.all_periods()))
    assert set(setting.product) == expected
    for cid, count in setting.product.items():
        if count is not None:
            assert count >= K
            assert count == setting.true(setting.vec(cid)), cid


def test_a_small_cell_is_never_shown_directly(setting):
    small = c("2026-07", unit="icu", kind="near-miss", category="medication")
    assert setting.true(setting.vec(small)) == 2
    # With no threshold the cell reads 2; a per-query threshold hides it directly ...
    unprotected = naive_answers(setting.structure, setting.rows, 1, ["2026-07"])
    assert unprotected[small] == 2 and setting.naive[small] is None
    # ... and so does the product, whose every number is at least k, and nothing pins it.
    assert setting.product[small] is None
    assert all(v is None or v >= K for v in setting.product.values())
    assert not setting.product_pins_small(setting.vec(small))


def test_unit_total_minus_its_published_categories(setting):
    total = c("2026-07", unit="icu", kind="near-miss")
    shown = [
        c("2026-07", unit="icu", kind="near-miss", category=cat)
        for k, cat in setting.structure.categories
        if k == "near-miss"
    ]
    # Naive: 14 - 12 (fall) = 2 reports in the hidden categories.
    assert setting.naive[total] == 14
    rest = setting.naive[total] - sum(setting.naive[s] or 0 for s in shown)
    assert rest == 2
    target = difference(
        (1, setting.vec(total)),
        *[(-1, setting.vec(s)) for s in shown if setting.naive[s] is not None],
    )
    assert setting.naive_pins(target) == (2, 2)
    # Product: the same subtraction is not possible, and no combination pins the remainder.
    hidden = [s for s in shown if setting.product[s] is None]
    assert setting.product[total] is None or sum(
        setting.true(setting.vec(s)) for s in hidden
    ) not in range(1, K)
    assert not setting.product_pins_small(target)
    assert not setting.product_pins_small(
        setting.vec(c("2026-07", unit="icu", kind="near-miss", category="medication"))
    )


def test_department_minus_its_other_units(setting):
    department = c("2026-07", department="medicine")
    big = c("2026-07", unit="acute-medical-unit")
    assert setting.naive[department] - setting.naive[big] == 3  # ward-7b's 3 falls
    target = difference((1, setting.vec(department)), (-1, setting.vec(big)))
    assert setting.naive_pins(target) == (3, 3)
    assert not setting.product_pins_small(target)
    assert not setting.product_pins_small(setting.vec(c("2026-07", unit="ward-7b")))


def test_organisation_minus_a_department(setting):
    others = ["critical-care", "medicine", "surgery"]
    total = c("2026-07")
    rest = setting.naive[total] - sum(setting.naive[c("2026-07", department=d)] for d in others)
    assert rest == 2  # women-children's 2 perinatal near-misses (and no unit-not-given)
    target = difference(
        (1, setting.vec(total)), *[(-1, setting.vec(c("2026-07", department=d))) for d in others]
    )
    assert setting.naive_pins(target) == (2, 2)
    assert not setting.product_pins_small(target)
    assert not setting.product_pins_small(setting.vec(c("2026-07", department="women-children")))


def test_quarter_minus_its_published_months(setting):
    def cell(period):
        return c(period, unit="surgical-ward-4", kind="near-miss", category="fall")

    naive = setting.naive
    assert naive[cell("2026-Q3")] == 15 and naive[cell("2026-09")] is None
    assert naive[cell("2026-Q3")] - naive[cell("2026-07")] - naive[cell("2026-08")] == 2
    target = difference(
        (1, setting.vec(cell("2026-Q3"))),
        (-1, setting.vec(cell("2026-07"))),
        (-1, setting.vec(cell("2026-08"))),
    )
    assert setting.naive_pins(target) == (2, 2)
    assert not setting.product_pins_small(target)
    assert not setting.product_pins_small(setting.vec(cell("2026-09")))


def test_a_report_filed_now_moves_nothing_until_its_month_is_released(app, clock):
    rows = base_rows() + report_rows("2026-10", "icu", "near-miss", "fall", 10)
    setting = Setting(app, clock, rows)
    before = setting.product
    # Naive: the open month is answered from the reports, so one filing moves a number by 1.
    structure = Structure(setting.taxonomy, [*MONTHS, "2026-10"])
    open_cell = c("2026-10", unit="icu", kind="near-miss", category="fall")
    filed = {"kind": "near-miss", "category": "fall", "unit": "icu", "role": "nursing"}
    naive_before = naive_answers(structure, rows, K, ["2026-10"])
    naive_after = naive_answers(
        structure, rows + [{**filed, "period": "2026-10", "severity": "unknown"}], K, ["2026-10"]
    )
    assert naive_after[open_cell] - naive_before[open_cell] == 1
    # Product: file through the API after the release; every answer stays identical.
    for unit in ("icu", "hdu", "ward-7b", "paediatric-oncology", "not-given"):
        response = setting.client.post("/api/v1/reports", json={**filed, "unit": unit})
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["period"] == "2026-10"
    look_again(app)
    after = api_answers(setting.client, setting.token)
    assert after == before
    body = get(setting.client, setting.token, granularity="month").get_json()
    assert body["periods"] == list(MONTHS)


def test_a_later_release_does_not_pin_a_cell_hidden_earlier(app, clock):
    rows = base_rows()
    july = Setting(app, clock, rows, when=AFTER_JULY, months=["2026-07"])
    small = c("2026-07", unit="icu", kind="near-miss", category="medication")
    assert july.product[small] is None
    earlier = july.product
    clock.now = AFTER_Q3
    look_again(app)
    later = api_answers(july.client, july.token)
    # The earlier answers never change.
    assert {cid: later[cid] for cid in earlier} == earlier
    structure = Structure(july.taxonomy, MONTHS)
    # Naive: July hides the 2; the quarter (12) minus August and September (5 + 5) pins it.
    naive_july = naive_answers(structure, rows, K, ["2026-07"])
    naive_q3 = naive_answers(structure, rows, K, structure.all_periods())
    assert naive_july[small] is None
    quarter = c("2026-Q3", unit="icu", kind="near-miss", category="medication")
    months = [c(m, unit="icu", kind="near-miss", category="medication") for m in MONTHS[1:]]
    assert naive_q3[quarter] - sum(naive_q3[m] for m in months) == 2
    assert Attacker(structure, {**naive_july, **naive_q3}).bounds(
        structure.vector(*_split(small))
    ) == (2, 2)
    # Product: the two releases together leave it open.
    combined = Attacker(structure, {**earlier, **later})
    assert not combined.pins_small(structure.vector(*_split(small)), K)
    truth = structure.truth(rows)
    for cid, count in later.items():
        if count is None and 1 <= structure.value(structure.vector(*_split(cid)), truth) < K:
            assert not combined.pins_small(structure.vector(*_split(cid)), K), cid


def _split(cid):
    return cid[0], dict(cid[1])


def test_a_zero_and_a_one_answer_alike(backend, tmp_path):
    cell = c("2026-07", unit="theatres", kind="near-miss", category="vte")
    results = {}
    for extra in (0, 1):
        clock = FixedClock()
        rows = base_rows() + report_rows("2026-07", "theatres", "near-miss", "vte", extra)
        with fresh_app(backend, tmp_path / f"with-{extra}", clock) as app:
            results[extra] = Setting(app, clock, rows)
    zero, one = results[0], results[1]
    # Naive: the cell reads null both times, but theatres' total minus medication tells them apart.
    assert zero.naive[cell] is None and one.naive[cell] is None
    total = c("2026-07", unit="theatres", kind="near-miss")
    medication = c("2026-07", unit="theatres", kind="near-miss", category="medication")
    target = difference((1, zero.vec(total)), (-1, zero.vec(medication)))
    assert zero.naive_pins(target) == (0, 0) and one.naive_pins(target) == (1, 1)
    # Product: null both times, and with the one nothing pins it.
    assert zero.product[cell] is None and one.product[cell] is None
    assert not one.product_pins_small(one.vec(cell))
    assert not one.product_pins_small(target)


def test_the_same_cell_by_two_routes_answers_alike(setting):
    naive = setting.naive
    # Naive: the quarter route says 15; the months route says 6 + 7 + hidden: together, 2.
    route_quarter = naive[c("2026-Q3", unit="surgical-ward-4")]
    route_months = [naive[c(m, unit="surgical-ward-4")] for m in MONTHS]
    assert route_quarter == 15 and route_months == [6, 7, None]
    assert route_quarter - route_months[0] - route_months[1] == 2
    # Product: api_answers already requires one number per cell over all groupings; here the
    # filter routes too, for every department, unit and kind, at every granularity.
    client, token = setting.client, setting.token
    product = setting.product
    for granularity in setting.structure.periods():
        for department in setting.structure.departments:
            by_filter = get(client, token, granularity=granularity, department=department)
            for cell in by_filter.get_json()["cells"]:
                assert cell["count"] == product[c(cell["period"], department=department)]
            for group in ("unit", "kind,category", "role", "severity"):
                body = get(
                    client, token, granularity=granularity, department=department, group_by=group
                ).get_json()
                for cell in body["cells"]:
                    dims = {g: cell[g] for g in body["group_by"]}
                    dims.update(body["filters"])
                    assert cell["count"] == product[cell_id(cell["period"], dims)], (group, cell)
        for kind in ("near-miss", "moral-distress"):
            body = get(
                client, token, granularity=granularity, kind=kind, group_by="department,role"
            ).get_json()
            for cell in body["cells"]:
                expected = product[
                    c(cell["period"], kind=kind, department=cell["department"], role=cell["role"])
                ]
                assert cell["count"] == expected
    # Margins by different routes (table 2 vs table 3, quarter vs months, unit vs department)
    # agree whenever both are published, and the hidden rest under a published total is 0 or
    # at least k.
    complete = 0
    for cid, count in product.items():
        if count is None:
            continue
        for part in setting.structure.children(cid):
            values = [product[child] for child in part]
            rest = count - sum(v for v in values if v is not None)
            assert rest == 0 or rest >= K, (cid, part, rest)
            complete += all(v is not None for v in values) and rest == 0
    assert complete
