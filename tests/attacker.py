"""The attacker's side of the trends API, shared by the attack and release-property tests.

Every number the API can return is a sum of leaf counts, so an attacker holding all of them
has a system of linear equations over non-negative unknowns. ``Structure`` writes each cell
of the published surface as such a sum, independently of ``reporting.releases.cube`` (from the
taxonomy and the brief's definitions only), and ``Attacker`` solves the attacker problem:
the least and greatest value a target sum can take, with ``scipy.optimize.linprog``.

Unknowns. The brief's leaves are counts per (month, unit field, kind, category, role,
severity). No published cell crosses category with role or severity, nor a unit with role
or severity, so the leaf polytope projects *exactly* onto three families per month:
``y`` (table-1 atom, kind, category), ``r`` (department, kind, role) and ``s`` (department,
kind, severity), tied by "the same total per (department, kind)". Any non-negative ``y``,
``r``, ``s`` with equal totals come from non-negative leaves (a transportation problem with
equal margins is always feasible), and every published cell and target is a sum of them,
so the attacker's bounds are the same as over the leaves, with far fewer unknowns. Table-1
atoms are the published units, ``rd:<department>`` (units under the minimum headcount and
department-only reports, which no published row can tell apart) and ``r*`` (unit not
given): merging leaves that lie in exactly the same cells loses the attacker nothing.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from reporting import accounts
from reporting.db import close_all, database, open_database
from reporting.models import Report
from reporting.ops.instance import initialise
from reporting.taxonomy import KINDS, ROLES, SEVERITIES, Taxonomy

GRANULARITIES = ("month", "quarter", "year")
TABLES = {
    "categories": ("kind", "category", "department", "unit"),
    "roles": ("kind", "role", "department"),
    "severities": ("kind", "severity", "department"),
}
RESIDUAL = "r*"
CellId = tuple[str, frozenset]  # (period, frozenset of (dimension, value))


# -- periods -------------------------------------------------------------------------------


def quarter_of(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"


def in_period(month: str, period: str) -> bool:
    if "-Q" in period:
        return quarter_of(month) == period
    if "-" in period:
        return month == period
    return month[:4] == period


def granularity_of(period: str) -> str:
    return "quarter" if "-Q" in period else "month" if "-" in period else "year"


def cell_id(period: str, dims: Mapping[str, str]) -> CellId:
    """One name per number: a unit names its department, so the department is dropped."""
    dims = dict(dims)
    if "unit" in dims:
        dims.pop("department", None)
    return period, frozenset(dims.items())


def key_to_cell_id(key: tuple) -> CellId:
    """A stored released cell ``(period, org, kind, category, role, severity)``."""
    period, org, kind, category, role, severity = key
    dims = {}
    if org.startswith("d:"):
        dims["department"] = org[2:]
    elif org.startswith("u:"):
        dims["unit"] = org[2:]
    for name, value in (("kind", kind), ("category", category), ("role", role)):
        if value != "*":
            dims[name] = value
    if severity != "*":
        dims["severity"] = severity
    return cell_id(period, dims)


# -- the published surface as sums of unknowns -------------------------------------------


class Structure:
    """The unknowns of the attacker problem for some months under one taxonomy."""

    def __init__(self, taxonomy: Taxonomy, months: Iterable[str]) -> None:
        self.taxonomy = taxonomy
        self.months = sorted(set(months))
        minimum = taxonomy.minimum_headcount
        self.departments = sorted(taxonomy.departments)
        self.published_units = {
            d: sorted(
                slug
                for slug, unit in taxonomy.units.items()
                if unit.department == d and unit.headcount is not None and unit.headcount >= minimum
            )
            for d in self.departments
        }
        self.categories = sorted(taxonomy.categories)  # (kind, slug), retired included
        self.groups = [*self.departments, RESIDUAL]
        self.atoms_of = {
            d: [f"u:{u}" for u in self.published_units[d]] + [f"rd:{d}"] for d in self.departments
        }
        self.atoms_of[RESIDUAL] = [RESIDUAL]
        self.index: dict[tuple, int] = {}
        for m in self.months:
            for g in self.groups:
                for kind in KINDS:
                    for atom in self.atoms_of[g]:
                        for k, c in self.categories:
                            if k == kind:
                                self._var(("y", m, atom, kind, c))
                    for role in ROLES:
                        self._var(("role", m, g, kind, role))
                    for sev in SEVERITIES:
                        self._var(("severity", m, g, kind, sev))
        self.size = len(self.index)
        self.equalities: list[dict[int, float]] = []
        for m in self.months:
            for g in self.groups:
                for kind in KINDS:
                    table1 = {
                        self.index[("y", m, a, kind, c)]: 1.0
                        for a in self.atoms_of[g]
                        for k, c in self.categories
                        if k == kind
                    }
                    for dim, values in (("role", ROLES), ("severity", SEVERITIES)):
                        row = dict(table1)
                        for v in values:
                            row[self.index[(dim, m, g, kind, v)]] = -1.0
                        self.equalities.append(row)

    def _var(self, key: tuple) -> None:
        self.index[key] = len(self.index)

    def atom_of(self, unit_field: str) -> tuple[str, str]:
        """(table-1 atom, department or residual) for a report's unit field."""
        if unit_field.startswith("department:"):
            d = unit_field.split(":", 1)[1]
            return (f"rd:{d}", d) if d in self.taxonomy.departments else (RESIDUAL, RESIDUAL)
        unit = self.taxonomy.units.get(unit_field)
        if unit is None:
            return RESIDUAL, RESIDUAL
        d = unit.department
        return (f"u:{unit_field}" if unit_field in self.published_units[d] else f"rd:{d}"), d

    def vector(self, period: str, dims: Mapping[str, str]) -> dict[int, float]:
        """The cell as a sum of unknowns (coefficient 1 each)."""
        months = [m for m in self.months if in_period(m, period)]
        kinds = [dims["kind"]] if "kind" in dims else list(KINDS)
        out: dict[int, float] = {}
        if "role" in dims or "severity" in dims:
            dim = "role" if "role" in dims else "severity"
            groups = [dims["department"]] if "department" in dims else self.groups
            for m, g, kind in itertools.product(months, groups, kinds):
                out[self.index[(dim, m, g, kind, dims[dim])]] = 1.0
            return out
        if "unit" in dims:
            atoms = [f"u:{dims['unit']}"]
        elif "department" in dims:
            atoms = self.atoms_of[dims["department"]]
        else:
            atoms = [a for g in self.groups for a in self.atoms_of[g]]
        if "category" in dims:
            cats = [(dims["kind"], dims["category"])]
        else:
            cats = [(k, c) for k, c in self.categories if k in kinds]
        for m, a, (kind, c) in itertools.product(months, atoms, cats):
            out[self.index[("y", m, a, kind, c)]] = 1.0
        return out

    def truth(self, reports: Iterable[Mapping[str, str]]) -> np.ndarray:
        """The true unknowns, from report rows (period, unit, kind, category, role, severity)."""
        x = np.zeros(self.size)
        for r in reports:
            if r["period"] not in self.months:
                continue
            atom, group = self.atom_of(r["unit"])
            x[self.index[("y", r["period"], atom, r["kind"], r["category"])]] += 1
            x[self.index[("role", r["period"], group, r["kind"], r["role"])]] += 1
            x[self.index[("severity", r["period"], group, r["kind"], r["severity"])]] += 1
        return x

    def value(self, vector: Mapping[int, float], x: np.ndarray) -> int:
        return int(round(sum(c * x[i] for i, c in vector.items())))

    # -- the surface -----------------------------------------------------------------------

    def periods(self) -> dict[str, list[str]]:
        """Month, quarter and year labels a release of these months covers (complete only)."""
        last_months = {"Q1": "03", "Q2": "06", "Q3": "09", "Q4": "12"}
        quarters = sorted(
            {
                q
                for q in map(quarter_of, self.months)
                if f"{q[:4]}-{last_months[q[5:]]}" in self.months
            }
        )
        years = sorted({m[:4] for m in self.months if m.endswith("-12")})
        return {"month": list(self.months), "quarter": quarters, "year": years}

    def all_periods(self) -> list[str]:
        return [p for periods in self.periods().values() for p in periods]

    def surface(self, periods: Iterable[str]) -> list[CellId]:
        """Every cell the three published tables hold for these periods (brief's definition)."""
        cells: list[dict[str, str]] = []
        orgs1 = [{}] + [{"department": d} for d in self.departments]
        orgs1 += [{"unit": u} for d in self.departments for u in self.published_units[d]]
        cat_levels = [{}] + [{"kind": k} for k in KINDS]
        cat_levels += [{"kind": k, "category": c} for k, c in self.categories]
        for org, cat in itertools.product(orgs1, cat_levels):
            cells.append({**org, **cat})
        orgs23 = [{}] + [{"department": d} for d in self.departments]
        for org, kind in itertools.product(orgs23, [{}] + [{"kind": k} for k in KINDS]):
            cells += [{**org, **kind, "role": r} for r in ROLES]
            cells += [{**org, **kind, "severity": s} for s in SEVERITIES]
        return [cell_id(p, dims) for p in periods for dims in cells]

    def children(self, cid: CellId) -> list[list[CellId]]:
        """Each partition of a cell into cells of the surface (plus never-published rest)."""
        period, frozen = cid
        dims = dict(frozen)
        parts: list[list[CellId]] = []

        def add(values: list[dict[str, str]]) -> None:
            parts.append([cell_id(period, {**dims, **v}) for v in values])

        detailed = "role" in dims or "severity" in dims
        if "unit" not in dims and "department" not in dims:
            add([{"department": d} for d in self.departments])
        elif "department" in dims and not detailed:
            d = dims["department"]
            parts.append(
                [
                    cell_id(
                        period, {**{k: v for k, v in dims.items() if k != "department"}, "unit": u}
                    )
                    for u in self.published_units[d]
                ]
            )
        if "kind" not in dims:
            add([{"kind": k} for k in KINDS])
        elif "category" not in dims and not detailed:
            add([{"category": c} for k, c in self.categories if k == dims["kind"]])
        if not detailed and "unit" not in dims and "category" not in dims:
            add([{"role": r} for r in ROLES])
            add([{"severity": s} for s in SEVERITIES])
        granularity = granularity_of(period)
        if granularity == "quarter":
            parts.append([(m, frozen) for m in self.months if in_period(m, period)])
        elif granularity == "year":
            quarters = sorted({quarter_of(m) for m in self.months if in_period(m, period)})
            parts.append([(q, frozen) for q in quarters])
        return parts


