"""How strong a reviewer's password must be: it is all that wraps their review key.

A copy of the database lets an attacker guess a reviewer's password offline against the
argon2id-wrapped key (password_keys.PASSWORD_KEY), and a right guess opens every narrative of the
reviewer's groups. So a reviewer's password is refused unless it has at least
`MIN_REVIEWER_CHARS` characters and zxcvbn (its lists of common and breached passwords,
names, words, keyboard patterns, repeats, dates, and the account's own username) puts it
at `MIN_REVIEWER_SCORE` or more: about 10^10 guesses, safely unguessable at argon2id's cost.
"""

from __future__ import annotations

import re

MIN_CHARS = 12
MAX_CHARS = 1024  # argon2 takes any length; this only bounds the work per attempt
MIN_REVIEWER_CHARS = 14
MIN_REVIEWER_SCORE = 3  # zxcvbn's 0-4 scale
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; a password that long is judged on its start


def problem(password: object, *, reviewer: bool = False, username: str = "") -> str | None:
    """Why ``password`` is refused for an account (a reviewer's if ``reviewer``), or None."""
    if not isinstance(password, str) or len(password) < MIN_CHARS:
        return f"a password needs at least {MIN_CHARS} characters"
    if len(password) > MAX_CHARS:
        return f"a password has at most {MAX_CHARS} characters"
    return reviewer_problem(password, username) if reviewer else None


def reviewer_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is too weak for a reviewer account, or None."""
    if len(password) < MIN_REVIEWER_CHARS:
        return (
            f"a reviewer's password needs at least {MIN_REVIEWER_CHARS} characters "
            "(it also protects their review key): choose a passphrase of several words"
        )
    from zxcvbn import zxcvbn

    inputs = [username, *re.split(r"[._-]+", username)] if username else []
    result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=[i for i in inputs if i])
    if result["score"] >= MIN_REVIEWER_SCORE:
        return None
    reason = result["feedback"].get("warning") or "it is too predictable"
    return (
        f"this password is too easy to guess for a reviewer account ({reason.rstrip('.')}): "
        "common and breached passwords, patterns and the username are refused; choose a "
        "passphrase of several unrelated words"
    )
