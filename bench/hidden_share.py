"""The share of hidden cells in each dashboard view, on the demo's data.

Run as ``.venv/bin/python bench/hidden_share.py`` (or ``make bench-hidden``). It builds a
throwaway demo instance in a temporary folder (``reporting init`` + ``reporting demo``, about
a minute), or reads an existing one with ``--instance PATH``, then builds every table of
each view the way the dashboard does and prints, per view and per table, how many cells
are shown and how many of them read "hidden", with the share over the whole view. The
goal of issue 13 is a default view under 25 % hidden without lowering k.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

VENV_BIN = Path(sys.executable).parent

# (name, GET parameters) of the views measured; the first is what /dashboard shows.
VIEWS = [
    ("default (/dashboard)", {}),
    ("month", {"granularity": "month"}),
    ("quarter", {"granularity": "quarter"}),
    ("year", {"granularity": "year"}),
    ("quarter, near-miss", {"granularity": "quarter", "kind": "near-miss"}),
    ("month, categories by department", {"granularity": "month", "breakdown": "category"}),
    ("quarter, categories by department", {"granularity": "quarter", "breakdown": "category"}),
    ("month, one department", {"granularity": "month", "department": "DEPARTMENT"}),
    ("quarter, one department", {"granularity": "quarter", "department": "DEPARTMENT"}),
]


def build_demo(folder: Path) -> Path:
    instance = folder / "instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTING_")}
    env["REPORTING_INSTANCE_PATH"] = str(instance)
    for command in (["init", "--recovery-key-out", str(folder / "rk.txt")], ["demo"]):
        subprocess.run(
            [str(VENV_BIN / "reporting"), *command],
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
    return instance


def measure(instance: Path) -> list[tuple[str, list[tuple[str, int, int]]]]:
    os.environ["REPORTING_INSTANCE_PATH"] = str(instance)
    from reporting.releases.dashboard import Dashboard, select
    from reporting.web import create_app
    from reporting.web.services import released_cells, services

    app = create_app()
    found = []
    with app.test_request_context():
        taxonomy = services().require_taxonomy()
        released = released_cells()
        department = sorted(taxonomy.departments)[0]
        for name, params in VIEWS:
            args = {k: [v.replace("DEPARTMENT", department)] for k, v in params.items()}
            board = Dashboard(select(args, released, taxonomy), released, taxonomy)
            per_table = []
            for table in board.tables():
                cells = table.cells()
                per_table.append((table.key, len(cells), sum(c.hidden for c in cells)))
            found.append((name, per_table))
    return found


def report(found) -> None:
    print(f"{'view / table':52} {'cells':>6} {'hidden':>7} {'share':>6}")
    for name, tables in found:
        cells = sum(t[1] for t in tables)
        hidden = sum(t[2] for t in tables)
        share = f"{hidden / cells:.0%}" if cells else "-"
        print(f"{name:52} {cells:6} {hidden:7} {share:>6}")
        for key, n, h in tables:
            print(f"    {key:48} {n:6} {h:7} {h / n if n else 0:6.0%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, help="an instance the demo already filled")
    args = parser.parse_args(argv)
    if args.instance:
        report(measure(args.instance))
        return 0
    with tempfile.TemporaryDirectory(prefix="reporting-hidden-") as tmp:
        print("building the demo instance (about a minute)…", flush=True)
        report(measure(build_demo(Path(tmp))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
