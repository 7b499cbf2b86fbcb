"""Synthetic demonstration data: a hospital's taxonomy and two years of plausible reports.

`reporting demo` fills an empty instance so the dashboard has something to show: volumes
follow unit headcounts, falls and infections rise in winter, emergency medicine's moral
distress rises steadily, and a minority of reports carry a short narrative with no real
identifiers. Counts are drawn from a seeded generator, so a seed gives the same data.
No Flask here.
"""

from __future__ import annotations

import math
import random
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reporting import accounts, reports
from reporting.models import Release, Report, User
from reporting.ops.instance import EXAMPLE_TAXONOMY
from reporting.periods import Clock, months_ending
from reporting.privacy.deid import Scrubber
from reporting.releases import builder
from reporting.reports import DISTRESS_TYPES, Submission
from reporting.taxonomy import DEPARTMENT_PREFIX, NOT_GIVEN, Taxonomy, load_taxonomy

# Eight departments, 43 units; a few under the minimum headcount of 5.
DEMO_DEPARTMENTS: dict[str, tuple[str, list[tuple[str, str, int]]]] = {
    "emergency": (
        "Emergency medicine",
        [
            ("emergency-department", "Emergency department", 140),
            ("ed-observation", "Emergency observation unit", 30),
            ("paediatric-ed", "Children's emergency department", 35),
            ("minor-injuries", "Minor injuries unit", 18),
            ("ambulatory-care", "Ambulatory emergency care", 12),
        ],
    ),
    "critical-care": (
        "Critical care",
        [
            ("icu", "Intensive care unit", 85),
            ("hdu", "High dependency unit", 40),
            ("cardiac-icu", "Cardiac intensive care", 55),
            ("neuro-icu", "Neurosciences critical care", 38),
            ("critical-care-outreach", "Critical care outreach", 4),
        ],
    ),
    "medicine": (
        "Medicine",
        [
            ("acute-medical-unit", "Acute medical unit", 60),
            ("ward-7b", "Ward 7B (respiratory)", 35),
            ("stroke-unit", "Stroke unit", 30),
            ("cardiology-ward", "Cardiology ward", 42),
            ("gastroenterology-ward", "Gastroenterology ward", 33),
            ("renal-unit", "Renal unit", 28),
            ("diabetes-team", "Diabetes specialist team", 3),
        ],
    ),
    "older-people": (
        "Care of older people",
        [
            ("frailty-unit", "Frailty assessment unit", 45),
            ("ward-12", "Ward 12 (elderly care)", 38),
            ("ward-14", "Ward 14 (elderly care)", 36),
            ("orthogeriatrics", "Orthogeriatric ward", 26),
            ("memory-clinic", "Memory clinic", 4),
        ],
    ),
    "surgery": (
        "Surgery",
        [
            ("theatres", "Main theatres", 120),
            ("surgical-ward-4", "Surgical ward 4", 32),
            ("orthopaedic-ward", "Orthopaedic ward", 40),
            ("day-surgery", "Day surgery unit", 25),
            ("recovery", "Theatre recovery", 30),
            ("pre-assessment", "Pre-operative assessment", 9),
        ],
    ),
    "women-children": (
        "Women and children",
        [
            ("labour-ward", "Labour ward", 70),
            ("nicu", "Neonatal unit", 45),
            ("paediatric-ward", "Children's ward", 40),
            ("maternity-ward", "Maternity ward", 38),
            ("paediatric-oncology", "Paediatric oncology", 4),
        ],
    ),
    "cancer": (
        "Cancer services",
        [
            ("oncology-ward", "Oncology ward", 34),
            ("chemotherapy-unit", "Chemotherapy day unit", 22),
            ("haematology-ward", "Haematology ward", 28),
            ("palliative-care", "Specialist palliative care", 14),
            ("radiotherapy", "Radiotherapy", 6),
        ],
    ),
    "clinical-support": (
        "Clinical support",
        [
            ("pharmacy", "Pharmacy", 50),
            ("radiology", "Radiology", 65),
            ("pathology", "Pathology laboratories", 45),
            ("therapies", "Therapies (physio and OT)", 38),
            ("chaplaincy", "Chaplaincy", 3),
        ],
    ),
}

RISING_DEPARTMENT = "emergency"  # moral distress here more than doubles over the period

# Reports per head per month, by kind, before seasons and departments.
BASE_RATE = {"near-miss": 0.055, "moral-distress": 0.04}

