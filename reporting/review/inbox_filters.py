"""What a reviewer asks the inbox for: filters, a search over names, a status tab and an order.

All of it comes from plain query arguments (the page works without JavaScript). A value that
is not understood is refused with a sentence saying what would be, and the rest of the
request still applies: a typo in one filter does not empty the others. No Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from reporting.invalid import InvalidFields
from reporting.review.labels import POTENTIAL_HARM
from reporting.review.triage import STATUSES, TriageError
from reporting.taxonomy import DEPARTMENT_PREFIX, KINDS, NOT_GIVEN, SEVERITIES, Taxonomy

OPEN, ALL = "open", "all"
CLOSED = "closed"
# The status tabs besides the statuses themselves; "open" is every status but closed.
STATUS_TABS = {OPEN: "Open", **STATUSES, ALL: "All"}
SORTS = {
    "status": "Status, then category",
    "severity": "Severity, highest first",
    "harm": "Potential harm, worst first",
}
MAX_SEARCH_CHARS = 100


class InvalidFilter(TriageError, InvalidFields):
    """Inbox arguments with values not understood; ``fields`` maps each to a sentence, and
    ``usable`` is the request with those arguments left out."""

    def __init__(self, errors: dict[str, str], usable: InboxFilters) -> None:
        super().__init__(errors)
        self.usable = usable


@dataclass(frozen=True)
class InboxFilters:
    """Empty means any; ``status`` is a status, ``open`` (the default) or ``all``."""

    kind: str | None = None
    category: str | None = None
    unit: str | None = None
    severity: str | None = None
    potential_harm: str | None = None
    q: str | None = None
    status: str = OPEN
    sort: str = "status"

    def statuses(self) -> set[str] | None:
        """The statuses this tab shows, or None for every status."""
        if self.status == ALL:
            return None
        if self.status == OPEN:
            return set(STATUSES) - {CLOSED}
        return {self.status}

    def as_args(self, **changes: str) -> dict[str, str]:
        """Query arguments that ask for this again (defaults left out), with ``changes``."""
        default = InboxFilters()
        given = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) and getattr(self, f.name) != getattr(default, f.name)
        }
        return {**given, **changes}


def _choose(words: Mapping[str, str]) -> str:
    names = list(words.values())
    return "choose " + ", ".join(names[:-1]) + " or " + names[-1] + "."


def parse_filters(args: Mapping[str, str], taxonomy: Taxonomy) -> InboxFilters:
    """The request from query arguments; InvalidFilter names each argument not understood."""
    value = {f.name: (args.get(f.name) or "").strip() or None for f in fields(InboxFilters)}
    errors = {}
    kind = value["kind"]
    if kind and kind not in KINDS:
        errors["kind"] = "Kind: " + _choose(KINDS)
    if value["category"]:
        kinds = [kind] if kind in KINDS else list(KINDS)
        if not any(taxonomy.category(k, value["category"]) for k in kinds):
            of = f"{KINDS[kind].lower()} " if kind in KINDS else ""
            errors["category"] = f"Category: there is no {of}category “{value['category']}”."
    if value["unit"] and taxonomy.unit_problem(value["unit"], allow_retired=True):
        errors["unit"] = f"Unit: there is no unit or department “{value['unit']}”."
    if value["severity"] and value["severity"] not in SEVERITIES:
        errors["severity"] = "Severity: " + _choose(SEVERITIES)
    if value["potential_harm"]:
        if value["potential_harm"] not in POTENTIAL_HARM:
            errors["potential_harm"] = "Potential harm: " + _choose(POTENTIAL_HARM)
        elif kind and kind != "near-miss":
            errors["potential_harm"] = "Potential harm: only near-misses record it."
    if value["q"] and len(value["q"]) > MAX_SEARCH_CHARS:
        errors["q"] = f"Search: use at most {MAX_SEARCH_CHARS} characters."
    if value["status"] and value["status"] not in STATUS_TABS:
        errors["status"] = "Status: " + _choose(STATUS_TABS)
    if value["sort"] and value["sort"] not in SORTS:
        errors["sort"] = "Sort by: " + _choose(SORTS)
    given = {name: found for name, found in value.items() if found and name not in errors}
    filters = InboxFilters(**given)
    if errors:
        raise InvalidFilter(errors, filters)
    return filters


@dataclass(frozen=True)
class SearchMatches:
    """For each word searched, the categories and units whose names contain it."""

    words: tuple[tuple[str, frozenset[tuple[str, str]], frozenset[str]], ...]

    def unmatched(self) -> list[str]:
        return [word for word, categories, units in self.words if not categories and not units]


def search(q: str | None, taxonomy: Taxonomy) -> SearchMatches:
    """Match each word of ``q`` against category, unit and department names (and slugs).

    A department's name matches its units and its department-only reports; retired entries
    match too, since older reports still carry them. Matching is done here, on the few names
    of the taxonomy, so the query stays a plain IN over indexed columns.
    """
    found = []
    for word in (q or "").casefold().split():
        categories = frozenset(
            key
            for key, c in taxonomy.categories.items()
            if word in c.name.casefold() or word in c.slug
        )
        departments = {
            slug for slug, d in taxonomy.departments.items() if word in d.name.casefold()
        } | {slug for slug in taxonomy.departments if word in slug}
        units = {
            slug
            for slug, u in taxonomy.units.items()
            if word in u.name.casefold() or word in slug or u.department in departments
        }
        units |= {DEPARTMENT_PREFIX + slug for slug in departments}
        if word in "not given":
            units.add(NOT_GIVEN)
        found.append((word, categories, frozenset(units)))
    return SearchMatches(tuple(found))
