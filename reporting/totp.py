"""Second factor for staff: TOTP codes (RFC 6238) with pyotp, each accepted at most once.

No Flask here. The secret is enrolled from the command line (`reporting user totp NAME`)
and typed or scanned into an authenticator app; the login then needs the current code.
A code is accepted for the current 30-second step and one step either side (clock drift),
and the step is recorded so the same code cannot be replayed.
"""

from __future__ import annotations

from datetime import datetime

import pyotp

from reporting.models import User

ISSUER = "Speak up safely"
STEP_SECONDS = 30
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str = ISSUER) -> str:
    """The otpauth:// address an authenticator app reads (as text or a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def enrol(user: User, secret: str | None = None) -> str:
    secret = secret or new_secret()
    User.update(totp_secret=secret, totp_last_step=None).where(User.id == user.id).execute()
    return secret


def remove(user: User) -> None:
    User.update(totp_secret=None, totp_last_step=None).where(User.id == user.id).execute()


def code_at(secret: str, moment: datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def verify(user: User, code: str | None, moment: datetime) -> bool:
    """True once for a right code; a replayed or wrong code, or no enrolment, is False."""
    if not user.totp_secret or not code:
        return False
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now_step = int(moment.timestamp()) // STEP_SECONDS
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            # Only a step later than the last one accepted counts: no replay, even racing.
            taken = (
                User.update(totp_last_step=step)
                .where(
                    (User.id == user.id)
                    & (User.totp_last_step.is_null() | (User.totp_last_step < step))
                )
                .execute()
            )
            return taken == 1
    return False