# -- the attacker ---------------------------------------------------------------------------


class Attacker:
    """Linear programs over everything published: the interval each target can take."""

    def __init__(self, structure: Structure, answers: Mapping[CellId, int | None]) -> None:
        self.structure = structure
        rows, b = [], []
        for (period, frozen), count in sorted(answers.items(), key=repr):
            if count is None:
                continue
            rows.append(structure.vector(period, dict(frozen)))
            b.append(float(count))
        for row in structure.equalities:
            rows.append(row)
            b.append(0.0)
        data, cols, ptr = [], [], [0]
        for row in rows:
            for i, c in row.items():
                cols.append(i)
                data.append(c)
            ptr.append(len(cols))
        self.a = csr_matrix((data, cols, ptr), shape=(len(rows), structure.size))
        self.b = np.array(b)

    def _solve(self, c: np.ndarray) -> float:
        result = linprog(c, A_eq=self.a, b_eq=self.b, bounds=(0, None), method="highs")
        if result.status == 3:
            return -np.inf
        assert result.status == 0, result.message
        return float(result.fun)

    def bounds(self, target: Mapping[int, float]) -> tuple[float, float]:
        c = np.zeros(self.structure.size)
        for i, coef in target.items():
            c[i] = coef
        return self._solve(c), -self._solve(-c)

    def pins_small(self, target: Mapping[int, float], k: int, truth: int | None = None) -> bool:
        """True when the published numbers fix the target to one value in 1..k-1.

        With the truth known (it is feasible, so a pinned value is the truth) a target whose
        true value is 0 or at least k cannot be pinned to a small value, and one LP that
        already moves the target below its truth settles it.
        """
        if truth is not None and not 1 <= truth <= k - 1:
            return False
        c = np.zeros(self.structure.size)
        for i, coef in target.items():
            c[i] = coef
        low = self._solve(c)
        if truth is not None and low < truth - 1e-6:
            return False
        high = -self._solve(-c)
        return abs(high - low) < 1e-6 and 1 - 1e-6 <= low <= k - 1 + 1e-6


