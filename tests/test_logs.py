"""Addresses never reach a log line."""

import io
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


def test_a_traceback_is_redacted_before_any_handler_renders_it():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactAddresses())
    logger = logging.getLogger("test.redact.traceback")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        raise ValueError("peer 192.0.2.55 sent Cookie: session=s3cr3t; _ks=k3y")
    except ValueError:
        logger.exception("request failed")
    written = stream.getvalue()
    assert "Traceback" in written and "ValueError" in written
    for secret in ("192.0.2.55", "s3cr3t", "k3y"):
        assert secret not in written


def test_raw_request_bytes_never_reach_a_log():
    raw = "b'GET /report HTTP/1.1\\r\\nHost: h\\r\\nUser-Agent: Mozilla/5.0\\r\\n"
    raw += "Cookie: _ks=abc\\r\\n'"
    assert redact(f"Ignoring EPIPE: {raw}") == "[raw request bytes dropped]"
    assert "Mozilla" not in redact("('User-Agent', 'Mozilla/5.0 (X11)')")
