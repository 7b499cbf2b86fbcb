"""Outside audit: seeded hospitals, two years released month by month, every allowed query.

For each seed, ``hospitals.hospital(seed)`` makes a hospital (three departments, six units
and sometimes one under the minimum headcount, 2025-01..2026-12, k = 5); its releases are
built in order as in production, and ``outside_audit`` asks ``GET /api/v1/trends`` every
query the surface allows with a leadership token, puts every number returned into one linear
program per calendar year and requires:

- no hidden cell (nor residual) with a true count in 1..k-1 is pinned to one whole number;
- under every published total, the hidden remainder of each partition is 0 or at least k;
- every published count is at least k and true; two routes to a cell agree; nothing outside
  the surface has a number.

CI runs the seeds in ``CI_SEEDS`` (about half a minute each on SQLite); some are regression
cases where an engine without the whole-LP check leaked. Many seeds:

    OUTSIDE_AUDIT_SEEDS=0-199 .venv/bin/pytest tests/test_outside_audit.py -m "not postgres" -s

(``3,7,10-12`` also works); ``-s`` prints each seed's figures and a summary at the end.
"""

from __future__ import annotations

import os
import statistics

import pytest
from hospitals import SHAPES, hospital
from outside_audit import AuditResult, audit_seed, parse_seeds

SEEDS_ENV = "OUTSIDE_AUDIT_SEEDS"
SHAPE_ENV = "OUTSIDE_AUDIT_SHAPE"  # a name in hospitals.SHAPES; "default" unless set
CI_SEEDS = [10, 23]
SEEDS = parse_seeds(os.environ[SEEDS_ENV]) if os.environ.get(SEEDS_ENV) else CI_SEEDS
SHAPE = SHAPES[os.environ.get(SHAPE_ENV) or "default"]


@pytest.fixture(scope="module")
def ledger():
    results: list[AuditResult] = []
    yield results
    if len(results) < 2:
        return
    failing = [r.seed for r in results if r.leaks]
    pinned = sum(len(r.pinned) for r in results)
    print(
        f"\noutside audit: {len(results)} seeds, {len(failing)} failing "
        f"({', '.join(map(str, failing)) or 'none'}), {pinned} pinned cells; utility "
        f"mean {statistics.mean(r.utility for r in results):.3f} "
        f"(min {min(r.utility for r in results):.3f}); seconds a hospital "
        f"mean {statistics.mean(r.timings['total'] for r in results):.1f} "
        f"(max {max(r.timings['total'] for r in results):.1f})"
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_an_outside_auditor_pins_no_small_count(seed, backend, tmp_path, ledger):
    result = audit_seed(
        seed, backend, tmp_path / f"hospital-{seed}", make=lambda s: hospital(s, SHAPE)
    )
    ledger.append(result)
    print("\n" + (result.details() if result.leaks else result.summary()))
    assert result.queries > 1000 and not result.missing, "the audit did not see the surface"
    assert not result.wrong_counts, result.details()
    assert not result.disagreements, result.details()
    assert not result.off_surface, result.details()
    assert not result.bad_remainders, result.details()
    assert not result.pinned, result.details()
