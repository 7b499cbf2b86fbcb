"""Real gunicorn instances on loopback for the flood, crash and scale-out tests.

These tests are about what only a real deployment shows: several worker processes, client
addresses the app sees through real sockets, processes killed mid-write, two instances on
one database. An ``AppServer`` serves one instance folder with the production gunicorn
settings (reporting/ops/gunicorn_conf.py), waits for readiness by polling, and is always stopped
(``running`` stops it even when the test fails). Clients choose their source address
(127.0.0.1, .2, .3 are all loopback), so the app keys rate limits by a real peer address and
no forwarding header is trusted.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import redis

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
BOOT_SECONDS = 45
STOP_SECONDS = 30
POLL_SECONDS = 0.05
REPORTING_COMMAND = (sys.executable, "-c", "from reporting.ops.commands import main; main()")
SHARED_INSTANCE_FILES = ("secrets.json", "taxonomy.toml", "config.py", "deid-names.txt")


def free_port(host: str = HOST) -> int:
    """A free port below the kernel's ephemeral range, which client connections draw from.

    A port the kernel hands out for ``bind(0)`` may still be the local end of a client's
    TIME_WAIT connection (a flood test leaves thousands), and a server cannot then listen
    on it ("Address already in use"). No client connection ever uses a port below the range.
    """
    low = 32768
    with contextlib.suppress(OSError, ValueError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in random.sample(range(10_000, low), 200):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
                s.listen()
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port between 10000 and {low} on {host}")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    cookies: dict[str, str] = field(default_factory=dict)

    def json(self):
        return json.loads(self.body) if self.body else {}

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(
    port: int,
    method: str,
    path: str,
    *,
    json_body=None,
    form: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    cookies: Mapping[str, str] | None = None,
    source: str = HOST,
    timeout: float = 15,
) -> Response:
    """One HTTP request on a fresh connection leaving from ``source``; raises OSError."""
    sent = dict(headers or {})
    body = None
    if json_body is not None:
        body = json.dumps(json_body).encode("utf-8")
        sent["Content-Type"] = "application/json"
    elif form is not None:
        body = urllib.parse.urlencode(form).encode("utf-8")
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    if cookies:
        sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout, source_address=(source, 0))
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=sent)
        answer = connection.getresponse()
        data = answer.read()
        seconds = time.perf_counter() - started
        set_cookies = {}
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, cookie = pair.partition("=")
                set_cookies[key.strip()] = cookie.strip()
        return Response(answer.status, dict(answer.getheaders()), data, seconds, set_cookies)
    finally:
        connection.close()


def clean_environment(instance_dir: Path, database_url: str | None, **settings: str) -> dict:
    """The environment of a server or command: nothing REPORTING_* leaks in from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTING_")}
    env["REPORTING_INSTANCE_PATH"] = str(instance_dir)
    if database_url:
        env["REPORTING_DATABASE_URL"] = database_url
    env.update({f"REPORTING_{name}": str(value) for name, value in settings.items()})
    return env


def share_instance(source: Path, target: Path) -> Path:
    """A second instance folder holding the first's secrets, taxonomy and config."""
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in SHARED_INSTANCE_FILES:
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    return target


