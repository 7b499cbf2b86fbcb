"""Unlocking a review group's private key: here with the offline recovery key.

Reviewers' own wrappings (under keys derived from their passwords) join this module later;
whatever unlocks a key, the result is only ever held in memory.
"""

from __future__ import annotations

from . import crypto
from .instance import recovery_context
from .models import ReviewGroup


def unlock_with_recovery_key(recovery_key_text: str, group: str = "default") -> bytes:
    """The group's private key, opened with the recovery key file's text."""
    secret = crypto.parse_recovery_key(recovery_key_text)
    row = ReviewGroup.get_by_id(group)
    return crypto.unwrap_private_key(
        bytes(row.recovery_wrapped_private_key), secret, recovery_context(group)
    )
