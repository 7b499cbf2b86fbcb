"""Filing throughput: POST /api/v1/reports against a bare JSON endpoint in the same gunicorn.

Run as ``.venv/bin/python bench/submit.py`` (or ``make bench``). It

1. installs wrk with ``apt-get install -y wrk`` if it is not on the PATH (and says so);
2. creates a throwaway instance in a temporary folder (``reporting init``), on SQLite or, with
   ``--database-url postgresql://…``, on a fresh PostgreSQL schema that is dropped afterwards;
3. serves ``bench/bench_app.py`` (the real app plus ``POST /bench/bare``, which only parses the
   JSON body and answers 201) with gunicorn, ``-c python:reporting.ops.gunicorn_conf``, N sync
   workers on loopback, rate limits off (wrk sends everything from one address);
4. warms both endpoints up, then drives them with wrk in the order bare, pipeline, bare (the
   bare figure is the mean of the two runs, which brackets any drift of the machine);
5. prints a table and the pipeline/bare ratio, and writes ``bench/results/submit-<time>.json``.

``--profile N`` also times each step of filing in-process over N filings (no wrk needed).
``--narratives corpus`` sends 3,000 different bodies in turn instead of one account (to both
endpoints), so the scrubber meets new words, numbers and names as it would in service.
Every process it starts is stopped on exit, on Ctrl-C and on SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import functools
import json
import os
import platform
import pstats
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from reporting import submissions

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PIPELINE = "/api/v1/reports"
BARE = "/bench/bare"
RATIO_TARGET = 0.30
P99_TARGET_MS = 25.0

# A realistic near-miss account, about 1.5 KB, with a few identifiers for the scrubber.
NARRATIVE = (
    "At the start of the night shift I took handover for bay 3 from the day team. The patient "
    "in bed 12, Mr James Whitfield (MRN 4417-2290), was written up for IV gentamicin 5 mg/kg "
    "once daily, and the drug chart had been rewritten that afternoon after a transfer from the "
    "acute medical unit. When I drew up the dose at 22:10 I noticed the weight on the new chart "
    "was 112 kg, while the admission weight on the observation sheet was 61 kg. The dose "
    "prepared from the new chart would have been almost twice what the patient should have had, "
    "in someone with an eGFR of 38 whose last trough level was already at the upper limit. I "
    "stopped, rechecked the weight on the bed scales with my colleague (staff number 55-7731), "
    "and phoned the on-call pharmacist on extension 4471. Dr Sarah Okafor came to the ward, "
    "confirmed the transcription error, and rewrote the prescription with the correct weight "
    "and a plan for levels. Nothing was given, the patient came to no harm and was told what "
    "had happened the next morning. What worries me is that the transfer process depends on "
    "retyping weights by hand late in the day, when the ward is short of one nurse and the "
    "pharmacist is covering three wards. The electronic record does not carry the weight "
    "across between units, and nobody double-checks the chart after a transfer unless "
    "something looks odd. If I had been busier or more tired I doubt I would have noticed. I "
    "would like transfers to carry the weight automatically, and a second check of every "
    "weight-based dose before the first administration on a new ward. Reported on 14/11/2026 "
    "by email to sister.ward7b@example.org as well."
)
REPORT = {
    "kind": "near-miss",
    "category": "medication",
    "unit": "ward-7b",
    "role": "nursing",
    "stopped_by": "staff",
    "potential_harm": "severe",
    "narrative": NARRATIVE,
}

LUA_SCRIPT = """\
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("{body}", "rb"))
wrk.body = f:read("*a")
f:close()
"""
# --narratives corpus: each request takes the next of many bodies, one JSON object a line.
LUA_ROTATING_SCRIPT = """\
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = {{}}
for line in io.lines("{body}") do bodies[#bodies + 1] = line end
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
"""
CORPUS_BODIES = 3000


@functools.cache  # the same bodies for every run of wrk, made once
def corpus_bodies(count: int = CORPUS_BODIES, seed: int = 7) -> tuple[str, ...]:
    """``count`` request bodies whose narratives (1.4-1.6 KB) join texts of the
    de-identification corpora (tests/deid/*.jsonl) drawn at random: many distinct words,
    numbers and names, where the one account repeats the same few, which the scrubber's
    word caches then always hold. Denser in identifiers than a real account."""
    import random

    rng = random.Random(seed)
    texts = [
        json.loads(line)["text"]
        for path in sorted((PROJECT_ROOT / "tests" / "deid").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    bodies = []
    for _ in range(count):
        parts: list[str] = []
        while sum(map(len, parts)) < 1400:
            parts.append(rng.choice(texts))
        bodies.append(json.dumps({**REPORT, "narrative": " ".join(parts)[:1600]}))
    return tuple(bodies)


class BenchError(Exception):
    pass


def log(message: str) -> None:
    print(message, flush=True)


# ---- wrk ----------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk not found: running `apt-get install -y wrk`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, timeout=300, check=False)
    if done.returncode != 0:
        log("apt-get install failed: running `apt-get update`, then installing again")
        subprocess.run(["apt-get", "update"], env=env, timeout=300, check=False)
        subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, timeout=300, check=False)
    found = shutil.which("wrk")
    if not found:
        raise BenchError("wrk is not installed and apt-get could not install it")
    log(f"installed {found}")
    return found


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise BenchError(f"cannot read wrk latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> dict:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p90 = re.search(r"^\s+90%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    if not (rps and total and p50 and p99):
        raise BenchError("cannot read wrk's output:\n" + output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests_per_s": float(rps.group(1)),
        "requests": int(total.group(1)),
        "p50_ms": _ms(p50.group(1)),
        "p90_ms": _ms(p90.group(1)) if p90 else None,
        "p99_ms": _ms(p99.group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


# ---- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def post(url: str, body: bytes, timeout: float = 5) -> tuple[int, bytes]:
    req = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Bench:
    """Owns every resource the run creates, and releases all of them in ``close``."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="reporting-bench-"))
        self.instance = self.tmp / "instance"
        self.server: subprocess.Popen | None = None
        self.children: list[subprocess.Popen] = []
        self.pg_schema: str | None = None
        self.database_url: str | None = None
        self.port = free_port()
        self.error_log = self.tmp / "gunicorn-error.log"

    # -- setup --

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTING_")}
        env["REPORTING_INSTANCE_PATH"] = str(self.instance)
        if self.database_url:
            env["REPORTING_DATABASE_URL"] = self.database_url
        return env

    def create_instance(self) -> None:
        if self.args.database_url:
            import psycopg2

            self.pg_schema = "bench_" + secrets.token_hex(6)
            with contextlib.closing(psycopg2.connect(self.args.database_url)) as conn:
                conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute(f"CREATE SCHEMA {self.pg_schema}")
            sep = "&" if "?" in self.args.database_url else "?"
            self.database_url = (
                f"{self.args.database_url}{sep}options=-csearch_path%3D{self.pg_schema}"
            )
        done = subprocess.run(
            [str(VENV_BIN / "reporting"), "init", "--recovery-key-out", str(self.tmp / "rk.txt")],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise BenchError("reporting init failed:\n" + done.stdout + done.stderr)
        where = f"PostgreSQL schema {self.pg_schema}" if self.pg_schema else "SQLite"
        log(f"instance: {self.instance} ({where})")

    def start_server(self) -> None:
        env = self.env()
        env.update(
            REPORTING_BIND=f"{HOST}:{self.port}",
            **({"REPORTING_WORKERS": str(self.args.workers)} if self.args.workers else {}),
            **({"REPORTING_THREADS": str(threads)} if (threads := self._server_threads()) else {}),
            REPORTING_RATELIMIT_ENABLED="false",
            REPORTING_ERROR_LOG=str(self.error_log),
            REPORTING_LOG_LEVEL="info",
        )
        log(
            f"gunicorn: {self.args.workers or 'the production number of'} threaded workers "
            f"on {HOST}:{self.port}, "
            "-c python:reporting.ops.gunicorn_conf, app bench/bench_app.py; "
            "REPORTING_RATELIMIT_ENABLED=false because wrk sends every request from one "
            "address and would otherwise be throttled"
        )
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:reporting.ops.gunicorn_conf"]
            + ["bench_app:app"],
            cwd=BENCH_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        body = json.dumps(REPORT).encode()
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BenchError("gunicorn exited at start:\n" + self.server_log())
            try:
                status, _ = post(self.url(BARE), body, timeout=2)
                if status == 201:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise BenchError("gunicorn did not answer within 30 s:\n" + self.server_log())
        status, answer = post(self.url(PIPELINE), body)
        if status != 201 or b"receipt" not in answer:
            raise BenchError(f"filing does not work ({status}): {answer[:500]!r}")

    def _server_threads(self) -> int | None:
        """``--server-threads``; benches that reuse this class (bench/scale.py) leave it out."""
        return getattr(self.args, "server_threads", None)

    def server_log(self) -> str:
        if self.error_log.exists():
            return self.error_log.read_text("utf-8", "replace")[-3000:]
        return ""

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    # -- measuring --

    def wrk(self, wrk_path: str, path: str, duration: int) -> dict:
        body = self.tmp / "body.json"
        script = self.tmp / "post.lua"
        if getattr(self.args, "narratives", "account") == "corpus":
            body.write_text("\n".join(corpus_bodies()) + "\n", encoding="utf-8")
            script.write_text(LUA_ROTATING_SCRIPT.format(body=body), encoding="utf-8")
        else:
            body.write_text(json.dumps(REPORT), encoding="utf-8")
            script.write_text(LUA_SCRIPT.format(body=body), encoding="utf-8")
        cmd = [
            wrk_path,
            f"-t{self.args.threads}",
            f"-c{self.args.connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(script),
            self.url(path),
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.children.append(proc)
        try:
            output, _ = proc.communicate(timeout=duration + 30)
        finally:
            self.children.remove(proc)
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)
        if proc.returncode != 0:
            raise BenchError(f"wrk failed ({proc.returncode}):\n{output}")
        result = parse_wrk(output)
        result["raw"] = output
        return result

    def stored_reports(self) -> int:
        if self.pg_schema:
            import psycopg2

            with (
                contextlib.closing(psycopg2.connect(self.args.database_url)) as conn,
                conn.cursor() as cur,
            ):
                cur.execute(f"SELECT count(*) FROM {self.pg_schema}.report")
                return cur.fetchone()[0]
        import sqlite3

        with contextlib.closing(sqlite3.connect(self.instance / "reporting.db")) as conn:
            return conn.execute("SELECT count(*) FROM report").fetchone()[0]

    # -- teardown --

    def close(self) -> None:
        for proc in list(self.children):
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)
        if self.server is not None and self.server.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=25)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(timeout=5)
        if self.pg_schema:
            import psycopg2

            with contextlib.closing(psycopg2.connect(self.args.database_url)) as conn:
                conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute(f"DROP SCHEMA IF EXISTS {self.pg_schema} CASCADE")
        if self.args.keep:
            log(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# ---- in-process profile of one filing, step by step ---------------------------------------


def profile_steps(bench: Bench, count: int) -> dict:
    """Median µs per step of filing one report, in-process, on the bench instance."""
    os.environ["REPORTING_INSTANCE_PATH"] = str(bench.instance)
    if bench.database_url:
        os.environ["REPORTING_DATABASE_URL"] = bench.database_url
    from flask import request

    from reporting import reports
    from reporting.db import database
    from reporting.models import Report, ReviewGroup
    from reporting.privacy import crypto, receipts
    from reporting.privacy.sanitise import clean_free_text
    from reporting.web import create_app
    from reporting.web.security import csrf
    from reporting.web.services import current_period

    app = create_app({"RATELIMIT_ENABLED": False}, serving=True)

    @app.post(BARE)
    @csrf.exempt
    def bench_bare():
        request.get_json()
        return "", 201

    found = app.extensions["reporting"]
    body = json.dumps(REPORT)
    client = app.test_client()
    timings: dict[str, list[float]] = {}

    def timed(name, fn, *a, **kw):
        start = time.perf_counter_ns()
        value = fn(*a, **kw)
        timings.setdefault(name, []).append((time.perf_counter_ns() - start) / 1000)
        return value

    with app.app_context():
        database.connect(reuse_if_open=True)
        group = ReviewGroup.default()
        for _ in range(count):
            data = timed("json.loads (request.get_json)", json.loads, body)
            timed("clean_free_text (markup, controls)", clean_free_text, data["narrative"])
            submission = timed(
                "parse_submission (incl. clean_free_text)",
                submissions.parse_submission,
                data,
                found.require_taxonomy(),
                max_narrative=10_000,
            )
            scrubbed = timed("Scrubber.scrub", found.scrubber.scrub, submission.narrative).text
            timed("ReviewGroup.default() (SELECT)", ReviewGroup.default)
            receipt = timed("receipts.new_receipt", receipts.new_receipt)
            timed(
                "receipts.receipt_digest (HMAC)",
                receipts.receipt_digest,
                receipts.normalise(receipt),
                found.pepper,
            )
            rid = secrets.token_hex(16)
            sealed = timed(
                "crypto.seal (X25519+HKDF+AES-GCM)",
                crypto.seal,
                scrubbed.encode(),
                group.public_key,
                reports.narrative_context(rid),
            )

            def insert(rid=rid, sealed=sealed):
                with database.atomic():
                    Report.insert(
                        id=rid,
                        period="2026-11",
                        kind="near-miss",
                        category="medication",
                        unit="ward-7b",
                        role="nursing",
                        severity="high",
                        review_group="default",
                        receipt_digest=secrets.token_hex(32),
                        narrative=sealed,
                    ).execute()

            timed("Report.insert in a transaction", insert)
            timed(
                "reports.file_report (whole verb)",
                reports.file_report,
                submission,
                period=current_period(),
                pepper=found.pepper,
                scrubber=found.scrubber,
            )
        database.close()
    for _ in range(count):
        response = timed(
            "POST /api/v1/reports via test client",
            client.post,
            PIPELINE,
            data=body,
            content_type="application/json",
        )
        assert response.status_code == 201, response.get_data(as_text=True)
    for _ in range(count):
        timed(
            "POST /bench/bare via test client",
            client.post,
            BARE,
            data=body,
            content_type="application/json",
        )

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        client.post(PIPELINE, data=body, content_type="application/json")
    profiler.disable()
    stats_path = bench.tmp / "filing.pstats"
    profiler.dump_stats(stats_path)
    import io

    out = io.StringIO()
    pstats.Stats(str(stats_path), stream=out).sort_stats("cumulative").print_stats(30)

    medians = {}
    for name, values in timings.items():
        values.sort()
        medians[name] = round(values[len(values) // 2], 1)
    return {"count": count, "median_us": medians, "cprofile_top": out.getvalue()}


# ---- main ---------------------------------------------------------------------------------


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
    }


def cpu_seconds(pgid: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the server's processes, by role (the
    gunicorn master, its workers, the writer process), and the machine's idle seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {"master": 0.0, "workers": 0.0, "writer": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, IndexError, ValueError):
            continue
        pid = int(stat.parent.name)
        role = "master" if pid == pgid else "writer" if b" writer" in command else "workers"
        found[role] += (int(fields[11]) + int(fields[12])) / tick
    with open("/proc/stat") as machine_stat:
        found["machine idle"] = int(machine_stat.readline().split()[4]) / tick
    return found


def cpu_line(
    before: dict[str, float], after: dict[str, float], requests: int, seconds: float
) -> str:
    """Milliseconds of CPU per request by role, and the machine's idle share in the run."""
    per = {k: (after[k] - before[k]) * 1000 / max(requests, 1) for k in ("workers", "writer")}
    idle = (after["machine idle"] - before["machine idle"]) / (seconds * (os.cpu_count() or 1))
    return (
        f"CPU per request: workers {per['workers']:.2f} ms, writer {per['writer']:.2f} ms; "
        f"machine idle {idle:.0%}"
    )


def measure_rounds(
    bench: Bench, wrk_path: str, rounds: int, duration: int
) -> tuple[list[tuple[str, dict]], list[str], list[float]]:
    """Bare and pipeline runs in turn, ``rounds`` pipeline runs between ``rounds + 1`` bare
    ones; each round's ratio is its pipeline run against the mean of the bare runs on either
    side of it. This machine's speed drifts by up to half over tens of seconds (a shared
    virtual machine: the same code measured 1.2 and 2.4 ms of CPU a filing a minute apart), so
    one long run of each compares different machines; short runs in turn, and the median of
    their ratios, compare like with like."""
    runs: list[tuple[str, dict]] = []
    cpu_lines: list[str] = []
    order = [("bare 1", BARE)]
    for n in range(1, rounds + 1):
        order += [(f"pipeline {n}", PIPELINE), (f"bare {n + 1}", BARE)]
    for name, path in order:
        cpu_before, clock = cpu_seconds(bench.server.pid), time.monotonic()
        measured = bench.wrk(wrk_path, path, duration)
        line = cpu_line(
            cpu_before,
            cpu_seconds(bench.server.pid),
            measured["requests"],
            time.monotonic() - clock,
        )
        measured["cpu"] = line
        cpu_lines.append(f"{name}: {line}")
        runs.append((name, measured))
        log(f"{name:<12} {measured['requests_per_s']:>9,.0f} requests/s")
    rates = [r["requests_per_s"] for _, r in runs]
    ratios = [rates[i] / ((rates[i - 1] + rates[i + 1]) / 2) for i in range(1, len(rates), 2)]
    return runs, cpu_lines, ratios


def table(rows: list[tuple[str, dict]]) -> str:
    lines = [
        f"{'run':<22} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'requests':>9} {'non-2xx':>8}",
    ]
    for name, r in rows:
        lines.append(
            f"{name:<22} {r['requests_per_s']:>11,.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
            f"{r['requests']:>9,} {r['non_2xx']:>8,}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    wrk_path = None if args.profile_only else ensure_wrk()
    bench = Bench(args)
    started = time.monotonic()
    try:
        bench.create_instance()
        result: dict = {
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "database": "postgresql" if args.database_url else "sqlite",
            "workers": args.workers or "production default (2 a core, at most 8)",
            "threads_a_worker": args.server_threads or "production default",
            "wrk": {
                "threads": args.threads,
                "connections": args.connections,
                "duration_s": args.duration,
            },
            "body_bytes": len(json.dumps(REPORT).encode()),
            "narrative_chars": len(NARRATIVE),
            "narratives": (
                f"{CORPUS_BODIES} bodies from the de-identification corpora, in turn"
                if args.narratives == "corpus"
                else "the one account in every request"
            ),
            "order": "warm-up (bare, pipeline), then bare and pipeline in turn, bare at both ends",
            "rounds": args.rounds,
            "ratelimit": "disabled: wrk sends every request from one address",
        }
        if not args.profile_only:
            bench.start_server()
            log(
                f"body: {result['body_bytes']} bytes JSON ({len(NARRATIVE)}-character "
                f"narrative; narratives: {result['narratives']}); "
                f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency"
            )
            for path in (BARE, PIPELINE):
                log(f"warm-up {path} ({args.warmup} s)")
                bench.wrk(wrk_path, path, args.warmup)
            before = bench.stored_reports()
            runs, cpu_lines, ratios = measure_rounds(bench, wrk_path, args.rounds, args.duration)
            stored = bench.stored_reports() - before
            bare_runs = [r for name, r in runs if name.startswith("bare")]
            pipeline_runs = [r for name, r in runs if name.startswith("pipeline")]
            bare_rps = statistics.median(r["requests_per_s"] for r in bare_runs)
            ratio = statistics.median(ratios)
            p99 = statistics.median(r["p99_ms"] for r in pipeline_runs)
            log("")
            log(table(runs))
            log("")
            for line in cpu_lines:
                log(line)
            log(f"reports stored during the pipeline runs: {stored:,}")
            log(
                "ratio pipeline/bare by round (each against the bare runs before and after it): "
                + ", ".join(f"{r:.3f}" for r in ratios)
            )
            log(
                f"ratio pipeline/bare, median of {len(ratios)} rounds: {ratio:.3f} "
                f"(target >= {RATIO_TARGET:.2f}: {'met' if ratio >= RATIO_TARGET else 'NOT met'})"
            )
            log(
                f"pipeline p99, median of the rounds: {p99:.2f} ms (target < "
                f"{P99_TARGET_MS:.0f} ms: {'met' if p99 < P99_TARGET_MS else 'NOT met'})"
            )
            result["runs"] = [{"name": n, **r} for n, r in runs]
            result["bare_requests_per_s_median"] = round(bare_rps, 1)
            result["ratios_by_round"] = [round(r, 4) for r in ratios]
            result["ratio"] = round(ratio, 4)
            result["ratio_target_met"] = ratio >= RATIO_TARGET
            result["pipeline_p99_ms_median"] = p99
            result["p99_target_met"] = p99 < P99_TARGET_MS
            result["reports_stored_in_pipeline_runs"] = stored
            if any(r["non_2xx"] or r["socket_errors"] for _, r in runs):
                log("WARNING: some requests failed (non-2xx or socket errors): see the table")
        if args.profile or args.profile_only:
            count = args.profile or 300
            log(f"\nprofiling {count} filings in-process")
            profile = profile_steps(bench, count)
            log(f"{'step (median per filing)':<58} {'µs':>9}")
            for name, us in profile["median_us"].items():
                log(f"{name:<58} {us:>9,.1f}")
            log("\ncProfile, POST /api/v1/reports via the test client, by cumulative time:")
            log(profile["cprofile_top"])
            result["profile"] = profile
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = RESULTS_DIR / f"submit-{stamp}.json"
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        log(f"results written to {out.relative_to(PROJECT_ROOT)}")
        log(f"finished in {time.monotonic() - started:.0f} s")
        return 0
    finally:
        bench.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument(
        "--rounds", type=int, default=8, help="pipeline runs, each between two bare runs"
    )
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers (default: the production setting, 2 a core, at most 8)",
    )
    parser.add_argument(
        "--server-threads",
        type=int,
        default=None,
        help="threads a gunicorn worker (default: the production setting)",
    )
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server URL; the bench runs on a fresh schema it drops afterwards",
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also time N filings in-process"
    )
    parser.add_argument("--profile-only", action="store_true", help="skip wrk; profile only")
    parser.add_argument(
        "--narratives",
        choices=("account", "corpus"),
        default="account",
        help="one 1.5 KB account in every request (default), or 3,000 bodies made of the "
        "de-identification corpora's texts, each request the next",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance")
    args = parser.parse_args(argv)
    return run_interruptibly(run, args, "interrupted: stopped every process this run started")


def run_interruptibly(run, args: argparse.Namespace, interrupted: str) -> int:
    """Run a bench; SIGTERM and Ctrl-C unwind through its clean-up and exit 130."""

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        return run(args)
    except KeyboardInterrupt:
        log(interrupted)
        return 130
    except BenchError as exc:
        log(f"error: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
