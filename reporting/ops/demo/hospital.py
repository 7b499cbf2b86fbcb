"""The demo's fictional hospital: departments and units with headcounts, as a taxonomy.toml.

The headcounts drive the demo's volumes, and a few units sit under the minimum headcount
so the dashboard shows small units being folded into their department.
"""

from __future__ import annotations

from reporting.ops.instance import EXAMPLE_TAXONOMY

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
