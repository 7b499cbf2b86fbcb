"""Reading and validating ``instance/taxonomy.toml`` into a `Taxonomy`.

Kept apart from the taxonomy itself because validation is its own job: the file is read
with tomllib at start-up, and a bad entry is reported with its table, index and line so an
administrator can fix it at once.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from reporting.taxonomy import (
    DEFAULT_CATEGORIES,
    KINDS,
    NOT_GIVEN,
    SLUG,
    Category,
    Department,
    Signpost,
    Taxonomy,
    TaxonomyError,
    Unit,
)


class _Locator:
    """Finds the line of the n-th ``[[table]]`` entry (or a key in it) in the TOML text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def line_of(self, table: str, index: int | None = None, key: str | None = None) -> int | None:
        header = re.compile(r"^\s*\[\[\s*" + re.escape(table) + r"\s*\]\]")
        plain = re.compile(r"^\s*\[\s*" + re.escape(table) + r"\s*\]")
        seen = -1
        start = None
        for number, line in enumerate(self.lines, start=1):
            if index is None and plain.match(line):
                start = number
                break
            if index is not None and header.match(line):
                seen += 1
                if seen == index:
                    start = number
                    break
        if start is None:
            if key is not None and index is None:
                return self._top_level_key(key)
            return None
        if key is None:
            return start
        key_re = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        for number in range(start + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if re.match(r"^\s*\[", line):
                break
            if key_re.match(line):
                return number
        return start

    def _top_level_key(self, key: str) -> int | None:
        key_re = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        for number, line in enumerate(self.lines, start=1):
            if re.match(r"^\s*\[", line):
                return None
            if key_re.match(line):
                return number
        return None


def load_taxonomy(path: str | Path) -> Taxonomy:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TaxonomyError(f"{path}: not found; run `reporting init` to write an example") from exc
    except UnicodeDecodeError as exc:
        raise TaxonomyError(f"{path}: not valid UTF-8 ({exc.reason})") from exc
    return parse_taxonomy(text, source=str(path))


def parse_taxonomy(text: str, *, source: str = "taxonomy.toml") -> Taxonomy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{source}: {exc}") from exc
    return _Builder(data, _Locator(text), source).build()


class _Builder:
    def __init__(self, data: dict[str, Any], locator: _Locator, source: str) -> None:
        self.data = data
        self.locator = locator
        self.source = source

    def fail(self, message: str, table: str, index: int | None = None, key: str | None = None):
        line = self.locator.line_of(table, index, key)
        where = f"{table}[{index}]" if index is not None else table
        at = f", line {line}" if line else ""
        raise TaxonomyError(f"{self.source}{at}: {where}: {message}")

    def entries(self, table: str) -> list[dict[str, Any]]:
        value = self.data.get(table, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail("must be written as [[" + table + "]] tables", table)
        return value

    def text(self, entry: dict, table: str, index: int, key: str, *, required=True) -> str:
        value = entry.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{key!r} must be a non-empty string", table, index, key)
        if len(value) > 200:
            self.fail(f"{key!r} is longer than 200 characters", table, index, key)
        return value.strip()

    def slug(self, entry: dict, table: str, index: int, key: str = "slug") -> str:
        value = self.text(entry, table, index, key)
        if not SLUG.match(value) or len(value) > 60:
            self.fail(
                f"{key} {value!r} must be lowercase letters, digits and single hyphens "
                "(at most 60 characters)",
                table,
                index,
                key,
            )
        return value

    def flag(self, entry: dict, table: str, index: int, key: str = "retired") -> bool:
        value = entry.get(key, False)
        if not isinstance(value, bool):
            self.fail(f"{key!r} must be true or false", table, index, key)
        return value

    def check_keys(self, entry: dict, table: str, index: int, allowed: set[str]) -> None:
        for key in entry:
            if key not in allowed:
                self.fail(
                    f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})",
                    table,
                    index,
                    key,
                )

    def build(self) -> Taxonomy:
        allowed_top = {"minimum_headcount", "departments", "units", "categories", "signposts"}
        for key in self.data:
            if key not in allowed_top:
                self.fail(f"unknown setting (allowed: {', '.join(sorted(allowed_top))})", key)
        minimum = self.data.get("minimum_headcount", 5)
        if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 3:
            self.fail(
                "must be a whole number of at least 3", "minimum_headcount", key="minimum_headcount"
            )
        departments = self.departments()
        units = self.units(departments)
        return Taxonomy(
            categories=self.categories(),
            departments=departments,
            units=units,
            signposts=self.signposts(),
            minimum_headcount=minimum,
        )

    def departments(self) -> dict[str, Department]:
        found: dict[str, Department] = {}
        for i, entry in enumerate(self.entries("departments")):
            self.check_keys(entry, "departments", i, {"slug", "name", "retired"})
            slug = self.slug(entry, "departments", i)
            if slug in found:
                self.fail(f"duplicate department slug {slug!r}", "departments", i, "slug")
            found[slug] = Department(
                slug, self.text(entry, "departments", i, "name"), self.flag(entry, "departments", i)
            )
        if not found:
            self.fail("at least one [[departments]] entry is needed", "departments")
        return found

    def units(self, departments: dict[str, Department]) -> dict[str, Unit]:
        found: dict[str, Unit] = {}
        for i, entry in enumerate(self.entries("units")):
            self.check_keys(
                entry, "units", i, {"slug", "name", "department", "headcount", "retired"}
            )
            slug = self.slug(entry, "units", i)
            if slug in found:
                self.fail(f"duplicate unit slug {slug!r}", "units", i, "slug")
            if slug == NOT_GIVEN:
                self.fail(f"{NOT_GIVEN!r} is reserved", "units", i, "slug")
            department = self.slug(entry, "units", i, "department")
            if department not in departments:
                self.fail(
                    f"department {department!r} is not defined in [[departments]]",
                    "units",
                    i,
                    "department",
                )
            headcount = entry.get("headcount")
            if headcount is not None and (
                not isinstance(headcount, int) or isinstance(headcount, bool) or headcount < 0
            ):
                self.fail(
                    "'headcount' must be a whole number of 0 or more", "units", i, "headcount"
                )
            found[slug] = Unit(
                slug,
                self.text(entry, "units", i, "name"),
                department,
                headcount,
                self.flag(entry, "units", i),
            )
        return found

    def categories(self) -> dict[tuple[str, str], Category]:
        found = {
            (kind, slug): Category(kind, slug, name)
            for kind, entries in DEFAULT_CATEGORIES.items()
            for slug, name in entries.items()
        }
        for i, entry in enumerate(self.entries("categories")):
            self.check_keys(entry, "categories", i, {"kind", "slug", "name", "retired"})
            kind = self.text(entry, "categories", i, "kind")
            if kind not in KINDS:
                self.fail(
                    f"kind {kind!r} must be one of {', '.join(KINDS)}", "categories", i, "kind"
                )
            slug = self.slug(entry, "categories", i)
            current = found.get((kind, slug))
            name = self.text(entry, "categories", i, "name", required=current is None)
            found[(kind, slug)] = Category(
                kind, slug, name or current.name, self.flag(entry, "categories", i)
            )
        return found

    def signposts(self) -> tuple[Signpost, ...]:
        found = []
        for i, entry in enumerate(self.entries("signposts")):
            self.check_keys(entry, "signposts", i, {"label", "url", "description"})
            url = self.text(entry, "signposts", i, "url")
            if not re.match(r"^(https?://|/|tel:|mailto:)", url):
                self.fail(
                    "'url' must start with https://, http://, /, tel: or mailto:",
                    "signposts",
                    i,
                    "url",
                )
            found.append(
                Signpost(
                    self.text(entry, "signposts", i, "label"),
                    url,
                    self.text(entry, "signposts", i, "description", required=False),
                )
            )
        return tuple(found)
