"""Synthetic demonstration data: a hospital's taxonomy and two years of plausible reports.

`reporting demo` fills an empty instance so the dashboard has something to show: volumes
follow unit headcounts, falls and infections rise in winter, emergency medicine's moral
distress rises steadily, and a minority of reports carry a short narrative with no real
identifiers. Counts are drawn from a seeded generator, so a seed gives the same data.
No Flask here.
"""

from reporting.ops.demo.fill import DEMO_USERNAME, DemoResult, InstanceNotEmpty, run, what_is_there
from reporting.ops.demo.generator import Volume, generate
from reporting.ops.demo.hospital import demo_taxonomy_text

__all__ = [
    "DEMO_USERNAME",
    "DemoResult",
    "InstanceNotEmpty",
    "Volume",
    "demo_taxonomy_text",
    "generate",
    "run",
    "what_is_there",
]