def difference(*terms: tuple[float, Mapping[int, float]]) -> dict[int, float]:
    """A linear combination of cell vectors: difference((1, a), (-1, b), ...)."""
    out: dict[int, float] = {}
    for coef, vector in terms:
        for i, c in vector.items():
            out[i] = out.get(i, 0.0) + coef * c
    return {i: c for i, c in out.items() if abs(c) > 1e-12}


# -- naive per-query suppression --------------------------------------------------------------


def naive_answers(
    structure: Structure, reports: list[Mapping[str, str]], k: int, periods: Iterable[str]
) -> dict[CellId, int | None]:
    """What a tool that hides counts under k in each answer, independently, would return."""
    x = structure.truth(reports)
    answers = {}
    for period, frozen in structure.surface(periods):
        n = structure.value(structure.vector(period, dict(frozen)), x)
        answers[(period, frozen)] = n if n >= k else None
    return answers


# -- the product, through the API --------------------------------------------------------------


def every_query() -> list[dict[str, str]]:
    """Every query of the fixed surface with no filter: each table, granularity, grouping."""
    queries = []
    seen = set()
    for granularity in GRANULARITIES:
        for dims in TABLES.values():
            for size in range(len(dims) + 1):
                for group in itertools.combinations(dims, size):
                    if (granularity, group) in seen:
                        continue
                    seen.add((granularity, group))
                    queries.append({"granularity": granularity, "group_by": ",".join(group)})
    return queries


