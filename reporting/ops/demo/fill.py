"""`reporting demo`'s one job: fill an empty instance with the demo hospital and its data.

Refuses any instance that already holds reports, releases or accounts; otherwise writes
the demo taxonomy (only over `reporting init`'s untouched example), files the synthetic
reports, builds the releases due, runs and releases two pulse waves, and creates a
leadership login.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from reporting import accounts, reports
from reporting.models import Release, Report, User
from reporting.ops.demo.generator import Volume, generate
from reporting.ops.demo.hospital import demo_taxonomy_text
from reporting.ops.demo.pulse import two_waves
from reporting.ops.instance import EXAMPLE_TAXONOMY
from reporting.periods import Clock, months_ending
from reporting.privacy.deid import Scrubber
from reporting.releases import builder
from reporting.taxonomy_file import load_taxonomy


class InstanceNotEmpty(Exception):
    """The instance already holds reports, releases or accounts; the demo only fills empty ones."""


def what_is_there() -> list[str]:
    """What makes the instance non-empty, e.g. ['12 reports', '1 account']; empty if nothing."""
    found = []
    for model, noun in ((Report, "report"), (Release, "release"), (User, "account")):
        count = model.select().count()
        if count:
            found.append(f"{count} {noun}{'s' if count != 1 else ''}")
    return found


DEMO_USERNAME = "leader"


@dataclass(frozen=True)
class DemoResult:
    taxonomy_written: bool
    periods: list[str]
    per_kind: dict[str, int]
    releases: list[Release]
    username: str
    password: str
    pulse: list = field(default_factory=list)  # PulseReleaseSummary of the two waves

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
    pulse_min_rate: float = 0.3,
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
    pulse = two_waves(taxonomy, pepper=pepper, today=clock().date(), threshold=policy.threshold,
                      min_rate=pulse_min_rate, seed=volume.seed)  # fmt: skip
    password = secrets.token_urlsafe(15)
    accounts.create_user(DEMO_USERNAME, password, ["leadership"], hasher=hasher)
    return DemoResult(
        taxonomy_written=written,
        periods=periods,
        per_kind=dict(sorted(Counter(s.kind for _, s in items).items())),
        releases=built,
        username=DEMO_USERNAME,
        password=password,
        pulse=pulse,
    )
