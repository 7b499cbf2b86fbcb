"""Logging that never records who a reporter is.

The app logs no requests at all. Anything that does reach a log (the app's own warnings,
gunicorn's error log, which names the address of every malformed request) passes through
a filter that removes IP addresses, cookies and user agents (in tracebacks too), and
gunicorn's access log is switched off: a line per request would record when someone filed,
and from where. At debug level gunicorn prints a request's raw bytes on a premature
disconnect: such a message is dropped whole.
"""

from __future__ import annotations

import logging
import re

from flask import Flask
from gunicorn.glogging import Logger as _GunicornLogger

_IPV4 = r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"
_IPV6 = r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"
_ADDRESS = re.compile(f"{_IPV4}|{_IPV6}")
# Header values that would link a line to a browser: cookies (a staff cookie holds the key
# session's ``_ks``), the user agent, forwarding headers.
_HEADER = re.compile(
    r"(?i)\b(cookie|set-cookie|user-agent|x-forwarded-for|forwarded|x-real-ip)"
    r"(\s*[:=]\s*|['\"],\s*['\"])[^\r\n'\"]*"
)
# A request's raw bytes (gunicorn prints them at debug level on a premature disconnect).
_RAW_REQUEST = re.compile(r"(?i)\b(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH) \S* HTTP/\d")
RAW_REQUEST_DROPPED = "[raw request bytes dropped]"


def redact(text: str) -> str:
    """The text without addresses and identifying header values; raw requests dropped whole."""
    if _RAW_REQUEST.search(text) and ("\\r\\n" in text or "\r\n" in text):
        return RAW_REQUEST_DROPPED
    text = _HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}[removed]", text)
    return _ADDRESS.sub("[address]", text)


class RedactAddresses(logging.Filter):
    """Rewrites each record with addresses, cookies and user agents removed, tracebacks too.

    Filters run before the handler's formatter renders the traceback, so the traceback is
    rendered here (``exc_text``, which formatters then use as it is) and redacted with the
    message.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
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
