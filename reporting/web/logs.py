"""Logging that never records who a reporter is.

The app logs no requests at all. Anything that does reach a log (the app's own warnings,
gunicorn's error log, which names the address of every malformed request) passes through
a filter that removes IP addresses, and gunicorn's access log is switched off: a line per
request would record when someone filed, and from where.
"""

from __future__ import annotations

import logging
import re

from flask import Flask
from gunicorn.glogging import Logger as _GunicornLogger

_IPV4 = r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"
_IPV6 = r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"
_ADDRESS = re.compile(f"{_IPV4}|{_IPV6}")


def redact(text: str) -> str:
    return _ADDRESS.sub("[address]", text)


class RedactAddresses(logging.Filter):
    """Rewrites each record's message with every IPv4 and IPv6 address removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger with addresses redacted from the error log and no access log."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        self.error_log.addFilter(RedactAddresses())
        for handler in self.error_log.handlers:
            handler.addFilter(RedactAddresses())

    def access(self, resp, req, environ, request_time) -> None:
        return None


def init_app(app: Flask) -> None:
    app.logger.addFilter(RedactAddresses())
    logging.getLogger("werkzeug").addFilter(RedactAddresses())
