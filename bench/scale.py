"""Scale: filing with 1, 2, 4 workers and two instances, and at 100k, 1M, 5M stored reports.

Run as ``.venv/bin/python bench/scale.py`` (or ``make bench-scale``), PostgreSQL only. It
reuses bench/submit.py's machinery (``ensure_wrk``, ``Bench``, ``parse_wrk``, the report
body and the wrk Lua script) and

1. creates one throwaway instance on a fresh PostgreSQL schema (``reporting init``);
2. serves ``bench/bench_app.py`` with gunicorn (``-c python:reporting.ops.gunicorn_conf``, rate
   limits off: wrk sends everything from one address) with 1, 2 and 4 sync workers in turn,
   and then as two instances: two gunicorn processes (2 workers each) with two instance
   folders, the second a copy of the first (same ``secrets.json`` and ``taxonomy.toml``),
   on the same schema, each driven by its own wrk at the same time (half the connections
   each; throughput is the sum, p50/p99 the worse of the two);
3. for each configuration: warm-up, then bare, filing, bare (``POST /bench/bare`` parses the
   same JSON and answers 201; the bare figure is the mean of its two runs);
4. grows the report table to each ``--sizes`` count with one server-side
   ``INSERT … SELECT … FROM generate_series`` per 500k rows (random md5 ids and receipt
   digests, as production's are random; narratives NULL), ``VACUUM ANALYZE``, records the
   table's size on disk (heap and indexes), then measures bare/filing/bare with 2 workers.

Results go to ``bench/results/scale-<time>.json`` (git-ignored) and a table is printed.
The schema, every process and the temporary folders are removed on exit, on Ctrl-C and on
SIGTERM.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from submit import (  # noqa: E402
    BARE,
    PIPELINE,
    PROJECT_ROOT,
    RESULTS_DIR,
    Bench,
    ensure_wrk,
    log,
    machine,
    run_interruptibly,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
INSERT_CHUNK = 500_000


def bench_args(args: argparse.Namespace, workers: int, connections: int, threads: int):
    return argparse.Namespace(
        database_url=args.database_url,
        workers=workers,
        connections=connections,
        threads=threads,
        keep=False,
    )


def server_on(primary: Bench, args: argparse.Namespace, instance: Path | None = None) -> Bench:
    """A Bench that only serves: the primary's schema, its own or the primary's folder.

    It has no ``pg_schema`` of its own, so its ``close`` stops gunicorn and removes its
    temporary folder but leaves the schema to the primary."""
    server = Bench(args)
    server.instance = instance or primary.instance
    server.database_url = primary.database_url
    return server


def measure(servers: list[Bench], wrk_path: str, duration: int, warmup: int) -> dict:
    """Warm-up, then bare, filing, bare; with several servers, one wrk each at once."""

    def one(path: str, seconds: int) -> dict:
        with concurrent.futures.ThreadPoolExecutor(len(servers)) as pool:
            parts = list(pool.map(lambda s: s.wrk(wrk_path, path, seconds), servers))
        return {
            "requests_per_s": sum(p["requests_per_s"] for p in parts),
            "requests": sum(p["requests"] for p in parts),
            "p50_ms": max(p["p50_ms"] for p in parts),
            "p99_ms": max(p["p99_ms"] for p in parts),
            "non_2xx": sum(p["non_2xx"] for p in parts),
            "socket_errors": sum(p["socket_errors"] for p in parts),
        }

    for path in (BARE, PIPELINE):
        one(path, warmup)
    bare1 = one(BARE, duration)
    filing = one(PIPELINE, duration)
    bare2 = one(BARE, duration)
    bare_rps = (bare1["requests_per_s"] + bare2["requests_per_s"]) / 2
    bad = sum(r["non_2xx"] + r["socket_errors"] for r in (bare1, filing, bare2))
    return {
        "bare_requests_per_s": round(bare_rps, 1),
        "bare_p99_ms": max(bare1["p99_ms"], bare2["p99_ms"]),
        "filing_requests_per_s": round(filing["requests_per_s"], 1),
        "filing_p50_ms": filing["p50_ms"],
        "filing_p99_ms": filing["p99_ms"],
        "ratio": round(filing["requests_per_s"] / bare_rps, 4),
        "failed_requests": bad,
        "runs": {"bare": bare1, "filing": filing, "bare_again": bare2},
    }


# ---- stored reports ---------------------------------------------------------------------


def connect(args: argparse.Namespace, primary: Bench):
    import psycopg2

    conn = psycopg2.connect(primary.database_url)
    conn.autocommit = True
    return conn


def bulk_insert(conn, primary: Bench, start: int, count: int) -> float:
    """`count` reports with ids from `start`, server-side, in INSERT_CHUNK-row statements."""
    from reporting.taxonomy import ROLES, SEVERITIES
    from reporting.taxonomy_file import load_taxonomy

    taxonomy = load_taxonomy(primary.instance / "taxonomy.toml")
    near = [c.slug for c in taxonomy.categories_of("near-miss")]
    distress = [c.slug for c in taxonomy.categories_of("moral-distress")]
    units = sorted(taxonomy.units)
    today = dt.date.today()
    periods = []
    for back in range(24):
        y, m = divmod(today.year * 12 + today.month - 1 - back, 12)
        periods.append(f"{y}-{m + 1:02d}")
    sql = """
        INSERT INTO report (id, period, kind, category, unit, role, severity, status,
            review_group_id, receipt_digest, narrative, sealed_gen, in_inbox, waiting_batches,
            feedback_given, reporter_replied, purged)
        SELECT md5('bulk-' || g), (%(periods)s)[1 + g %% 24],
            CASE WHEN g %% 3 = 0 THEN 'moral-distress' ELSE 'near-miss' END,
            CASE WHEN g %% 3 = 0 THEN (%(distress)s)[1 + (g / 3) %% %(nd)s]
                 ELSE (%(near)s)[1 + (g / 7) %% %(nn)s] END,
            (%(units)s)[1 + (g / 11) %% %(nu)s], (%(roles)s)[1 + (g / 5) %% %(nr)s],
            (%(sevs)s)[1 + (g / 13) %% %(ns)s], 'received', 'default',
            md5('receipt-' || g) || md5('digest-' || g), NULL, 1, g %% 20 = 0, 0,
            false, false, false
        FROM generate_series(%(lo)s, %(hi)s) AS g
    """
    params = {
        "periods": periods,
        "near": near,
        "nn": len(near),
        "distress": distress,
        "nd": len(distress),
        "units": units,
        "nu": len(units),
        "roles": list(ROLES),
        "nr": len(ROLES),
        "sevs": list(SEVERITIES),
        "ns": len(SEVERITIES),
    }
    started = time.perf_counter()
    done = 0
    with conn.cursor() as cur:
        while done < count:
            size = min(INSERT_CHUNK, count - done)
            lo = start + done
            cur.execute(sql, {**params, "lo": lo, "hi": lo + size - 1})
            done += size
            rate = done / (time.perf_counter() - started)
            log(f"  inserted {done:,}/{count:,} ({rate:,.0f} rows/s)")
        cur.execute("VACUUM ANALYZE report")
    return time.perf_counter() - started


def disk_size(conn) -> dict:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*), pg_table_size('report'), pg_indexes_size('report'), "
            "pg_total_relation_size('report') FROM report"
        )
        rows, heap, indexes, total = cur.fetchone()
    return {
        "reports": rows,
        "heap_mb": round(heap / 1e6, 1),
        "indexes_mb": round(indexes / 1e6, 1),
        "total_mb": round(total / 1e6, 1),
    }


# ---- main -------------------------------------------------------------------------------


def table(rows: list[tuple[str, dict]]) -> str:
    lines = [
        f"{'configuration':<28} {'bare req/s':>10} {'filing req/s':>12} {'ratio':>6} "
        f"{'filing p50':>10} {'filing p99':>10} {'bare p99':>8} {'failed':>6}"
    ]
    for name, r in rows:
        lines.append(
            f"{name:<28} {r['bare_requests_per_s']:>10,.0f} {r['filing_requests_per_s']:>12,.0f} "
            f"{r['ratio']:>6.3f} {r['filing_p50_ms']:>8.2f}ms {r['filing_p99_ms']:>8.2f}ms "
            f"{r['bare_p99_ms']:>6.2f}ms {r['failed_requests']:>6,}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    wrk_path = ensure_wrk()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    workers_list = [int(w) for w in args.workers.split(",") if w.strip()]
    started = time.monotonic()
    primary = Bench(bench_args(args, 2, args.connections, args.threads))
    servers: list[Bench] = []
    rows: list[tuple[str, dict]] = []
    result: dict = {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "database": "postgresql",
        "wrk": {
            "threads": args.threads,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
        },
        "ratelimit": "disabled: wrk sends every request from one address",
        "configurations": [],
        "sizes": [],
    }

    def serve(group: list[Bench]) -> None:
        servers.extend(group)
        for server in group:
            server.start_server()

    def stop_all() -> None:
        while servers:
            servers.pop().close()

    try:
        primary.create_instance()
        for workers in workers_list:
            log(f"\n== {workers} worker(s), one instance")
            serve([server_on(primary, bench_args(args, workers, args.connections, args.threads))])
            measured = measure(servers, wrk_path, args.duration, args.warmup)
            stop_all()
            name = f"{workers} worker{'s' if workers > 1 else ''}, 1 instance"
            rows.append((name, measured))
            result["configurations"].append({"name": name, "workers": workers, **measured})
            log(table(rows[-1:]))
        if not args.skip_instances:
            log("\n== two instances, 2 workers each, one wrk each (half the connections)")
            half = max(1, args.connections // 2)
            threads = max(1, args.threads // 2)
            second = primary.tmp / "instance-2"
            shutil.copytree(primary.instance, second)
            serve(
                [
                    server_on(primary, bench_args(args, 2, half, threads)),
                    server_on(primary, bench_args(args, 2, half, threads), second),
                ]
            )
            measured = measure(servers, wrk_path, args.duration, args.warmup)
            stop_all()
            name = "2 instances x 2 workers"
            rows.append((name, measured))
            result["configurations"].append({"name": name, "workers": 4, **measured})
            log(table(rows[-1:]))

        size_rows: list[tuple[str, dict]] = []
        with contextlib.closing(connect(args, primary)) as conn:
            for target in sizes:
                have = disk_size(conn)["reports"]
                log(f"\n== {target:,} stored reports (have {have:,})")
                insert_s = bulk_insert(conn, primary, have, max(0, target - have))
                disk = disk_size(conn)
                log(
                    f"  {disk['reports']:,} reports: table {disk['heap_mb']:,} MB + indexes "
                    f"{disk['indexes_mb']:,} MB = {disk['total_mb']:,} MB"
                )
                serve([server_on(primary, bench_args(args, 2, args.connections, args.threads))])
                measured = measure(servers, wrk_path, args.duration, args.warmup)
                stop_all()
                name = f"{disk['reports']:,} reports, 2 workers"
                size_rows.append((name, measured))
                entry = {"target": target, "insert_s": round(insert_s, 1), **disk, **measured}
                result["sizes"].append(entry)
                log(table(size_rows[-1:]))

        log("\nWorkers and instances (PostgreSQL, rate limits off):")
        log(table(rows))
        log("\nStored reports (2 workers):")
        log(table(size_rows))
        log(
            f"\n{'target':>10} {'reports':>10} {'insert s':>9} {'table MB':>9} "
            f"{'index MB':>9} {'total MB':>9} {'filing req/s':>12} {'p99 ms':>7}"
        )
        for s in result["sizes"]:
            log(
                f"{s['target']:>10,} {s['reports']:>10,} {s['insert_s']:>9.1f} "
                f"{s['heap_mb']:>9,.1f} {s['indexes_mb']:>9,.1f} {s['total_mb']:>9,.1f} "
                f"{s['filing_requests_per_s']:>12,.0f} {s['filing_p99_ms']:>7.2f}"
            )
        if any(r["failed_requests"] for _, r in rows + size_rows):
            log("WARNING: some requests failed (non-2xx or socket errors): see the tables")
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = RESULTS_DIR / f"scale-{stamp}.json"
        result["elapsed_s"] = round(time.monotonic() - started)
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        log(f"results written to {out.relative_to(PROJECT_ROOT)}")
        log(f"finished in {time.monotonic() - started:.0f} s")
        return 0
    finally:
        stop_all()
        primary.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", default="1,2,4", help="gunicorn worker counts to measure")
    parser.add_argument("--skip-instances", action="store_true", help="no two-instance run")
    parser.add_argument(
        "--sizes", default="100000,1000000,5000000", help="stored-report counts, ascending"
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_URL,
        help="PostgreSQL server URL; the bench runs on a fresh schema it drops afterwards",
    )
    args = parser.parse_args(argv)
    return run_interruptibly(
        run, args, "interrupted: stopped every process this run started and dropped the schema"
    )


if __name__ == "__main__":
    sys.exit(main())
