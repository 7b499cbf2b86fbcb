"""Pulse: token exchange + submission throughput for 5,000 respondents, and a wave's release.

Run as ``.venv/bin/python bench/pulse.py`` (or ``make bench-pulse``). It

1. creates a throwaway instance (``reporting init``, SQLite unless ``--database-url``);
2. opens a wave of psych-safety-7 and issues ``--respondents`` codes over the taxonomy's
   units (more codes than answers in a few units, so the response-rate floor is exercised);
3. does every respondent's own side first (a random token, blinded: what the browser does),
   then times the server's side with ``--workers`` processes at once: the exchange (code
   burnt, blind signature), the respondent's unblinding, the submission (signature checked,
   token spent, response stored), as the domain verbs do them behind the web pages;
4. closes the wave and times its release through the suppression engine;
5. prints submissions/s against the target (>= 200 on 2 cores) and the release time
   against its target (< 10 s), and writes ``bench/results/pulse-<time>.json``.

The HTTP layer is left out on purpose: filing's own benchmark (bench/submit.py) measures
what gunicorn and Flask add per request; this one measures what a pulse adds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
VENV_BIN = Path(sys.executable).parent
TODAY = dt.date.today()
SUBMIT_TARGET = 200.0
RELEASE_TARGET_S = 10.0


def log(message: str) -> None:
    print(message, flush=True)


def _app():
    from reporting.web import create_app

    return create_app({"RATELIMIT_ENABLED": False}, serving=True)


def prepare(respondents: int) -> tuple[str, list[tuple[str, str, object]]]:
    """Open the wave, issue codes, and do each respondent's blinding (not timed)."""
    from reporting.db import database
    from reporting.models import PulseWave
    from reporting.privacy import blind_rsa
    from reporting.pulse.codes import issue_codes
    from reporting.pulse.waves import open_wave, public_key

    app = _app()
    found = app.extensions["reporting"]
    rng = random.Random(7)
    with app.app_context(), database.connection_context():
        units = sorted(found.require_taxonomy().units)
        wave = open_wave(
            "psych-safety-7", TODAY, TODAY + dt.timedelta(days=14), pepper=found.pepper
        )
        key = public_key(PulseWave.get_by_id(wave))
        people: list[tuple[str, str, object]] = []
        per_unit = respondents // len(units)
        for n, unit in enumerate(units):
            count = per_unit + (respondents - per_unit * len(units) if n == 0 else 0)
            extra = count * 3 if n % 5 == 4 else 0  # a few units answer below the floor
            codes = issue_codes(wave, unit, count + extra, pepper=found.pepper)
            for code in codes[:count]:
                blinded = blind_rsa.blind(key, blind_rsa.prepare(rng.randbytes(32)))
                people.append((unit, code, blinded))
    rng.shuffle(people)
    return wave, people


def serve(args: tuple[str, list, int]) -> tuple[int, list[float]]:
    """One server process: exchange and submit for its share of respondents."""
    wave, people, seed = args
    from reporting.db import database
    from reporting.models import PulseWave
    from reporting.privacy import blind_rsa
    from reporting.pulse.responses import Token, exchange, submit
    from reporting.pulse.waves import public_key
    from reporting.taxonomy import ROLES

    app = _app()
    found = app.extensions["reporting"]
    rng = random.Random(seed)
    latencies = []
    with app.app_context(), database.connection_context():
        units = found.require_taxonomy().units
        key = public_key(PulseWave.get_by_id(wave))
        mood = {u: rng.choice([3, 4, 5, 6]) for u in units}
        for unit, code, blinded in people:
            start = time.perf_counter()
            blind_sig = exchange(wave, code, blinded.blinded, pepper=found.pepper, today=TODAY)
            token = Token(blinded.prepared, blind_rsa.finalize(key, blinded, blind_sig))
            answers = {
                f"ps{i}": max(1, min(7, mood[unit] + rng.randint(-2, 2))) for i in range(1, 8)
            }
            role = rng.choices(list(ROLES), [6, 3, 2, 2, 1, 1])[0]
            submit(wave, token, unit=unit, role=role, answers=answers, units=units,
                   roles=ROLES, today=TODAY)  # fmt: skip
            latencies.append(time.perf_counter() - start)
    return len(people), latencies


