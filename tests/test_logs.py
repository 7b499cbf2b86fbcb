"""Addresses never reach a log line."""

import logging

from reporting.web.logs import RedactAddresses, redact


def test_ipv4_and_ipv6_addresses_are_redacted():
    line = "Invalid request from ip=127.77.88.99: bad; peer ::ffff:10.1.2.3 and 2001:db8::1"
    out = redact(line)
    for address in ("127.77.88.99", "10.1.2.3", "2001:db8::1"):
        assert address not in out
    assert "Invalid request from ip=[address]" in out


def test_clinical_numbers_are_not_mistaken_for_addresses():
    assert redact("dose 0.5 mg at version 1.2.3") == "dose 0.5 mg at version 1.2.3"


def test_filter_rewrites_formatted_records(caplog):
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactAddresses())
    with caplog.at_level(logging.WARNING, logger="test.redact"):
        logger.warning("from %s", "192.0.2.44")
    assert "192.0.2.44" not in caplog.text and "[address]" in caplog.text
