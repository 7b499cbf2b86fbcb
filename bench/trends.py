"""Leadership trends: release builds, lookups under gunicorn, and the obvious GROUP BY.

Run as ``.venv/bin/python bench/trends.py`` (or ``make bench-trends``); ``--sizes`` picks the
report counts (default 1,000,000; e.g. ``--sizes 100000,1000000,5000000``). For each size it

1. creates a throwaway instance in a temporary folder (SQLite): a taxonomy of 8 departments
   and 40 units (4 of them under the minimum headcount) and the 20 default categories,
   ``reporting.ops.instance.initialise``, and a leadership token (``accounts.create_token``);
2. inserts N synthetic reports in bulk (sqlite3 ``executemany`` in 250k-row transactions,
   secondary indexes dropped and rebuilt): 24 closed months ending at the last month due
   now, 40 units plus department-only and not-given, 6 roles, 4 severities, skewed;
3. builds every release with ``builder.build_due`` one month at a time (a clock set just
   after each month), timing each; a child process then re-builds a typical month, a
   quarter-end month and December (rolled back) for peak memory: RSS from
   ``resource.getrusage`` and Python's peak from ``tracemalloc``, and a cProfile of December;
4. serves the app with gunicorn (2 sync workers, ``-c python:reporting.ops.gunicorn_conf``,
   rate limits off) on loopback and sends a bounded number of sequential
   ``GET /api/v1/trends`` requests per grouping (``http.client``), for p50/p99;
5. computes the same answers "the obvious way": a SQL GROUP BY over the raw reports (the
   schema's indexes) with per-query suppression (hide counts under k), p50 over a few runs,
   checks that every count the release publishes equals the raw count, and prints the ratio.

Results go to ``bench/results/trends-<time>.json`` (git-ignored). Every process it starts is
stopped on exit, on Ctrl-C and on SIGTERM, and the temporary folder is removed.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import http.client
import io
import json
import os
import platform
import pstats
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
sys.path.insert(0, str(PROJECT_ROOT))

HOST = "127.0.0.1"
MONTHS = 24
K = 5  # RELEASE_THRESHOLD default
RELEASE_TARGET_S = 10.0
LOOKUP_P50_TARGET_MS = 5.0
SPEEDUP_TARGET = 20.0
FLAT_FACTOR = 1.5  # "flat": p50 at the largest size within 1.5x of the smallest (+0.5 ms)

DEPARTMENTS = [
    ("critical-care", "Critical care"),
    ("medicine", "Medicine"),
    ("surgery", "Surgery"),
    ("women-children", "Women and children"),
    ("emergency", "Emergency"),
    ("cardiology", "Cardiology"),
    ("oncology", "Oncology"),
    ("mental-health", "Mental health"),
]
BASE_HEADCOUNTS = [140, 85, 55, 30, 18]
# Four units (one in every other department) under minimum_headcount = 5.
SMALL_UNITS = {("medicine", 4): 4, ("women-children", 4): 3, ("oncology", 4): 4, ("surgery", 4): 2}

ROLE_WEIGHTS = {
    "nursing": 45,
    "medical": 20,
    "allied-health": 12,
    "support": 8,
    "trainee": 5,
    "not-given": 10,
}
SEVERITY_WEIGHTS = {"low": 40, "moderate": 30, "high": 10, "unknown": 20}
KIND_WEIGHTS = {"near-miss": 65, "moral-distress": 35}
# Category weights in taxonomy order (DEFAULT_CATEGORIES), heavily skewed as real data is.
CATEGORY_WEIGHTS = {
    "near-miss": [4, 8, 18, 7, 30, 3, 9, 6, 3, 12],
    "moral-distress": [35, 12, 10, 4, 5, 10, 14, 4, 3, 3],
}
DEPARTMENT_ONLY_SHARE = 0.05
NOT_GIVEN_SHARE = 0.03

BATCH = 250_000


class BenchError(Exception):
    pass


def log(message: str = "") -> None:
    print(message, flush=True)


# ---- the synthetic hospital -----------------------------------------------------------


def taxonomy_toml() -> str:
    lines = [
        "# Synthetic taxonomy for bench/trends.py: 8 departments, 40 units.",
        "minimum_headcount = 5",
        "",
    ]
    for slug, name in DEPARTMENTS:
        lines += ["[[departments]]", f'slug = "{slug}"', f'name = "{name}"', ""]
    for d_index, (dept, dname) in enumerate(DEPARTMENTS):
        for j in range(5):
            headcount = SMALL_UNITS.get(
                (dept, j), int(BASE_HEADCOUNTS[j] * (0.7 + 0.1 * ((d_index * 3 + j) % 7)))
            )
            lines += [
                "[[units]]",
                f'slug = "{dept}-{j + 1}"',
                f'name = "{dname} unit {j + 1}"',
                f'department = "{dept}"',
                f"headcount = {headcount}",
                "",
            ]
    return "\n".join(lines)


def month_list(last: str, count: int) -> list[str]:
    year, mon = int(last[:4]), int(last[5:])
    out = []
    for _ in range(count):
        out.append(f"{year}-{mon:02d}")
        mon -= 1
        if mon == 0:
            year, mon = year - 1, 12
    return out[::-1]


class Generator:
    """Vectorised report rows with numpy; ids are monotonic but periods are drawn at random,
    so (as with production's random ids) the table's physical order says nothing of time."""

    def __init__(self, taxonomy, months: list[str], seed: int) -> None:
        import math

        import numpy as np

        from reporting.taxonomy import DEFAULT_CATEGORIES

        self.np = np
        self.rng = np.random.default_rng(seed)
        self.months = np.array(months, dtype=object)
        weights = []
        for i, m in enumerate(months):
            mon = int(m[5:])
            growth = 0.6 + 0.4 * i / max(1, len(months) - 1)  # adoption grows
            season = 1 + 0.15 * math.cos(2 * math.pi * (mon - 1) / 12)  # winter pressure
            weights.append(growth * season)
        self.month_p = np.array(weights) / sum(weights)

        units = sorted(taxonomy.units.values(), key=lambda u: u.slug)
        unit_rng = np.random.default_rng(seed + 1)
        culture = unit_rng.lognormal(0, 0.5, len(units))  # some units report far more
        unit_w = np.array([u.headcount**0.9 for u in units]) * culture
        unit_w = unit_w / unit_w.sum() * (1 - DEPARTMENT_ONLY_SHARE - NOT_GIVEN_SHARE)
        depts = sorted(taxonomy.departments)
        dept_w = np.full(len(depts), DEPARTMENT_ONLY_SHARE / len(depts))
        self.unit_values = np.array(
            [u.slug for u in units] + [f"department:{d}" for d in depts] + ["not-given"],
            dtype=object,
        )
        p = np.concatenate([unit_w, dept_w, [NOT_GIVEN_SHARE]])
        self.unit_p = p / p.sum()
        self.kinds = np.array(list(KIND_WEIGHTS), dtype=object)
        self.kind_p = self._p(KIND_WEIGHTS.values())
        self.cats = {
            k: np.array(list(DEFAULT_CATEGORIES[k]), dtype=object) for k in DEFAULT_CATEGORIES
        }
        self.cat_p = {k: self._p(CATEGORY_WEIGHTS[k]) for k in CATEGORY_WEIGHTS}
        self.roles = np.array(list(ROLE_WEIGHTS), dtype=object)
        self.role_p = self._p(ROLE_WEIGHTS.values())
        self.sevs = np.array(list(SEVERITY_WEIGHTS), dtype=object)
        self.sev_p = self._p(SEVERITY_WEIGHTS.values())

    def _p(self, weights):
        w = self.np.array(list(weights), dtype=float)
        return w / w.sum()

    def rows(self, start: int, n: int) -> list[tuple]:
        np, rng = self.np, self.rng
        period = rng.choice(self.months, size=n, p=self.month_p)
        kind_i = rng.choice(2, size=n, p=self.kind_p)
        kind = self.kinds[kind_i]
        nm = rng.choice(self.cats["near-miss"], size=n, p=self.cat_p["near-miss"])
        md = rng.choice(self.cats["moral-distress"], size=n, p=self.cat_p["moral-distress"])
        category = np.where(kind_i == 0, nm, md)
        unit = rng.choice(self.unit_values, size=n, p=self.unit_p)
        role = rng.choice(self.roles, size=n, p=self.role_p)
        severity = rng.choice(self.sevs, size=n, p=self.sev_p)
        return [
            (f"{start + i:032x}", p, k, c, u, r, s, f"{start + i:064x}")
            for i, (p, k, c, u, r, s) in enumerate(
                zip(
                    period.tolist(),
                    kind.tolist(),
                    category.tolist(),
                    unit.tolist(),
                    role.tolist(),
                    severity.tolist(),
                    strict=True,
                )
            )
        ]


INSERT_SQL = (
    "INSERT INTO report (id, period, kind, category, unit, role, intensity, distress_type, "
    "stopped_by, potential_harm, severity, status, review_group_id, receipt_digest, narrative, "
    "sealed_gen, in_inbox, waiting_batches, feedback_given, reporter_replied, purged) "
    "VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?, 'received', 'default', ?, NULL, "
    "1, 0, 0, 0, 0, 0)"
)


def bulk_insert(db_path: Path, gen: Generator, n: int) -> dict:
    """N reports in BATCH-row transactions; secondary indexes are dropped, then rebuilt."""
    started = time.perf_counter()
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -1000000")
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'report' "
            "AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        gen_s = 0.0
        done = 0
        last_print = time.perf_counter()
        while done < n:
            size = min(BATCH, n - done)
            t = time.perf_counter()
            rows = gen.rows(done, size)
            gen_s += time.perf_counter() - t
            conn.execute("BEGIN")
            conn.executemany(INSERT_SQL, rows)
            conn.execute("COMMIT")
            done += size
            if time.perf_counter() - last_print > 5 or done == n:
                rate = done / (time.perf_counter() - started)
                log(f"  inserted {done:,}/{n:,} ({rate:,.0f} rows/s)")
                last_print = time.perf_counter()
        insert_s = time.perf_counter() - started
        t = time.perf_counter()
        for _, sql in indexes:
            conn.execute(sql)
        index_s = time.perf_counter() - t
        log(f"  rebuilt {len(indexes)} indexes in {index_s:.1f} s")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return {
        "insert_s": round(insert_s, 2),
        "generate_s": round(gen_s, 2),
        "index_rebuild_s": round(index_s, 2),
        "indexes": [name for name, _ in indexes],
        "db_mb": round(db_path.stat().st_size / 1e6, 1),
    }


# ---- releases ---------------------------------------------------------------------------


def clock_after(month: str):
    """A clock on the 5th of the next month, noon UTC: `month` is due, the next one is not."""
    year, mon = int(month[:4]), int(month[5:])
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    moment = dt.datetime(year, mon, 5, 12, tzinfo=dt.UTC)
    return lambda: moment


def rss_now_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def maxrss_mb() -> float:
    """getrusage's high-water mark (KiB on Linux). Linux carries it over fork and execve, so
    in a child it starts at the parent's peak: `vm_hwm_mb` is the child's own."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def vm_hwm_mb() -> float:
    """This process's own peak RSS (VmHWM), which execve resets."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1e3
    return float("nan")


def measure_release_child(instance: str, month: str, profile: bool) -> dict:
    """In a fresh process: build `month` (earlier months are built) and roll it back.

    First untraced (wall time, RSS high-water mark), then under tracemalloc (Python's own
    peak), then optionally under cProfile.
    """
    from reporting.db import bind, database, open_database
    from reporting.models import Release, ReleasedCell
    from reporting.releases import builder
    from reporting.taxonomy_file import load_taxonomy

    taxonomy = load_taxonomy(Path(instance, "taxonomy.toml"))
    bind(open_database(None, instance))
    policy = builder.ReleasePolicy()
    clock = clock_after(month)
    out: dict = {"month": month}

    def build_and_roll_back() -> tuple[float, float]:
        """Unbuild `month` and later months, time building `month`, then undo everything."""
        with database.atomic() as txn:
            later = [r.month for r in Release.select().where(Release.month >= month)]
            ReleasedCell.delete().where(ReleasedCell.release.in_(later)).execute()
            Release.delete().where(Release.month.in_(later)).execute()
            started, cpu = time.perf_counter(), time.process_time()
            builder.build_release(month, taxonomy, policy, clock)
            elapsed = (time.perf_counter() - started, time.process_time() - cpu)
            txn.rollback()
        return elapsed

    with database.connection_context():
        database.execute_sql("SELECT count(*) FROM release").fetchone()  # connection warm
        out["rss_before_mb"] = round(rss_now_mb(), 1)
        wall, cpu = build_and_roll_back()
        out["time_s"], out["cpu_s"] = round(wall, 3), round(cpu, 3)
        out["rss_peak_mb"] = round(vm_hwm_mb(), 1)
        out["getrusage_maxrss_mb"] = round(maxrss_mb(), 1)
        out["rss_growth_mb"] = round(out["rss_peak_mb"] - out["rss_before_mb"], 1)
        tracemalloc.start()
        build_and_roll_back()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["tracemalloc_peak_mb"] = round(peak / 1e6, 1)
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            build_and_roll_back()
            profiler.disable()
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats("tottime").print_stats(14)
            stats.sort_stats("cumulative").print_stats(22)
            out["cprofile"] = text.getvalue()
    return out


# ---- the server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Run:
    """One size: owns the temporary folder and every process it starts."""

    def __init__(self, args: argparse.Namespace, n: int) -> None:
        self.args = args
        self.n = n
        self.tmp = Path(tempfile.mkdtemp(prefix="reporting-trends-"))
        self.instance = self.tmp / "instance"
        self.db_path = self.instance / "reporting.db"
        self.server: subprocess.Popen | None = None
        self.children: list[subprocess.Popen] = []
        self.port = free_port()
        self.error_log = self.tmp / "gunicorn-error.log"

    # -- setup --

    def create_instance(self):
        from reporting import accounts
        from reporting.db import database, open_database
        from reporting.ops import instance
        from reporting.taxonomy_file import load_taxonomy

        self.instance.mkdir(mode=0o700, parents=True)
        (self.instance / "taxonomy.toml").write_text(taxonomy_toml(), encoding="utf-8")
        self.taxonomy = load_taxonomy(self.instance / "taxonomy.toml")
        db = open_database(None, str(self.instance))
        instance.initialise(str(self.instance), db, str(self.tmp / "recovery-key.txt"))
        with database.connection_context():
            _, self.token = accounts.create_token("bench-trends")
        db.close_all()
        units = self.taxonomy.units.values()
        small = sum(1 for u in units if u.headcount < self.taxonomy.minimum_headcount)
        log(
            f"  instance {self.instance}: {len(self.taxonomy.departments)} departments, "
            f"{len(self.taxonomy.units)} units ({small} under the minimum headcount), "
            f"{len(self.taxonomy.categories)} categories"
        )

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTING_")}
        env["REPORTING_INSTANCE_PATH"] = str(self.instance)
        return env

    # -- releases --

    def build_releases(self, months: list[str]) -> dict:
        from reporting.db import database, open_database
        from reporting.releases import builder

        db = open_database(None, str(self.instance))
        from reporting.db import bind

        bind(db)
        policy = builder.ReleasePolicy()
        times: dict[str, float] = {}
        cpu: dict[str, float] = {}
        cells: dict[str, dict] = {}
        started = time.perf_counter()
        with database.connection_context():
            for month in months:
                t, c = time.perf_counter(), time.process_time()
                built = builder.build_due(self.taxonomy, policy, clock_after(month))
                times[month] = round(time.perf_counter() - t, 3)
                cpu[month] = round(time.process_time() - c, 3)
                if [r.month for r in built] != [month]:
                    raise BenchError(f"build_due built {[r.month for r in built]}, not {month}")
                r = built[0]
                cells[month] = {
                    "published": r.cells_published,
                    "hidden": r.cells_hidden,
                    "hidden_at_least_k": r.hidden_at_least_k,
                }
                if times[month] > 2 or month.endswith("-12"):
                    log(f"  release {month}: {times[month]:.2f} s ({cpu[month]:.2f} s CPU)")
        db.close_all()
        log(f"  built {len(months)} releases in {time.perf_counter() - started:.1f} s")
        return {"times_s": times, "cpu_s": cpu, "cells": cells}

    def measure_release(self, month: str, profile: bool) -> dict:
        cmd = [sys.executable, __file__, "--_measure-release", month, "--_instance"]
        cmd += [str(self.instance)] + (["--_profile"] if profile else [])
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT
        )
        self.children.append(proc)
        try:
            out, err = proc.communicate(timeout=1800)
        finally:
            self.children.remove(proc)
        if proc.returncode != 0:
            raise BenchError(f"release measurement for {month} failed:\n{err[-3000:]}")
        return json.loads(out.strip().splitlines()[-1])

    # -- gunicorn --

    def start_server(self) -> None:
        env = self.env()
        env.update(
            REPORTING_BIND=f"{HOST}:{self.port}",
            REPORTING_WORKERS="2",
            REPORTING_RATELIMIT_ENABLED="false",
            REPORTING_ERROR_LOG=str(self.error_log),
            REPORTING_LOG_LEVEL="warning",
        )
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:reporting.ops.gunicorn_conf",
                "wsgi:app",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BenchError("gunicorn exited at start:\n" + self.server_log())
            try:
                status, _, _ = self.get(
                    http.client.HTTPConnection(HOST, self.port, timeout=2),
                    "/api/v1/taxonomy",
                    auth=False,
                )
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise BenchError("gunicorn did not answer within 30 s:\n" + self.server_log())

    def server_log(self) -> str:
        if self.error_log.exists():
            return self.error_log.read_text("utf-8", "replace")[-3000:]
        return ""

    def get(self, conn: http.client.HTTPConnection, path: str, auth: bool = True):
        headers = {"Authorization": f"Bearer {self.token}"} if auth else {}
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.will_close:
            conn.close()  # sync workers close after each response; request() reconnects
        return response.status, body, response.getheader("Connection")

    def measure_lookups(self, groupings: dict[str, dict], requests: int, warmup: int) -> dict:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        results = {}
        first_ms = []
        try:
            # The first requests make each worker load every released cell (ReleaseIndex).
            for _ in range(4):
                t = time.perf_counter()
                status, body, _ = self.get(conn, "/api/v1/trends?granularity=month")
                first_ms.append((time.perf_counter() - t) * 1000)
                if status != 200:
                    raise BenchError(f"/api/v1/trends answered {status}: {body[:300]!r}")
            for name, params in groupings.items():
                path = "/api/v1/trends?" + urlencode(params)
                for _ in range(warmup):
                    self.get(conn, path)
                latencies = []
                connection_header = None
                for _ in range(requests):
                    t = time.perf_counter()
                    status, body, connection_header = self.get(conn, path)
                    latencies.append((time.perf_counter() - t) * 1000)
                    if status != 200:
                        raise BenchError(f"{path} answered {status}: {body[:300]!r}")
                answer = json.loads(body)
                results[name] = {
                    "path": path,
                    "requests": requests,
                    "p50_ms": round(percentile(latencies, 50), 3),
                    "p90_ms": round(percentile(latencies, 90), 3),
                    "p99_ms": round(percentile(latencies, 99), 3),
                    "max_ms": round(max(latencies), 3),
                    "mean_ms": round(statistics.fmean(latencies), 3),
                    "response_bytes": len(body),
                    "cells": len(answer["cells"]),
                    "hidden": sum(1 for c in answer["cells"] if c["count"] is None),
                    "connection": connection_header,
                    "answer": answer,
                }
        finally:
            conn.close()
        return {"first_requests_ms": [round(x, 1) for x in first_ms], "groupings": results}

    # -- teardown --

    def close(self) -> None:
        for proc in list(self.children):
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)
        self.stop_server()
        if self.args.keep:
            log(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def stop_server(self) -> None:
        if self.server is not None and self.server.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=25)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(timeout=5)
        self.server = None


# ---- in-process lookups (what a request costs without HTTP) ------------------------------


def measure_in_process(instance: Path, taxonomy, groupings: dict[str, dict], reps: int) -> dict:
    from reporting.db import bind, database, open_database
    from reporting.releases import trends

    db = open_database(None, str(instance))
    bind(db)
    out = {}
    with database.connection_context():
        t = time.perf_counter()
        released = trends.ReleasedCells.load()
        load_ms = (time.perf_counter() - t) * 1000
        index = trends.ReleaseIndex()
        index.current()
        for name, params in groupings.items():
            args = {k: [v] for k, v in params.items()}
            answer_us, current_us = [], []
            for _ in range(reps):
                t = time.perf_counter_ns()
                query = trends.parse_query(args, taxonomy)
                json.dumps(trends.answer(query, released, taxonomy))
                answer_us.append((time.perf_counter_ns() - t) / 1000)
                t = time.perf_counter_ns()
                index.current()  # one SELECT of the latest release per request
                current_us.append((time.perf_counter_ns() - t) / 1000)
            out[name] = {
                "parse_answer_json_p50_us": round(statistics.median(answer_us), 1),
                "release_index_current_p50_us": round(statistics.median(current_us), 1),
            }
    db.close_all()
    return {"cells_loaded": len(released.values), "load_ms": round(load_ms, 1), "per_query": out}


def profile_request(instance: Path, token: str, params: dict, reps: int) -> dict:
    """cProfile of GET /api/v1/trends through the Flask test client (no server, no socket)."""
    os.environ["REPORTING_INSTANCE_PATH"] = str(instance)
    try:
        from reporting.web import create_app

        app = create_app({"RATELIMIT_ENABLED": False}, serving=True)
    finally:
        os.environ.pop("REPORTING_INSTANCE_PATH", None)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    path = "/api/v1/trends?" + urlencode(params)
    for _ in range(5):
        assert client.get(path, headers=headers).status_code == 200
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        client.get(path, headers=headers)
        times.append((time.perf_counter() - t) * 1000)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(reps):
        client.get(path, headers=headers)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(12)
    stats.sort_stats("cumulative").print_stats(30)
    from reporting.db import close_all

    close_all(app.extensions["reporting.database"])
    return {
        "path": path,
        "test_client_p50_ms": round(statistics.median(times), 3),
        "cprofile": text.getvalue(),
    }


# ---- the obvious way: GROUP BY over raw reports -------------------------------------------

QUARTER = "substr(r.period, 1, 5) || 'Q' || ((CAST(substr(r.period, 6, 2) AS INTEGER) + 2) / 3)"


class Obvious:
    """Each grouping as one SQL GROUP BY over `report`, then hide counts under k."""

    def __init__(self, db_path: Path, taxonomy, department: str) -> None:
        self.conn = sqlite3.connect(db_path)
        self.taxonomy = taxonomy
        self.department = department
        minimum = taxonomy.minimum_headcount
        self.conn.execute(
            "CREATE TEMP TABLE unit_map (unit TEXT PRIMARY KEY, department TEXT, published INT)"
        )
        rows = [
            (u.slug, u.department, int(u.headcount >= minimum)) for u in taxonomy.units.values()
        ]
        rows += [(f"department:{d}", d, 0) for d in taxonomy.departments]
        self.conn.executemany("INSERT INTO unit_map VALUES (?, ?, ?)", rows)
        self.published_units = sorted(u for u, _, p in rows if p)

    def close(self) -> None:
        self.conn.close()

    def sql(self, name: str) -> tuple[str, tuple]:
        if name == "month":
            return "SELECT r.period, COUNT(*) FROM report r GROUP BY r.period", ()
        if name == "quarter_department_category_nm":
            return (
                f"SELECT {QUARTER} AS q, m.department, r.category, COUNT(*) FROM report r "
                "JOIN unit_map m ON m.unit = r.unit WHERE r.kind = 'near-miss' "
                "GROUP BY q, m.department, r.category",
                (),
            )
        if name == "month_unit":
            return (
                "SELECT r.period, r.unit, COUNT(*) FROM report r "
                "JOIN unit_map m ON m.unit = r.unit AND m.published = 1 "
                "GROUP BY r.period, r.unit",
                (),
            )
        if name == "year_role_department":
            return (
                "SELECT substr(r.period, 1, 4) AS y, r.role, COUNT(*) FROM report r "
                "JOIN unit_map m ON m.unit = r.unit WHERE m.department = ? GROUP BY y, r.role",
                (self.department,),
            )
        raise ValueError(name)

    def answer(self, name: str) -> tuple[dict, dict]:
        """Every combination of the grouped values per period, zero and under k hidden."""
        from reporting.taxonomy import DEFAULT_CATEGORIES, ROLES

        sql, params = self.sql(name)
        raw: dict[tuple, int] = {}
        for *key, n in self.conn.execute(sql, params):
            raw[tuple(key)] = n
        periods = sorted({k[0] for k in raw})
        if name == "month":
            groups = [()]
        elif name == "quarter_department_category_nm":
            groups = [
                (d, c)
                for d in sorted(self.taxonomy.departments)
                for c in DEFAULT_CATEGORIES["near-miss"]
            ]
        elif name == "month_unit":
            groups = [(u,) for u in self.published_units]
        else:
            groups = [(r,) for r in ROLES]
        cells = {}
        for p in periods:
            for g in groups:
                n = raw.get((p, *g), 0)
                cells[(p, *g)] = n if n >= K else None
        return cells, raw

    def time(self, name: str, runs: int) -> dict:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            self.answer(name)
            times.append((time.perf_counter() - t) * 1000)
        return {
            "sql": " ".join(self.sql(name)[0].split()),
            "runs": runs,
            "p50_ms": round(statistics.median(times), 2),
            "min_ms": round(min(times), 2),
            "max_ms": round(max(times), 2),
        }


def lookup_counts(name: str, answer: dict) -> dict[tuple, int | None]:
    fields = {
        "month": (),
        "quarter_department_category_nm": ("department", "category"),
        "month_unit": ("unit",),
        "year_role_department": ("role",),
    }[name]
    return {(c["period"], *(c[f] for f in fields)): c["count"] for c in answer["cells"]}


def compare(name: str, answer: dict, raw: dict) -> dict:
    """Every count the release publishes must equal the raw count; hidden ones are counted."""
    published = mismatched = hidden = 0
    examples = []
    for key, count in lookup_counts(name, answer).items():
        if count is None:
            hidden += 1
            continue
        published += 1
        if raw.get(key, 0) != count:
            mismatched += 1
            if len(examples) < 5:
                examples.append([list(key), count, raw.get(key, 0)])
    return {
        "published": published,
        "hidden": hidden,
        "mismatched": mismatched,
        "examples": examples,
    }


# ---- one size ----------------------------------------------------------------------------


def groupings_for(department: str) -> dict[str, dict]:
    return {
        "month": {"granularity": "month"},
        "quarter_department_category_nm": {
            "granularity": "quarter",
            "group_by": "department,category",
            "kind": "near-miss",
        },
        "month_unit": {"granularity": "month", "group_by": "unit"},
        "year_role_department": {
            "granularity": "year",
            "group_by": "role",
            "department": department,
        },
    }


def run_size(args: argparse.Namespace, n: int, runs: list) -> dict:
    from reporting.releases import builder

    run = Run(args, n)
    runs.append(run)
    result: dict = {"n": n}
    try:
        log(f"\n== N = {n:,} ==")
        run.create_instance()
        last = builder.last_closed_month(dt.datetime.now(dt.UTC), builder.ReleasePolicy())
        months = month_list(last, MONTHS)
        result["months"] = [months[0], months[-1]]
        full_years = sorted(
            {m[:4] for m in months if f"{m[:4]}-01" in months and f"{m[:4]}-12" in months}
        )
        if not full_years:
            raise BenchError("24 months always hold one whole calendar year")
        year = full_years[-1]
        chosen = {"typical": f"{year}-05", "quarter_end": f"{year}-09", "december": f"{year}-12"}
        result["chosen_months"] = chosen

        log(f"  inserting {n:,} reports over {months[0]}..{months[-1]}")
        gen = Generator(run.taxonomy, months, seed=args.seed)
        result["insert"] = bulk_insert(run.db_path, gen, n)
        log(
            f"  inserted in {result['insert']['insert_s']:.1f} s (+ indexes "
            f"{result['insert']['index_rebuild_s']:.1f} s); database "
            f"{result['insert']['db_mb']:,.0f} MB"
        )

        # 1. Releases: every month in order, then memory for three chosen months.
        log("  building releases month by month (build_due)")
        built = run.build_releases(months)
        result["releases"] = built
        measured = {}
        for label, month in chosen.items():
            # Rebuilding a month in a child needs its earlier months only; later ones are
            # already built, which build_release ignores (it reads the year up to `month`)
            # except for `Release.latest()`'s threshold, which is the same k.
            m = run.measure_release(month, profile=args.profile and label == "december")
            m["build_due_time_s"] = built["times_s"][month]
            m["build_due_cpu_s"] = built["cpu_s"][month]
            measured[label] = m
            log(
                f"  {label:<12} {month}: build_due {m['build_due_time_s']:.2f} s, rebuild "
                f"{m['time_s']:.2f} s, RSS peak {m['rss_peak_mb']:.0f} MB "
                f"(+{m['rss_growth_mb']:.0f} MB), "
                f"tracemalloc peak {m['tracemalloc_peak_mb']:.0f} MB"
            )
        result["release_measured"] = measured
        result["loadavg_after_releases"] = os.getloadavg()
        non_qe = [t for m, t in built["times_s"].items() if m[5:] not in ("03", "06", "09", "12")]
        result["release_non_quarter_end_median_s"] = round(statistics.median(non_qe), 3)
        result["release_max_s"] = max(built["times_s"].values())
        result["release_max_cpu_s"] = max(built["cpu_s"].values())

        # 2. Lookups under gunicorn.
        department = max(
            run.taxonomy.departments,
            key=lambda d: sum(u.headcount for u in run.taxonomy.units_of(d)),
        )
        groupings = groupings_for(department)
        result["department_filter"] = department
        log(
            f"  gunicorn on {HOST}:{run.port}, 2 sync workers; {args.requests} sequential "
            "requests per grouping"
        )
        run.start_server()
        lookups = run.measure_lookups(groupings, args.requests, args.warmup)
        run.stop_server()
        result["loadavg_after_lookups"] = os.getloadavg()
        log(f"  load average {result['loadavg_after_lookups'][0]:.1f} on {os.cpu_count()} CPUs")
        for name, r in lookups["groupings"].items():
            log(
                f"  lookup {name:<32} p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  "
                f"{r['cells']:>5} cells ({r['hidden']} hidden), {r['response_bytes']:,} bytes"
            )
        result["in_process"] = measure_in_process(run.instance, run.taxonomy, groupings, 200)
        result["request_profile"] = profile_request(
            run.instance, run.token, groupings["month_unit"], 100
        )
        log(
            "  in-process: answer()+json.dumps p50 "
            + ", ".join(
                f"{k} {v['parse_answer_json_p50_us'] / 1000:.2f} ms"
                for k, v in result["in_process"]["per_query"].items()
            )
            + "; month_unit via Flask test client "
            + f"{result['request_profile']['test_client_p50_ms']:.2f} ms"
        )

        # 3. The obvious way.
        obvious = Obvious(run.db_path, run.taxonomy, department)
        result["obvious"] = {}
        try:
            for name in groupings:
                o = obvious.time(name, args.groupby_runs)
                _, raw = obvious.answer(name)
                answer = lookups["groupings"][name].pop("answer")
                o["check"] = compare(name, answer, raw)
                o["speedup"] = round(o["p50_ms"] / lookups["groupings"][name]["p50_ms"], 1)
                result["obvious"][name] = o
                log(
                    f"  GROUP BY {name:<30} p50 {o['p50_ms']:8.1f} ms  speed-up "
                    f"{o['speedup']:6.1f}x  (published counts equal raw: "
                    f"{o['check']['published'] - o['check']['mismatched']}/"
                    f"{o['check']['published']})"
                )
        finally:
            obvious.close()
        for r in lookups["groupings"].values():
            r.pop("answer", None)
        result["lookups"] = lookups
        return result
    finally:
        run.close()
        runs.remove(run)


# ---- reporting ---------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
    }


def code_version() -> dict:
    """Which reporting code was measured: HEAD, files edited since, and hashes of the modules
    the figures depend on (other engineers may be editing them while this runs)."""
    import hashlib

    def git(*cmd: str) -> str:
        done = subprocess.run(
            ["git", *cmd], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    modules = (
        "disclosure/__init__",
        "disclosure/engine",
        "disclosure/bounds",
        "disclosure/rowspace",
        "releases",
        "cube",
        "trends",
        "services",
        "api",
        "auth",
        "accounts",
    )

    def digest(module: str) -> str:
        path = PROJECT_ROOT / "reporting" / f"{module}.py"
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.exists() else "-"

    return {
        "head": git("rev-parse", "--short", "HEAD"),
        "uncommitted": git("status", "--porcelain", "--", "reporting").splitlines(),
        "sha256": {m: digest(m) for m in modules},
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def wc(m: dict) -> str:
    return f"{m['build_due_time_s']:>6.1f}/{m['build_due_cpu_s']:<5.1f}"


def summary(results: list[dict]) -> str:
    names = list(results[0]["lookups"]["groupings"])
    short = {
        "month": "month",
        "quarter_department_category_nm": "qtr×dept×cat",
        "month_unit": "month×unit",
        "year_role_department": "year×role|dept",
    }
    lines = ["release of one month (build_due), s, and peak memory of its build:"]
    lines.append("(wall/CPU seconds; the machine may be shared, CPU time is the steadier)")
    lines.append(
        f"{'N':>10} {'typical':>12} {'qtr-end':>12} {'Dec':>12} {'max of 24':>12} "
        f"{'RSS peak MB':>12} {'tracemalloc MB':>15}"
    )
    for r in results:
        m = r["release_measured"]
        lines.append(
            f"{r['n']:>10,} {wc(m['typical'])} {wc(m['quarter_end'])} {wc(m['december'])} "
            f"{r['release_max_s']:>6.1f}/{r['release_max_cpu_s']:<5.1f} "
            f"{max(x['rss_peak_mb'] for x in m.values()):>12.0f} "
            f"{max(x['tracemalloc_peak_mb'] for x in m.values()):>15.0f}"
        )
    lines.append(f"target: a month's release under {RELEASE_TARGET_S:.0f} s")
    lines.append("")
    lines.append("GET /api/v1/trends (gunicorn) p50/p99 ms, GROUP BY p50 ms, speed-up:")
    lines.append(f"{'N':>10} {'grouping':<16} {'p50':>7} {'p99':>7} {'GROUP BY':>10} {'×':>7}")
    for r in results:
        for name in names:
            lk = r["lookups"]["groupings"][name]
            ob = r["obvious"][name]
            lines.append(
                f"{r['n']:>10,} {short.get(name, name):<16} {lk['p50_ms']:>7.2f} "
                f"{lk['p99_ms']:>7.2f} {ob['p50_ms']:>10.1f} {ob['speedup']:>7.1f}"
            )
    lines.append(
        f"targets: lookup p50 under {LOOKUP_P50_TARGET_MS:.0f} ms and flat across sizes; "
        f"at least {SPEEDUP_TARGET:.0f}x faster than the GROUP BY at 1M"
    )
    return "\n".join(lines)


def targets(results: list[dict]) -> dict:
    out = {}
    out["release_under_10s"] = all(r["release_max_s"] < RELEASE_TARGET_S for r in results)
    out["release_under_10s_cpu"] = all(r["release_max_cpu_s"] < RELEASE_TARGET_S for r in results)
    out["lookup_p50_under_5ms"] = all(
        g["p50_ms"] < LOOKUP_P50_TARGET_MS
        for r in results
        for g in r["lookups"]["groupings"].values()
    )
    if len(results) > 1:
        first, last = results[0], results[-1]
        out["lookup_flat"] = all(
            last["lookups"]["groupings"][n]["p50_ms"]
            <= FLAT_FACTOR * first["lookups"]["groupings"][n]["p50_ms"] + 0.5
            for n in first["lookups"]["groupings"]
        )
    at_1m = [r for r in results if r["n"] == 1_000_000]
    if at_1m:
        out["speedup_20x_at_1M"] = all(
            o["speedup"] >= SPEEDUP_TARGET for o in at_1m[0]["obvious"].values()
        )
    return out


def run(args: argparse.Namespace) -> int:
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    started = time.monotonic()
    runs: list[Run] = []
    out: dict = {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "code": code_version(),
        "settings": {
            "sizes": sizes,
            "months": MONTHS,
            "k": K,
            "requests_per_grouping": args.requests,
            "warmup_per_grouping": args.warmup,
            "groupby_runs": args.groupby_runs,
            "gunicorn": "2 sync workers, -c python:reporting.ops.gunicorn_conf, rate limits off",
            "seed": args.seed,
        },
        "sizes": [],
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"trends-{stamp}.json"
    try:
        for n in sizes:
            out["sizes"].append(run_size(args, n, runs))
            out["sizes"][-1]["code_after"] = code_version()
            out["targets"] = targets(out["sizes"])
            path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        log("")
        log(summary(out["sizes"]))
        log("")
        for name, ok in out["targets"].items():
            log(f"{name}: {verdict(ok)}")
        profiled = [r for r in out["sizes"] if r["release_measured"]["december"].get("cprofile")]
        if profiled and args.print_profile:
            log(f"\ncProfile of December's release at N = {profiled[-1]['n']:,}:")
            log(profiled[-1]["release_measured"]["december"]["cprofile"])
        log(f"results written to {path.relative_to(PROJECT_ROOT)}")
        log(f"finished in {time.monotonic() - started:.0f} s")
        return 0
    finally:
        for r in list(runs):
            r.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000", help="comma-separated report counts")
    parser.add_argument("--requests", type=int, default=300, help="requests per grouping")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per grouping")
    parser.add_argument("--groupby-runs", type=int, default=7, help="runs per GROUP BY")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="skip the cProfile of December's release",
    )
    parser.add_argument(
        "--print-profile",
        action="store_true",
        help="print the cProfile of December's release at the end",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary instances")
    parser.add_argument("--_measure-release", dest="measure_release", help=argparse.SUPPRESS)
    parser.add_argument("--_instance", dest="instance", help=argparse.SUPPRESS)
    parser.add_argument(
        "--_profile", dest="child_profile", action="store_true", help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.measure_release:
        print(
            json.dumps(
                measure_release_child(args.instance, args.measure_release, args.child_profile)
            )
        )
        return 0

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        return run(args)
    except KeyboardInterrupt:
        log("interrupted: stopped every process this run started")
        return 130
    except BenchError as exc:
        log(f"error: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
