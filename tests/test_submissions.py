"""Units of the submission checks that the fuzzers found (hypothesis, tests/test_fuzz.py)."""

from __future__ import annotations

import pytest

from reporting import config
from reporting.submissions import _intensity


@pytest.mark.parametrize("typed", ["²", "³", "٣", " ５ "])
def test_digits_that_are_not_ascii_are_refused_as_an_intensity_not_a_crash(typed):
    errors: dict[str, str] = {}
    assert _intensity(typed, errors, True) is None
    assert errors == {"intensity": "must be a whole number from 0 to 10"}


def test_a_batch_time_in_other_digits_is_a_config_error():
    with pytest.raises(config.ConfigError):
        config.batch_time({"BATCH_TIME": "０７:００"})
