"""The example taxonomy `reporting init` writes into a new instance, to be edited there."""

EXAMPLE_TAXONOMY = """\
# Taxonomy for this deployment: departments, units and where staff can get help.
# Read at start-up; a mistake is reported with its entry and line.
# Slugs are stable identifiers (lowercase, digits, hyphens): never rename or delete one,
# set `retired = true` instead, so history keeps its meaning.

# Units with fewer staff than this appear only inside their department's figures.
minimum_headcount = 5

[[departments]]
slug = "critical-care"
name = "Critical care"

[[departments]]
slug = "medicine"
name = "Medicine"

[[departments]]
slug = "surgery"
name = "Surgery"

[[departments]]
slug = "women-children"
name = "Women and children"

[[units]]
slug = "icu"
name = "Intensive care unit"
department = "critical-care"
headcount = 85

[[units]]
slug = "hdu"
name = "High dependency unit"
department = "critical-care"
headcount = 40

[[units]]
slug = "acute-medical-unit"
name = "Acute medical unit"
department = "medicine"
headcount = 60

[[units]]
slug = "ward-7b"
name = "Ward 7B (respiratory)"
department = "medicine"
headcount = 35

[[units]]
slug = "stroke-unit"
name = "Stroke unit"
department = "medicine"
headcount = 30

[[units]]
slug = "theatres"
name = "Main theatres"
department = "surgery"
headcount = 120

[[units]]
slug = "surgical-ward-4"
name = "Surgical ward 4"
department = "surgery"
headcount = 32

[[units]]
slug = "labour-ward"
name = "Labour ward"
department = "women-children"
headcount = 70

[[units]]
slug = "nicu"
name = "Neonatal unit"
department = "women-children"
headcount = 45

[[units]]
slug = "paediatric-oncology"
name = "Paediatric oncology"
department = "women-children"
headcount = 4   # under minimum_headcount: only counted inside its department

# Category changes (optional), one [[categories]] table each:
#   rename:  kind = "near-miss", slug = "vte", name = "Blood clots"
#   add:     kind = "moral-distress", slug = "visiting-rules", name = "Visiting rules"
#   retire:  kind = "near-miss", slug = "perinatal", retired = true

# Where else to go, shown on the first page. Replace with your own services.
[[signposts]]
label = "Incident reporting system"
url = "https://intranet.example.org/incidents"
description = "For incidents that must be reported by name under hospital policy."

[[signposts]]
label = "Urgent clinical ethics consultation"
url = "tel:+440000000000"
description = "If a decision about a patient cannot wait."

[[signposts]]
label = "Staff support and wellbeing"
url = "https://intranet.example.org/wellbeing"
description = "Confidential support, day and night."

[[signposts]]
label = "External regulator"
url = "https://www.cqc.org.uk/contact-us/report-concern"
description = "If you believe the organisation is not acting on serious concerns."
"""
