"""A real deployment for the browser tests: an instance folder, its accounts and gunicorn.

Everything is done the way an administrator does it, with the `reporting` command line
(`init`, `demo`, `user add`, `user totp`, `batch`), and served by gunicorn with the project's
own settings on 127.0.0.1. The server runs on real time, so reports land in the current
month; only `reporting batch` is told it is a later day (see `run_batch`), because the daily
batch needs a batch time to pass between a filing and the reviewer reading it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
from servers import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
BOOT_SECONDS = 60
STOP_SECONDS = 25
COMMAND_SECONDS = 300
TOTP_STEP = 30

# The instance's config.py. The command line (never the server) may be told it is a later
# day through E2E_DAYS_AHEAD: the only way a subprocess can take a clock.
CONFIG = '''"""Written by tests/e2e: a throwaway instance."""
import datetime as _dt
import os as _os

_days_ahead = int(_os.environ.get("E2E_DAYS_AHEAD", "0"))
if _days_ahead:

    def CLOCK():
        return _dt.datetime.now(_dt.UTC) + _dt.timedelta(days=_days_ahead)

'''


@dataclass
class Account:
    username: str
    password: str
    totp_secret: str | None = None
    last_step: int = -1

    def next_code(self) -> str:
        """A TOTP code the server has not seen: each 30-second step is accepted only once.

        The server accepts the current step and the one after, so two logins fit in a step;
        a third waits (polling the clock, with a deadline) until a fresh step is in reach.
        """
        assert self.totp_secret, f"{self.username} has no second factor"
        deadline = time.monotonic() + 2 * TOTP_STEP + 5
        while True:
            now = int(time.time()) // TOTP_STEP
            step = max(now, self.last_step + 1)
            if step <= now + 1:
                self.last_step = step
                return pyotp.TOTP(self.totp_secret).generate_otp(step)
            assert time.monotonic() < deadline, "no fresh TOTP step came"
            time.sleep(0.5)  # polling the wall clock for the next step; no shared state


@dataclass
class Deployment:
    """One instance folder served by one gunicorn; `origin` is its only web address."""

    root: Path
    extra_config: str = ""
    port: int = field(default_factory=free_port)
    accounts: dict[str, Account] = field(default_factory=dict)
    days_ahead: int = 0
    process: subprocess.Popen | None = None

    @property
    def instance(self) -> Path:
        return self.root / "instance"

    @property
    def recovery_key(self) -> Path:
        return self.root / "offline" / "recovery-key.txt"

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def error_log(self) -> Path:
        return self.root / "gunicorn-error.log"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("REPORTING_", "E2E_"))}
        env["REPORTING_INSTANCE_PATH"] = str(self.instance)
        env.update(extra)
        return env

    def cli(self, *args: str, **env: str) -> str:
        """Run `reporting ARGS` against this instance; its output, or a failure with it."""
        command = [str(Path(sys.executable).parent / "reporting"), *args]
        done = subprocess.run(
            command,
            cwd=self.root,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
            check=False,
        )
        assert done.returncode == 0, f"reporting {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    # ---- setting up ----------------------------------------------------------------------

    def initialise(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.cli("init", "--recovery-key-out", str(self.recovery_key))
        (self.instance / "config.py").write_text(CONFIG + self.extra_config, encoding="utf-8")
        # The first batch call only starts the schedule; reports filed after it wait for
        # the next batch time, as in production.
        assert "started" in self.cli("batch")

    def demo(self, *args: str) -> Account:
        """`reporting demo`: released synthetic data and a leadership login (printed once)."""
        out = self.cli("demo", *args)
        username = re.search(r"username:\s*(\S+)", out).group(1)
        password = re.search(r"password:\s*(\S+)", out).group(1)
        self.accounts[username] = Account(username, password)
        return self.accounts[username]

    def add_user(
        self, username: str, *roles: str, totp: bool = False, grant: bool = False
    ) -> Account:
        password = f"e2e-{username}-correct-horse-battery"
        secret_file = self.root / "offline" / f"{username}-password.txt"
        secret_file.write_text(password + "\n", encoding="utf-8")
        args = ["user", "add", username, "--password-file", str(secret_file)]
        for role in roles:
            args += ["--role", role]
        if grant:
            args += ["--recovery-key-file", str(self.recovery_key)]
        self.cli(*args)
        account = Account(username, password)
        if totp:
            out = self.cli("user", "totp", username)
            account.totp_secret = re.search(r"secret:\s*([A-Z2-7]+)", out).group(1)
        self.accounts[username] = account
        return account

    def run_batch(self) -> str:
        """`reporting batch` on the next day: everything filed since the last one is released.

        Each call moves the command line's clock one day further, so each is a new batch
        time. Idle staff key sessions are ended by the batch too; the idle limit is raised
        for this command only, so the browsers' reviewers stay logged in.
        """
        self.days_ahead += 1
        out = self.cli(
            "batch",
            E2E_DAYS_AHEAD=str(self.days_ahead),
            REPORTING_STAFF_IDLE_MINUTES=str(60 * 24 * 365),
        )
        assert "released" in out, out
        return out

    # ---- serving -------------------------------------------------------------------------

    def start(self) -> None:
        env = self.env(
            REPORTING_BIND=f"{HOST}:{self.port}",
            REPORTING_WORKERS="2",
            REPORTING_ERROR_LOG=str(self.error_log),
        )
        self._output = (self.root / "gunicorn-output.log").open("wb")
        self.process = subprocess.Popen(
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
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + BOOT_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "gunicorn exited:\n" + self.logs()
            try:
                with urllib.request.urlopen(self.origin + "/api/v1/taxonomy", timeout=2) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)  # polling interval only; readiness is the 200 above
        raise AssertionError(f"gunicorn not ready after {BOOT_SECONDS} s\n" + self.logs())

    def logs(self) -> str:
        parts = []
        for path in (self.error_log, self.root / "gunicorn-output.log"):
            if path.exists():
                parts.append(f"--- {path.name}\n{path.read_text('utf-8', 'replace')[-4000:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=10)
        finally:
            self._output.close()
