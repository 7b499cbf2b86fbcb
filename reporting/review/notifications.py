"""Content-free emails to reviewers when a batch puts something in their inbox.

An email leaves the hospital's control: it sits in mailboxes, on phones, in mail servers'
logs and in the hands of whoever reads over a shoulder. So it says only how many new
reports and reporter messages wait, and where to log in: never a category, unit, kind,
severity, time, id or word of a narrative, and not the review group's name (which would say
the kind). One email per reviewer per batch, counting every group of theirs that received
something; the subject never changes. Sending happens after the batch has committed, over
one SMTP connection with a timeout, and a failure is logged by its class only (an SMTP error
can quote addresses) and never reaches the batch.

Configured by SMTP_URL (``smtp://``, ``smtp+starttls://`` or ``smtps://``, with optional
``user:password@``), MAIL_FROM and SITE_URL; without SMTP_URL nothing is sent. Only the
standard library's smtplib and email. No Flask.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

from reporting.config import ConfigError
from reporting.staff_email import InvalidEmail, check_email, reviewer_addresses

SUBJECT = "New items in your review inbox"
# How long to wait for the mail server at each step: the batch's caller (a reviewer's request,
# or cron) waits this long at most per step before the failure is logged.
DEFAULT_TIMEOUT_SECONDS = 10.0
SECURITY_BY_SCHEME = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}
DEFAULT_PORTS = {"plain": 25, "starttls": 587, "tls": 465}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Waiting:
    """What one batch released to one group (or, summed, to one reviewer)."""

    reports: int = 0
    messages: int = 0

    def __add__(self, other: Waiting) -> Waiting:
        return Waiting(self.reports + other.reports, self.messages + other.messages)

    def __bool__(self) -> bool:
        return self.reports > 0 or self.messages > 0


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send. ``security`` is plain, starttls (587) or tls (465)."""

    host: str
    port: int
    security: str
    username: str | None
    password: str | None
    sender: str
    inbox_url: str
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_config(cls, settings: Mapping[str, Any]) -> MailSettings | None:
        """None without SMTP_URL; ConfigError when it, MAIL_FROM or SITE_URL is unusable."""
        url = settings.get("SMTP_URL")
        if not url:
            return None
        parts = urlsplit(str(url))
        security = SECURITY_BY_SCHEME.get(parts.scheme)
        if security is None:
            raise ConfigError(
                "SMTP_URL must start smtp://, smtp+starttls:// or smtps:// "
                f"(not {parts.scheme or 'nothing'}://)"
            )
        try:
            port = parts.port or DEFAULT_PORTS[security]
        except ValueError as exc:
            raise ConfigError("SMTP_URL has a port that is not a number from 1 to 65535") from exc
        if not parts.hostname:
            raise ConfigError("SMTP_URL names no mail server, e.g. smtp://mail.example:25")
        try:
            sender = check_email(str(settings.get("MAIL_FROM") or ""))
        except InvalidEmail as exc:
            raise ConfigError("SMTP_URL needs MAIL_FROM, the address emails come from") from exc
        site = str(settings.get("SITE_URL") or "").rstrip("/")
        if urlsplit(site).scheme not in ("https", "http") or not urlsplit(site).hostname:
            raise ConfigError(
                "SMTP_URL needs SITE_URL, the address reviewers open, e.g. https://speakup.example"
            )
        return cls(
            host=parts.hostname,
            port=port,
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            sender=sender,
            inbox_url=site + "/review",
            timeout=float(settings.get("SMTP_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)),
        )


def _counted(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def body_text(waiting: Waiting, inbox_url: str) -> str:
    """The whole body: how many items wait, and the inbox's address."""
    parts = []
    if waiting.reports:
        parts.append(_counted(waiting.reports, "new report", "new reports"))
    if waiting.messages:
        parts.append(_counted(waiting.messages, "reporter message", "reporter messages"))
    verb = "is" if waiting.reports + waiting.messages == 1 else "are"
    return f"{' and '.join(parts)} {verb} waiting in your review inbox:\n\n{inbox_url}\n"


def build_message(mail: MailSettings, recipient: str, waiting: Waiting) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = SUBJECT
    message["From"] = mail.sender
    message["To"] = recipient
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2])
    message.set_content(body_text(waiting, mail.inbox_url))
    return message


def per_reviewer(counts: Mapping[str, Waiting]) -> dict[str, Waiting]:
    """Address -> what waits for its reviewer, summed over their groups that received any."""
    filled = {group: waiting for group, waiting in counts.items() if waiting}
    return {
        address: sum((filled[group] for group in sorted(groups)), Waiting())
        for address, groups in reviewer_addresses(filled).items()
    }


def connect(mail: MailSettings) -> smtplib.SMTP:
    """A connection to the mail server, secured as configured (also `reporting check`)."""
    context = ssl.create_default_context()
    if mail.security == "tls":
        return smtplib.SMTP_SSL(mail.host, mail.port, timeout=mail.timeout, context=context)
    server = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout)
    if mail.security == "starttls":
        server.starttls(context=context)
    return server


def notify(mail: MailSettings | None, counts: Mapping[str, Waiting]) -> int:
    """Email each reviewer of the groups in ``counts``; how many emails were accepted.

    Never raises: the batch it follows has committed and must not be undone or repeated.
    """
    if mail is None:
        return 0
    try:
        recipients = per_reviewer(counts)
    except Exception as exc:
        log.warning("batch notices not sent: reviewers could not be read (%s)", type(exc).__name__)
        return 0
    if not recipients:
        return 0
    sent, failure = 0, None
    try:
        with connect(mail) as server:
            if mail.username:
                server.login(mail.username, mail.password or "")
            for address in sorted(recipients):
                try:
                    server.send_message(build_message(mail, address, recipients[address]))
                    sent += 1
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                    failure = type(exc).__name__  # this address only: the next may pass
    except Exception as exc:  # connection, TLS, login or anything else: the batch stands
        failure = type(exc).__name__
    if failure is not None:
        log.warning(
            "batch notices: %d of %d emails not sent (%s)",
            len(recipients) - sent,
            len(recipients),
            failure,
        )
    return sent