def release(wave: str) -> dict:
    from reporting.db import database
    from reporting.pulse.waves import close_wave
    from reporting.releases.pulse_release import release_wave
    from reporting.taxonomy import ROLES

    app = _app()
    found = app.extensions["reporting"]
    with app.app_context(), database.connection_context():
        taxonomy = found.require_taxonomy()
        close_wave(wave)
        start = time.perf_counter()
        summary = release_wave(
            wave,
            threshold=int(app.config["RELEASE_THRESHOLD"]),
            min_rate=float(app.config["PULSE_MIN_RESPONSE_RATE"]),
            departments={u: unit.department for u, unit in taxonomy.units.items()},
            roles=list(ROLES),
            today=TODAY,
        )
        seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 2),
        "cells_published": summary.published,
        "cells_hidden": summary.hidden,
        "hidden_at_least_k": summary.hidden_at_least_k,
        "units_left_out": summary.left_out_units,
        "respondents_left_out": summary.left_out_respondents,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="reporting-bench-pulse-"))
    os.environ["REPORTING_INSTANCE_PATH"] = str(tmp / "instance")
    if args.database_url:
        os.environ["REPORTING_DATABASE_URL"] = args.database_url
    try:
        done = subprocess.run(
            [str(VENV_BIN / "reporting"), "init", "--recovery-key-out", str(tmp / "rk.txt")],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            log("reporting init failed:\n" + done.stdout + done.stderr)
            return 1
        started = time.perf_counter()
        wave, people = prepare(args.respondents)
        blinding = time.perf_counter() - started
        log(f"wave {wave}: {len(people)} respondents blinded their tokens in {blinding:.1f} s "
            "(the browsers' side, not timed below)")  # fmt: skip
        shares = [(wave, people[i :: args.workers], i) for i in range(args.workers)]
        start = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
            results = pool.map(serve, shares)
        elapsed = time.perf_counter() - start
        latencies = sorted(x for _, lat in results for x in lat)
        total = sum(n for n, _ in results)
        rate = total / elapsed
        p50 = latencies[len(latencies) // 2] * 1000
        p99 = latencies[int(len(latencies) * 0.99)] * 1000
        verdict = "met" if rate >= SUBMIT_TARGET else "NOT met"
        log(f"exchange + submission: {total} in {elapsed:.1f} s with {args.workers} processes = "
            f"{rate:.0f}/s (target >= {SUBMIT_TARGET:.0f}: {verdict}); "
            f"per respondent p50 {p50:.1f} ms, p99 {p99:.1f} ms")  # fmt: skip
        released = release(wave)
        ok = released["seconds"] < RELEASE_TARGET_S
        log(f"release: {released['seconds']} s (target < {RELEASE_TARGET_S:.0f} s: "
            f"{'met' if ok else 'NOT met'}); {released['cells_published']} cells published, "
            f"{released['cells_hidden']} hidden ({released['hidden_at_least_k']} of count >= k); "
            f"left out below the response floor: {released['units_left_out']} "
            f"({released['respondents_left_out']} respondents)")  # fmt: skip
        RESULTS_DIR.mkdir(exist_ok=True)
        out = RESULTS_DIR / f"pulse-{time.strftime('%Y%m%d-%H%M%S')}.json"
        out.write_text(json.dumps({
            "respondents": total, "workers": args.workers, "nproc": os.cpu_count(),
            "submissions_per_s": round(rate, 1), "p50_ms": round(p50, 2), "p99_ms": round(p99, 2),
            "release": released,
        }, indent=2))  # fmt: skip
        log(f"results written to {out.relative_to(BENCH_DIR.parent)}")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
