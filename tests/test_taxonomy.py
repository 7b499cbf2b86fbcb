"""The taxonomy file: the example loads; a bad entry is named with its line."""

import pytest

from reporting.ops.instance import EXAMPLE_TAXONOMY
from reporting.taxonomy import TaxonomyError
from reporting.taxonomy_file import parse_taxonomy


def test_example_written_by_init_is_valid_and_complete():
    taxonomy = parse_taxonomy(EXAMPLE_TAXONOMY)
    assert len(taxonomy.categories_of("near-miss")) == 10
    assert len(taxonomy.categories_of("moral-distress")) == 10
    assert taxonomy.units["icu"].department == "critical-care"
    assert taxonomy.signposts and taxonomy.minimum_headcount == 5
    public = taxonomy.as_public_dict()
    assert [k["slug"] for k in public["kinds"]] == ["near-miss", "moral-distress"]
    assert {r["slug"] for r in public["roles"]} >= {"nursing", "not-given"}


BASE = """
[[departments]]
slug = "medicine"
name = "Medicine"
"""


def error_of(text: str) -> str:
    with pytest.raises(TaxonomyError) as caught:
        parse_taxonomy(text, source="taxonomy.toml")
    return str(caught.value)


def test_unit_with_unknown_department_is_named_with_its_line():
    message = error_of(
        BASE
        + """
[[units]]
slug = "ward-1"
name = "Ward 1"
department = "medicine"

[[units]]
slug = "ward-2"
name = "Ward 2"
department = "surgery"
"""
    )
    assert "units[1]" in message and "'surgery'" in message and "line 14" in message


def test_bad_slug_is_named():
    message = error_of(BASE + '\n[[units]]\nslug = "Ward 1"\nname = "x"\ndepartment = "medicine"\n')
    assert "units[0]" in message and "line 7" in message and "lowercase" in message


def test_syntax_error_reports_line():
    assert "line 3" in error_of('[[departments]]\nslug = "a"\nname = \n')


def test_duplicate_and_unknown_keys_are_refused():
    assert "duplicate department" in error_of(BASE + BASE)
    assert "unknown key 'colour'" in error_of(
        BASE.replace('name = "Medicine"', 'name = "M"\ncolour = 1')
    )
    assert "unknown setting" in error_of("threshold = 2\n" + BASE)


def test_minimum_headcount_cannot_go_below_three():
    assert "at least 3" in error_of("minimum_headcount = 2\n" + BASE)


def test_categories_can_be_renamed_added_and_retired():
    taxonomy = parse_taxonomy(
        BASE
        + """
[[categories]]
kind = "near-miss"
slug = "vte"
name = "Blood clots"

[[categories]]
kind = "moral-distress"
slug = "visiting-rules"
name = "Visiting rules"

[[categories]]
kind = "near-miss"
slug = "perinatal"
retired = true
"""
    )
    assert taxonomy.category("near-miss", "vte").name == "Blood clots"
    assert taxonomy.category("moral-distress", "visiting-rules") is not None
    assert taxonomy.category("near-miss", "perinatal").retired
    assert "perinatal" not in {c.slug for c in taxonomy.categories_of("near-miss")}


def test_retired_unit_is_kept_for_history_but_refused_for_new_reports():
    taxonomy = parse_taxonomy(
        BASE + '\n[[units]]\nslug = "old"\nname = "Old"\ndepartment = "medicine"\nretired = true\n'
    )
    assert taxonomy.unit_problem("old") == "unit 'old' is retired"
    assert taxonomy.unit_problem("old", allow_retired=True) is None
    assert taxonomy.unit_problem("department:medicine") is None
    assert taxonomy.unit_problem("department:nope") == "unknown department 'nope'"
    assert taxonomy.unit_problem("not-given") is None