NEAR_MISS_WEIGHTS = {
    "medication": 30,
    "fall": 14,
    "device-health-it": 10,
    "infection": 8,
    "pressure-injury": 8,
    "surgery-anesthesia": 5,
    "vte": 5,
    "blood-product": 3,
    "perinatal": 1,
    "other": 10,
}
MORAL_DISTRESS_WEIGHTS = {
    "unsafe-staffing": 28,
    "non-beneficial-treatment": 10,
    "end-of-life-care": 8,
    "false-hope": 5,
    "cost-pressure": 7,
    "team-conflict": 12,
    "lack-of-support": 12,
    "pressure-to-stay-silent": 5,
    "abusive-behaviour": 6,
    "other": 7,
}
DEPARTMENT_AFFINITY: dict[str, dict[str, float]] = {
    "emergency": {"fall": 1.3, "unsafe-staffing": 1.8, "abusive-behaviour": 2.5},
    "critical-care": {
        "device-health-it": 2,
        "pressure-injury": 1.5,
        "infection": 1.5,
        "non-beneficial-treatment": 3,
        "end-of-life-care": 2.5,
        "false-hope": 1.5,
    },
    "medicine": {"fall": 1.4, "vte": 1.5},
    "older-people": {"fall": 3, "pressure-injury": 2.5, "end-of-life-care": 2},
    "surgery": {"surgery-anesthesia": 6, "vte": 2, "team-conflict": 1.5},
    "women-children": {"perinatal": 25, "fall": 0.3, "pressure-injury": 0.3},
    "cancer": {
        "blood-product": 3,
        "medication": 1.3,
        "false-hope": 3,
        "end-of-life-care": 2,
        "non-beneficial-treatment": 2,
    },
    "clinical-support": {
        "medication": 1.5,
        "device-health-it": 2,
        "blood-product": 3,
        "fall": 0.3,
        "pressure-injury": 0.2,
        "cost-pressure": 2,
    },
}
ROLE_WEIGHTS = {
    "nursing": 52,
    "medical": 18,
    "allied-health": 10,
    "support": 8,
    "trainee": 6,
    NOT_GIVEN: 6,
}
ROLE_AFFINITY = {
    "clinical-support": {"allied-health": 6, "nursing": 0.2},
    "surgery": {"medical": 1.6},
    "emergency": {"medical": 1.3, "trainee": 1.5},
}
STOPPED_BY_WEIGHTS = {"staff": 60, "system": 18, "patient-family": 10, "chance": 12}
HARM_WEIGHTS = {"none": 18, "mild": 36, "moderate": 30, "severe": 11, "death": 2, "unknown": 3}
DISTRESS_TYPE_WEIGHTS = dict(zip(DISTRESS_TYPES, (12, 18, 45, 25), strict=True))

NARRATIVE_SHARE = 0.12
NARRATIVES: dict[str, tuple[str, ...]] = {
    "medication": (
        "Two patients with similar surnames on the same bay; the wrong chart was picked up "
        "for the evening round. Noticed at the bedside check before anything was given.",
        "Infusion pump programmed in mg instead of micrograms. The second checker caught it.",
    ),
    "fall": (
        "Patient tried to get up alone at night, bed rails were down and the alarm mat was "
        "not plugged in. A healthcare assistant walking past steadied them.",
        "Wet floor near the bathroom with no sign out. Patient slipped but held the rail.",
    ),
    "infection": (
        "Isolation sign missing on a side room; a visitor went in without an apron. "
        "Spotted by the ward clerk.",
        "Central line dressing overdue by two days because nobody knew whose task it was.",
    ),
    "device-health-it": (
        "The electronic prescribing system showed an allergy banner for the previous patient "
        "after a screen refresh. Logged out and in again to clear it.",
        "Suction unit at the bedside was not working at the start of the shift and had no "
        "fault label.",
    ),
    "pressure-injury": (
        "Repositioning chart not filled in overnight; early redness on the heel found at "
        "the morning skin check.",
    ),
    "surgery-anesthesia": (
        "Site marking was missing when the patient arrived in the anaesthetic room. The team "
        "paused and marked it with the surgeon before starting.",
    ),
    "vte": (
        "Risk assessment not done on admission and no prophylaxis prescribed; picked up on "
        "the post-take ward round.",
    ),
    "blood-product": (
        "Sample label handwritten after leaving the bedside. The lab rejected it, as they "
        "should, and it was repeated.",
    ),
    "perinatal": (
        "CTG was not reviewed at the hourly fresh-eyes check because the ward was short; a "
        "colleague from another room noticed the trace.",
    ),
    "unsafe-staffing": (
        "One nurse to eleven patients on a night shift again, with two patients needing "
        "one-to-one care. Escalated and nobody came.",
        "We were told to open the escalation bay with no extra staff. I could not give the "
        "care I know they needed.",
    ),
    "non-beneficial-treatment": (
        "We keep escalating treatment for a patient who, in my view, will not benefit. The "
        "plan is never discussed with the whole team.",
    ),
    "end-of-life-care": (
        "A dying patient spent their last hours in a corridor because no side room was free.",
    ),
    "false-hope": (
        "The family were told there was a good chance of recovery when the team knew there "
        "was not. I was left to answer their questions at night.",
    ),
    "cost-pressure": (
        "Asked to discharge before the patient was safe to go home, because of bed targets.",
    ),
    "team-conflict": (
        "Raised a concern on the ward round and was spoken over in front of the patient.",
    ),
    "lack-of-support": (
        "After a difficult death nobody checked in with the team. No debrief, no time.",
    ),
    "pressure-to-stay-silent": (
        "Told not to put the staffing problem in writing because it would look bad.",
    ),
    "abusive-behaviour": (
        "A relative shouted and threatened staff at the nurses' station; we were told to "
        "carry on and not make a fuss.",
    ),
    "other": ("Something felt wrong about how this was handled and I want it on record.",),
}


