"""The package's layout keeps its walls: no Flask below the web, no import cycles, small modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reporting"
# The only parts allowed to import Flask: the web app and the click commands registered on it.
FLASK_SIDE = ("reporting.web", "reporting.ops.commands")
FLASK_PACKAGES = ("flask", "flask_login", "flask_wtf", "flask_limiter", "werkzeug")
# Modules allowed past about 300 lines, each because one idea needs the room (docs/layout.md).
LONG_MODULES: dict[str, str] = {}
MAX_LINES = 300


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_the_layout_is_found():
    modules = _modules()
    for expected in (
        "reporting.web",
        "reporting.privacy.crypto",
        "reporting.review.triage",
        "reporting.releases.disclosure.engine",
        "reporting.ops.commands",
    ):
        assert expected in modules


def test_no_module_outside_the_web_and_the_commands_loads_flask():
    domain = [m for m in _modules() if not m.startswith(FLASK_SIDE)]
    assert len(domain) > 30
    script = (
        "import importlib, sys\n"
        f"for name in {domain!r}:\n"
        "    importlib.import_module(name)\n"
        f"    loaded = [p for p in {FLASK_PACKAGES!r} if p in sys.modules]\n"
        "    if loaded:\n"
        "        print(name, loaded)\n"
        "        raise SystemExit(1)\n"
        "print('clean')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "clean", done.stdout + done.stderr


def _module_level_imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The package modules ``name`` imports when it is first imported (not inside functions)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports never run
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def test_no_import_cycle_at_module_level():
    modules = _modules()
    known = set(modules)
    graph = {name: _module_level_imports(path, name, known) for name, path in modules.items()}
    assert graph["reporting.web"], "the walk sees the factory's imports"

    cycle: list[str] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> bool:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycle.extend([*path[path.index(target) :], target])
                return True
            if target not in state and visit(target, [*path, target]):
                return True
        state[node] = 2
        return False

    for name in sorted(graph):
        if name not in state and visit(name, [name]):
            break
    assert not cycle, " -> ".join(cycle)


def test_no_module_is_long_without_a_reason():
    lengths = {name: len(path.read_text().splitlines()) for name, path in _modules().items()}
    too_long = {
        name: lines
        for name, lines in lengths.items()
        if lines > MAX_LINES and name not in LONG_MODULES
    }
    assert not too_long, too_long
    for name in LONG_MODULES:
        assert lengths.get(name, 0) > MAX_LINES, f"{name} is short now: take it off the list"
