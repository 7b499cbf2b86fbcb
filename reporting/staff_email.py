"""Staff email addresses: the one contact detail kept, used only for batch notices.

A reviewer with an address is told by email when a batch puts something in their inbox
(review/notifications.py says what such an email holds: a count and a link, nothing else).
Reporters never have an account, so no address here is ever a reporter's. No Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reporting.accounts import AccountError, get_user
from reporting.models import Membership, User

MAX_EMAIL_CHARS = 254  # RFC 5321's limit on a forward path
# One local part and one dotted domain, nothing that could end a header or start another
# (no spaces, control characters, commas, angle brackets or quotes).
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class InvalidEmail(AccountError):
    """An email address is not one plain address of at most 254 characters."""


def check_email(address: str) -> str:
    """The address, stripped, if it is one plain ``local@domain.tld`` address."""
    text = address.strip() if isinstance(address, str) else ""
    if len(text) > MAX_EMAIL_CHARS or not _EMAIL.match(text):
        raise InvalidEmail(
            f"{address!r} is not an email address: give one plain address such as "
            "name@hospital.example, at most 254 characters"
        )
    return text


def set_email(username: str, address: str | None) -> None:
    """Give the account an address (checked), or remove it with None."""
    checked = None if address is None else check_email(address)
    user = get_user(username)
    User.update(email=checked).where(User.id == user.id).execute()


def reviewer_addresses(groups: Iterable[str]) -> dict[str, frozenset[str]]:
    """Address -> the groups among ``groups`` whose keys its reviewer holds.

    Active reviewers with an address only; a member holding two generations of a group's key
    (during a rotation) is one member. Two accounts sharing an address get one entry.
    """
    wanted = sorted(set(groups))
    if not wanted:
        return {}
    rows = (
        User.select(User.email, User.roles, Membership.group)
        .join(Membership, on=(Membership.user == User.id))
        .where(
            Membership.group.in_(wanted),
            User.active == True,  # noqa: E712 (peewee expression)
            User.email.is_null(False),
        )
        .tuples()
    )
    found: dict[str, set[str]] = {}
    for email, roles, group in rows:
        if "reviewer" in roles.split(","):
            found.setdefault(email, set()).add(group)
    return {email: frozenset(names) for email, names in found.items()}