class InstanceNotEmpty(Exception):
    """The instance already holds reports, releases or accounts; the demo only fills empty ones."""


@dataclass(frozen=True)
class Volume:
    """The demo's shape: how many closed months and a multiplier on every rate."""

    months: int = 24
    scale: float = 2.0
    seed: int = 2026


def what_is_there() -> list[str]:
    """What makes the instance non-empty, e.g. ['12 reports', '1 account']; empty if nothing."""
    found = []
    for model, noun in ((Report, "report"), (Release, "release"), (User, "account")):
        count = model.select().count()
        if count:
            found.append(f"{count} {noun}{'s' if count != 1 else ''}")
    return found


def demo_taxonomy_text() -> str:
    """The demo's taxonomy.toml: the example's header and signposts around the demo units."""
    lines = [
        "# Demonstration taxonomy written by `reporting demo`: a fictional hospital.",
        "# Slugs are stable identifiers: never rename or delete one, set `retired = true`.",
        "",
        "minimum_headcount = 5",
        "",
    ]
    for slug, (name, _units) in DEMO_DEPARTMENTS.items():
        lines += ["[[departments]]", f'slug = "{slug}"', f'name = "{name}"', ""]
    for department, (_name, units) in DEMO_DEPARTMENTS.items():
        for slug, name, headcount in units:
            lines += [
                "[[units]]",
                f'slug = "{slug}"',
                f'name = "{name}"',
                f'department = "{department}"',
                f"headcount = {headcount}",
                "",
            ]
    signposts = EXAMPLE_TAXONOMY[EXAMPLE_TAXONOMY.index("# Where else to go") :]
    return "\n".join(lines) + "\n" + signposts


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:  # a normal approximation; Knuth's method underflows for large means
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def _pick(rng: random.Random, weights: dict[str, float], affinity: dict[str, float]) -> str:
    names = list(weights)
    return rng.choices(names, [weights[n] * affinity.get(n, 1.0) for n in names])[0]


def _season(month: int) -> dict[str, float]:
    """Winter pressure: falls, infections and staffing distress rise December to February."""
    if month in (12, 1, 2):
        return {"fall": 1.9, "infection": 2.2, "unsafe-staffing": 1.6, "lack-of-support": 1.2}
    if month in (11, 3):
        return {"fall": 1.3, "infection": 1.4, "unsafe-staffing": 1.2}
    if month == 8:  # new trainees start: more medication near-misses
        return {"medication": 1.3}
    return {}


def generate(
    taxonomy: Taxonomy, periods: list[str], volume: Volume, scrubber: Scrubber
) -> Iterator[tuple[str, Submission]]:
    """(period, submission) pairs for every month and unit; the seed fixes every choice."""
    rng = random.Random(volume.seed)
    scrubbed: dict[str, str] = {}
    units = sorted((u for u in taxonomy.units.values() if not u.retired), key=lambda u: u.slug)
    for step, period in enumerate(periods):
        month = int(period[5:])
        season = _season(month)
        progress = step / max(len(periods) - 1, 1)
        for unit in units:
            headcount = unit.headcount if unit.headcount is not None else 20
            department = unit.department
            for kind, base in BASE_RATE.items():
                mean = headcount * base * volume.scale
                if kind == "moral-distress":
                    mean *= 1.15 if month in (12, 1, 2) else 1.0
                    if department == RISING_DEPARTMENT:
                        mean *= 0.8 + 1.4 * progress
                else:
                    mean *= 1.1 if month in (12, 1, 2) else 1.0
                for _ in range(_poisson(rng, mean)):
                    yield (
                        period,
                        _report(
                            rng, kind, unit.slug, department, season, progress, scrubber, scrubbed
                        ),
                    )