def run_command(
    instance_dir: Path, database_url: str | None, *args: str, timeout: float = 120, **settings
) -> subprocess.CompletedProcess:
    """`reporting ARGS` in its own process, as an administrator (or cron) would run it."""
    return subprocess.run(
        [*REPORTING_COMMAND, *args],
        cwd=PROJECT_ROOT,
        env=clean_environment(instance_dir, database_url, **settings),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_command(
    instance_dir: Path, database_url: str | None, *args: str, **settings
) -> subprocess.Popen:
    return subprocess.Popen(
        [*REPORTING_COMMAND, *args],
        cwd=PROJECT_ROOT,
        env=clean_environment(instance_dir, database_url, **settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextlib.contextmanager
def redis_namespace(url: str, label: str) -> Iterator[tuple[redis.Redis, str]]:
    """A Redis database and a rate-limit key prefix of one test's own, removed afterwards.

    The rotating address secret (ratelimit.py) has a fixed name shared by everything using
    the database; it is removed only if this test created it (it holds no address, and
    expires by itself anyway).
    """
    store = redis.Redis.from_url(url)
    store.ping()
    prefix = f"{label}-{os.urandom(6).hex()}"
    secrets_before = set(store.scan_iter("reporting:ratelimit-secret:*"))
    try:
        yield store, prefix
    finally:
        for name in store.scan_iter(f"*{prefix}*"):
            store.delete(name)
        for name in set(store.scan_iter("reporting:ratelimit-secret:*")) - secrets_before:
            store.delete(name)
        store.close()


def group_alive(pgid: int) -> bool:
    """Whether any process of the group is still running (zombies count as gone)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


class AppServer:
    """gunicorn serving one instance folder on a free loopback port, in its own process group."""

    def __init__(
        self,
        instance_dir: Path,
        log_dir: Path,
        *,
        database_url: str | None = None,
        workers: int = 2,
        name: str = "server",
        **settings: str,
    ) -> None:
        self.instance_dir = instance_dir
        self.database_url = database_url
        self.workers = workers
        self.settings = settings
        self.log_dir = log_dir
        self.name = name
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._logs: list = []
        self.starts = 0

    @property
    def error_log(self) -> Path:
        return self.log_dir / f"{self.name}-{self.starts}-error.log"

    def start(self) -> AppServer:
        """Start (or, after a stop or a kill, start again on a new port) and wait until ready."""
        self.starts += 1
        self.port = free_port()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = clean_environment(
            self.instance_dir,
            self.database_url,
            BIND=f"{HOST}:{self.port}",
            WORKERS=str(self.workers),
            ERROR_LOG=str(self.error_log),
            **self.settings,
        )
        out = (self.log_dir / f"{self.name}-{self.starts}-output.log").open("wb")
        self._logs.append(out)
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
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()
        return self

    def output(self) -> str:
        parts = []
        for path in sorted(self.log_dir.glob(f"{self.name}-*.log")):
            parts.append(f"--- {path.name}\n{path.read_text('utf-8', 'replace')[-3000:]}")
        return "\n".join(parts)

    def wait_ready(self) -> None:
        """Poll until the app answers (a worker has loaded it), or fail with the logs."""
        deadline = time.monotonic() + BOOT_SECONDS
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/api/v1/taxonomy", timeout=5).status == 200:
                    return
            # Before gunicorn listens, a connection may even meet itself (TCP simultaneous
            # open, when the kernel picks the port as the source port): not an answer.
            except (OSError, http.client.HTTPException):
                pass
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=POLL_SECONDS)
                raise AssertionError(
                    f"{self.name}: gunicorn exited with {self.process.returncode}\n" + self.output()
                )
        raise AssertionError(f"{self.name}: not ready after {BOOT_SECONDS} s\n" + self.output())

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as a power cut or OOM killer would."""
        pgid = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        self.process.wait(timeout=STOP_SECONDS)
        deadline = time.monotonic() + STOP_SECONDS
        while group_alive(pgid):
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: workers survived SIGKILL of their group")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            time.sleep(POLL_SECONDS)  # polling interval; the condition is the loop's test

    def stop(self) -> None:
        """SIGTERM, then SIGKILL of the whole group if it does not end in time."""
        try:
            if self.process is not None and self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    self.kill()
                    raise AssertionError(
                        f"{self.name}: gunicorn ignored SIGTERM for {STOP_SECONDS} s"
                    ) from None
            if self.process is not None and group_alive(self.process.pid):
                self.kill()
        finally:
            for log in self._logs:
                log.close()
            self._logs.clear()


@contextlib.contextmanager
def running(*servers: AppServer) -> Iterator[tuple[AppServer, ...]]:
    """Start every server (in order) and stop them all afterwards, whatever happened."""
    failed = False
    try:
        for server in servers:
            server.start()
        yield servers
    except BaseException:
        failed = True
        raise
    finally:
        errors = []
        for server in servers:
            try:
                server.stop()
            except AssertionError as exc:
                errors.append(str(exc))
        if errors and not failed:  # never hide the test's own failure behind a stop error
            raise AssertionError("\n".join(errors))
