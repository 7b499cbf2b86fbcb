"""Reviewers' workspace: inbox and report page latency at 100k reports, and key rotation time.

Run as ``.venv/bin/python bench/review.py`` (or ``make bench-review``); ``--reports`` sets
the number of stored reports (default 100,000). It

1. creates a throwaway SQLite instance in a temporary folder and a reviewer holding the
   default group's key (granted with the recovery key, as `reporting user add` does);
2. stores N reports with sealed narratives (``reports.store_prepared``), all in the inbox;
3. logs the reviewer in through the app (Flask's test client: the whole WSGI request,
   session cookie, key session, argon2 at login) and times, per request, the inbox
   (``/review``, first page; sorted by severity and by potential harm, one harm, a search),
   a report page (``/review/<id>``: key-session unwrap, group key
   open and narrative decrypt) and a static file served by the same app, for p50/p99;
4. times ``rotation.rotate`` over the N reports (every narrative's data key re-wrapped).

Targets (issue 4): both pages p99 under 50 ms; rotation under 60 s. Results are printed and
written to ``bench/results/review-<time>.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "benchmark reviewer passphrase"
FILLER = "the pump was set wrong. " * 20
HARMS = [None, "none", "mild", "moderate", "severe", "death", "unknown"]
HARM_WEIGHTS = [30, 30, 20, 10, 5, 0.2, 5]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(client, path: str, count: int) -> dict:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": round(percentile(samples, 0.99), 2),
        "requests": count,
    }


def run(args: argparse.Namespace) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-review-"))
    os.environ["REPORTING_INSTANCE_PATH"] = str(folder / "instance")
    try:
        from reporting import accounts, reports
        from reporting.db import close_all, database, open_database
        from reporting.models import Report, User
        from reporting.ops.instance import initialise
        from reporting.privacy import grants, keys, rotation
        from reporting.submissions import Submission
        from reporting.web import create_app

        recovery = folder / "recovery.txt"
        initialise(
            str(folder / "instance"),
            open_database(None, str(folder / "instance")),
            str(recovery),
        )
        app = create_app({"RATELIMIT_ENABLED": False}, serving=True)
        found = app.extensions["reporting"]
        rng = random.Random(7)
        units = list(found.taxonomy.units) if found.taxonomy else ["icu"]
        started = time.perf_counter()
        with app.app_context(), database.connection_context():
            user = accounts.create_user("reviewer", PASSWORD, ["reviewer"])
            keys.give_personal_keys(user, PASSWORD)
            grants.grant_groups(
                User.get_by_id(user.id), None, grants.opener_from_recovery(recovery.read_text())
            )
            batch = []
            for i in range(args.reports):
                kind = rng.choice(["near-miss", "moral-distress"])
                category = "medication" if kind == "near-miss" else "staffing"
                # Near-misses mostly without harm; a death-level one is rare (the slow case
                # for sorting by potential harm: a small bucket among many).
                harm = rng.choices(HARMS, weights=HARM_WEIGHTS)[0] if kind == "near-miss" else None
                batch.append(
                    (
                        f"2026-{rng.randint(1, 10):02d}",
                        Submission(
                            kind=kind,
                            category=category,
                            unit=rng.choice(units),
                            role="nursing",
                            potential_harm=harm,
                            narrative=f"Benchmark narrative {i}: "
                            + "the pump was set wrong. " * 20,
                        ),
                    )
                )
                if len(batch) == 5000:
                    reports.store_prepared(batch, pepper=found.pepper)
                    batch = []
            if batch:
                reports.store_prepared(batch, pepper=found.pepper)
            some_id = Report.select(Report.id).where(Report.narrative.is_null(False)).first().id
        fill_seconds = time.perf_counter() - started

        client = app.test_client()
        login = client.get("/login").get_data(as_text=True)
        response = client.post(
            "/login",
            data={
                "csrf_token": CSRF.search(login).group(1),
                "username": "reviewer",
                "password": PASSWORD,
            },
        )
        assert response.status_code == 302, response.status_code
        pages = {
            "static (site.css)": timed(client, "/static/css/site.css", args.requests),
            "inbox (/review)": timed(client, "/review", args.requests),
            "inbox by severity": timed(client, "/review?sort=severity", args.requests),
            "inbox by potential harm": timed(client, "/review?sort=harm", args.requests),
            "inbox, harm = death": timed(client, "/review?potential_harm=death", args.requests),
            "inbox, search 'ward'": timed(client, "/review?q=ward", args.requests),
            "report page (/review/<id>)": timed(client, f"/review/{some_id}", args.requests),
        }

        with app.app_context(), database.connection_context():
            started = time.perf_counter()
            cpu = time.process_time()
            result = rotation.rotate(
                "default",
                rotation.Opener(user=User.by_username("reviewer"), password=PASSWORD),
                now=lambda: datetime.now(UTC),
                cache_seconds=0,
            )
            rotation_wall = time.perf_counter() - started
            rotation_cpu = time.process_time() - cpu
        close_all(database.obj)
        return {
            "reports": args.reports,
            "fill_seconds": round(fill_seconds, 1),
            "pages": pages,
            "rotation": {
                "items_rewrapped": result.rewrapped,
                "wall_seconds": round(rotation_wall, 1),
                "cpu_seconds": round(rotation_cpu, 1),
            },
            "targets": {"page_p99_ms": 50, "rotation_seconds": 60},
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    figures = run(args)
    print(json.dumps(figures, indent=2))
    static = figures["pages"]["static (site.css)"]["p99_ms"]
    for name, page in figures["pages"].items():
        print(f"{name:28} p50 {page['p50_ms']:7.2f} ms  p99 {page['p99_ms']:7.2f} ms"
              f"  ({page['p99_ms'] / static:.1f}x static p99)")  # fmt: skip
    rot = figures["rotation"]
    print(f"rotation: {rot['items_rewrapped']} items in {rot['wall_seconds']} s (target 60 s)")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (out / f"review-{stamp}.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
