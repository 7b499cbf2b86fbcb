"""A wheel built from the project serves the app on its own, away from the source tree.

The wheel is built from a copy of the working tree (so no stale build/ or egg-info of the tree
is read, and nothing is written into it), without build isolation (offline: setuptools comes
from the test extra). It is installed without dependencies into a fresh virtual environment
whose dependencies are the project venv's, reached through a folder of links that leaves out
the editable `reporting` (its finder never runs there) and the optional `redis` driver. From an
empty folder outside the source tree, `reporting init` creates an instance and a small script
in that venv's python fetches pages and assets through Flask's test client.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COMMAND_SECONDS = 180
CHART_JS = "vendor/chart.js/chart.umd.min.js"
# Generated or per-deployment: never part of a fresh checkout the wheel is built from.
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "instance",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "screenshots",
)
# The project venv's entries the fresh venv must not see: the editable install of the source
# tree, .pth files (never processed from a linked folder anyway) and the optional extras
# (redis, psycopg2): a SQLite instance must serve without them.
HIDDEN = ("reporting", "__editable__", "_distutils_hack", "pip", "redis", "psycopg2")

CHECK_SCRIPT = """
import hashlib, importlib.util, json, sys
import reporting
from reporting.web import create_app

app = create_app(serving=True)
client = app.test_client()
pages = {}
for path in ("/", "/report", "/login"):
    answer = client.get(path)
    pages[path] = {"status": answer.status_code, "text": answer.get_data(as_text=True)}
assets = {}
for path in sys.argv[1:]:
    answer = client.get(path)
    body = answer.get_data()
    assets[path] = {"status": answer.status_code, "sha256": hashlib.sha256(body).hexdigest()}
scrubbed = client.post(
    "/api/v1/deidentify", json={"narrative": "I asked Abdirizak to check the pump twice."}
)
print(json.dumps({
    "reporting": reporting.__file__,
    "redis_importable": importlib.util.find_spec("redis") is not None,
    "pages": pages,
    "assets": assets,
    "deidentify": {"status": scrubbed.status_code, "json": scrubbed.get_json()},
}))
"""


def run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def build_wheel(tmp_path: Path) -> tuple[Path, Path]:
    """The wheel, built from a fresh copy of the working tree; and that copy."""
    source = tmp_path / "source"
    shutil.copytree(PROJECT_ROOT, source, symlinks=True, ignore=NOT_SOURCES)
    dist = tmp_path / "dist"
    run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check"),
            *("--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", dist, source),
        ],
        cwd=tmp_path,
    )
    (wheel,) = dist.glob("reporting-*.whl")
    return wheel, source


def fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    """A venv holding the wheel; its dependencies are links into the project venv."""
    home = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(home)
    python = home / "bin" / "python"
    run(
        [
            *(sys.executable, "-m", "pip", "--python", python, "install", "--quiet"),
            *("--disable-pip-version-check", "--no-deps", "--no-index", wheel),
        ],
        cwd=tmp_path,
    )
    links = tmp_path / "project-dependencies"
    links.mkdir()
    for folder in {Path(sysconfig.get_path("purelib")), Path(sysconfig.get_path("platlib"))}:
        for entry in folder.iterdir():
            if entry.name.startswith(HIDDEN) or entry.suffix == ".pth":
                continue
            if not (links / entry.name).exists():
                (links / entry.name).symlink_to(entry)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (home / "lib" / version / "site-packages" / "project-dependencies.pth").write_text(
        f"{links}\n", encoding="utf-8"
    )
    return home


def test_wheel_ships_every_file_and_serves_pages_away_from_the_source_tree(tmp_path):
    wheel, source = build_wheel(tmp_path)

    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    in_tree = {
        path.relative_to(source).as_posix()
        for path in (source / "reporting").rglob("*")
        if path.is_file()
    }
    assert in_tree - shipped == set(), "files of the package missing from the wheel"
    for name in (
        "reporting/web/templates/base.html",
        "reporting/web/templates/public/index.html",
        "reporting/web/static/css/site.css",
        "reporting/web/static/js/dashboard.js",
        f"reporting/web/static/{CHART_JS}",
        "reporting/privacy/deid/data/names.txt",
    ):
        assert name in shipped
    dashboard = source / "reporting/web/templates/dashboard/index.html"
    assert f"filename='{CHART_JS}'" in dashboard.read_text(encoding="utf-8")

    home = fresh_venv(tmp_path, wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("REPORTING_", "PYTHON", "VIRTUAL_ENV", "PIP_"))
    }
    env["REPORTING_INSTANCE_PATH"] = str(tmp_path / "instance")
    recovery_key = tmp_path / "offline" / "recovery-key.txt"
    out = run(
        [home / "bin" / "reporting", "init", "--recovery-key-out", recovery_key],
        cwd=elsewhere,
        env=env,
    )
    assert "instance ready" in out
    assert recovery_key.is_file()

    script = tmp_path / "check_wheel.py"
    script.write_text(textwrap.dedent(CHECK_SCRIPT), encoding="utf-8")
    chart_url = f"/static/{CHART_JS}"
    # -I: no PYTHON* variables, no user site, not even the script's folder on sys.path.
    found = json.loads(
        run(
            [home / "bin" / "python", "-I", script, chart_url, "/static/css/site.css"],
            cwd=elsewhere,
            env=env,
        )
    )

    assert Path(found["reporting"]).resolve().is_relative_to(home.resolve())
    assert not Path(found["reporting"]).resolve().is_relative_to(PROJECT_ROOT)
    assert found["redis_importable"] is False
    expected = {
        "/": "Speak up without giving your name",
        "/report": "What would you like to tell us about?",
        "/login": "Staff login",
    }
    for path, text in expected.items():
        page = found["pages"][path]
        assert page["status"] == 200, (path, page["text"][:2000])
        assert text in page["text"], path
        assert 'href="/static/css/site.css"' in page["text"], path
    for path, file in (
        (chart_url, source / "reporting/web/static" / CHART_JS),
        ("/static/css/site.css", source / "reporting/web/static/css/site.css"),
    ):
        asset = found["assets"][path]
        assert asset["status"] == 200, path
        assert asset["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest(), path
    scrubbed = found["deidentify"]
    assert scrubbed["status"] == 200, scrubbed
    assert "Abdirizak" not in scrubbed["json"]["narrative"]
    assert "[NAME]" in scrubbed["json"]["narrative"]
