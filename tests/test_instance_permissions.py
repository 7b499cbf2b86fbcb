"""The instance folder and the SQLite database are private to the service user.

A checkout ships `instance/` (for its README) with the checkout's mode, 0755; `reporting
init` makes it 0700 and the database is created 0600, and `reporting check` FAILs otherwise.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _reporting(tmp_path: Path, instance: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTING_")}
    env["REPORTING_INSTANCE_PATH"] = str(instance)
    command = [str(Path(sys.executable).parent / "reporting"), *args]
    return subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def checkout_instance(tmp_path) -> Path:
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    (instance / "README.md").write_text("per-deployment files\n")
    done = _reporting(tmp_path, instance, "init", "--recovery-key-out", str(tmp_path / "key"))
    assert done.returncode == 0, done.stderr
    return instance


def test_init_makes_a_checkouts_instance_folder_and_database_private(checkout_instance):
    assert _mode(checkout_instance) == 0o700
    assert _mode(checkout_instance / "reporting.db") == 0o600


@pytest.mark.parametrize(
    ("name", "mode", "line"), [("", 0o755, "secrets"), ("reporting.db", 0o644, "database")]
)
def test_check_fails_when_others_may_read_the_instance(
    tmp_path, checkout_instance, name, mode, line
):
    (checkout_instance / name).chmod(mode)
    done = _reporting(tmp_path, checkout_instance, "check")
    assert done.returncode != 0
    (found,) = [row for row in done.stdout.splitlines() if row[6:].startswith(line + ":")]
    assert found.startswith("FAIL") and "open to other users" in found, done.stdout