def api_answers(client, token: str, queries: Iterable[dict] | None = None) -> dict[CellId, int]:
    """Every number the API returns, by cell; the same cell by two routes must agree."""
    found: dict[CellId, int | None] = {}
    for params in queries or every_query():
        response = get(client, token, **params)
        assert response.status_code == 200, (params, response.get_json())
        body = response.get_json()
        for cell in body["cells"]:
            dims = dict(body["filters"])
            dims.update({g: cell[g] for g in body["group_by"]})
            cid = cell_id(cell["period"], dims)
            if cid in found:
                assert found[cid] == cell["count"], ("two routes differ", cid, params)
            found[cid] = cell["count"]
    return found


def get(client, token, **params):
    return client.get(
        "/api/v1/trends", query_string=params, headers={"Authorization": f"Bearer {token}"}
    )


def report_rows(month: str, unit: str, kind: str, category: str, n: int, **fields) -> list[dict]:
    return [
        {
            "period": month,
            "kind": kind,
            "category": category,
            "unit": unit,
            "role": fields.get("role", "nursing"),
            "severity": fields.get("severity", "unknown"),
        }
        for _ in range(n)
    ]


def store_reports(rows: list[Mapping[str, str]]) -> None:
    full = [
        {
            **row,
            "id": secrets.token_hex(16),
            "status": "received",
            "review_group": "default",
            "receipt_digest": secrets.token_hex(32),
        }
        for row in rows
    ]
    with database.connection_context():
        for start in range(0, len(full), 500):
            Report.insert_many(full[start : start + 500]).execute()


def leadership_token(app) -> str:
    with app.app_context(), database.connection_context():
        _, value = accounts.create_token("board")
    return value


def look_again(app) -> None:
    """Build what is due now, as `reporting release` from cron would, and let the next
    trends request look again (the app looks once a minute, and builds in the background)."""
    from reporting.releases import builder

    found = app.extensions["reporting"]
    with app.app_context(), database.connection_context():
        builder.build_due(found.require_taxonomy(), found.release_policy, found.clock)
    found._due_checked[0] = float("-inf")


@contextlib.contextmanager
def fresh_app(
    backend: str, root: Path, clock, taxonomy_text: str | None = None, **config
) -> Iterator:
    """A new instance folder and database (a fresh schema on PostgreSQL), then the app."""
    from conftest import pg_schema

    from reporting.web import create_app

    root.mkdir(parents=True, exist_ok=True)
    instance = root / "instance"
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(pg_schema()) if backend == "postgres" else None
        yield from _app_on(instance, root, url, clock, taxonomy_text, config, create_app)


def _app_on(instance, root, url, clock, taxonomy_text, config, create_app) -> Iterator:
    previous = os.environ.get("REPORTING_INSTANCE_PATH")
    os.environ["REPORTING_INSTANCE_PATH"] = str(instance)
    try:
        initialise(str(instance), open_database(url, str(instance)), str(root / "recovery.txt"))
        if taxonomy_text is not None:
            (instance / "taxonomy.toml").write_text(taxonomy_text, encoding="utf-8")
        settings = {"TESTING": True, "CLOCK": clock, "DATABASE_URL": url}
        settings.update(config)
        yield create_app(settings, serving=True)
    finally:
        close_all(database.obj)
        if previous is None:
            os.environ.pop("REPORTING_INSTANCE_PATH", None)
        else:
            os.environ["REPORTING_INSTANCE_PATH"] = previous