def _report(
    rng: random.Random,
    kind: str,
    unit: str,
    department: str,
    season: dict[str, float],
    progress: float,
    scrubber: Scrubber,
    scrubbed: dict[str, str],
) -> Submission:
    weights = NEAR_MISS_WEIGHTS if kind == "near-miss" else MORAL_DISTRESS_WEIGHTS
    affinity = dict(DEPARTMENT_AFFINITY.get(department, {}))
    for name, factor in season.items():
        affinity[name] = affinity.get(name, 1.0) * factor
    category = _pick(rng, weights, affinity)
    where = rng.random()
    unit_field = (
        unit if where < 0.8 else DEPARTMENT_PREFIX + department if where < 0.91 else NOT_GIVEN
    )
    role = _pick(rng, ROLE_WEIGHTS, ROLE_AFFINITY.get(department, {}))
    fields: dict = {}
    if kind == "near-miss":
        if rng.random() < 0.8:
            fields["stopped_by"] = _pick(rng, STOPPED_BY_WEIGHTS, {})
        if rng.random() < 0.85:
            fields["potential_harm"] = _pick(rng, HARM_WEIGHTS, {})
    else:
        if rng.random() < 0.82:
            peak = 6 + (2.5 * progress if department == RISING_DEPARTMENT else 0)
            fields["intensity"] = min(10, max(0, round(rng.triangular(1, 10, peak))))
        if rng.random() < 0.7:
            fields["distress_type"] = _pick(rng, DISTRESS_TYPE_WEIGHTS, {})
    narrative = ""
    if rng.random() < NARRATIVE_SHARE:
        text = rng.choice(NARRATIVES.get(category, NARRATIVES["other"]))
        if text not in scrubbed:  # scrubbed like a live narrative, once per template
            scrubbed[text] = scrubber.scrub(text).text
        narrative = scrubbed[text]
    return Submission(
        kind=kind, category=category, unit=unit_field, role=role, narrative=narrative, **fields
    )


DEMO_USERNAME = "leader"


@dataclass(frozen=True)
class DemoResult:
    taxonomy_written: bool
    periods: list[str]
    per_kind: dict[str, int]
    releases: list[Release]
    username: str
    password: str

    @property
    def total(self) -> int:
        return sum(self.per_kind.values())


def run(
    taxonomy_path: Path,
    volume: Volume,
    *,
    pepper: bytes,
    scrubber: Scrubber,
    policy: builder.ReleasePolicy,
    clock: Clock,
    hasher=accounts.DEFAULT_HASHER,
    routes: dict[str, str] | None = None,
) -> DemoResult:
    """Fill an empty instance: taxonomy (if still the example), reports, releases, an account.

    A taxonomy the administrator has already edited is kept, and the demo's units are
    drawn from it; only `reporting init`'s untouched example is replaced.
    """
    present = what_is_there()
    if present:
        raise InstanceNotEmpty(
            f"the instance is not empty ({', '.join(present)}): the demo only fills a fresh "
            "instance; point REPORTING_INSTANCE_PATH (and REPORTING_DATABASE_URL) elsewhere"
        )
    written = False
    if taxonomy_path.read_text(encoding="utf-8") == EXAMPLE_TAXONOMY:
        taxonomy_path.write_text(demo_taxonomy_text(), encoding="utf-8")
        written = True
    taxonomy = load_taxonomy(taxonomy_path)
    periods = months_ending(builder.last_closed_month(clock(), policy), volume.months)
    items = list(generate(taxonomy, periods, volume, scrubber))
    reports.store_prepared(items, pepper=pepper, routes=routes)
    built = builder.build_due(taxonomy, policy, clock)
    password = secrets.token_urlsafe(15)
    accounts.create_user(DEMO_USERNAME, password, ["leadership"], hasher=hasher)
    return DemoResult(
        taxonomy_written=written,
        periods=periods,
        per_kind=dict(sorted(Counter(s.kind for _, s in items).items())),
        releases=built,
        username=DEMO_USERNAME,
        password=password,
    )
