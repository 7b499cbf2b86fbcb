"""Receipt codes and their peppered derivation.

A receipt is 16 symbols of Crockford's base32 (80 bits), grouped in fours so it can be
written on a scrap of paper and read back over the phone: no I, L, O or U, and input is
forgiving (case, spaces, hyphens, O for 0, I or L for 1). Only HMAC-SHA256(pepper, code) is
stored: at 80 bits a slow hash adds nothing but would cap the filing rate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
GROUP = 4
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -_.\t\r\n")


# Base32 maps each 5 bits to one symbol: 10 random bytes are exactly 16 uniform symbols,
# drawn at once (a draw per symbol cost 16 system calls; crypto.random_bytes, none).
_FROM_BASE32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)  # RFC 4648 -> ours


def new_receipt() -> str:
    from reporting.privacy.crypto import random_bytes

    code = base64.b32encode(random_bytes(LENGTH * 5 // 8)).decode("ascii")
    return format_receipt(code.translate(_FROM_BASE32))


def format_receipt(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise(text: str) -> str | None:
    """The canonical 16 symbols of a receipt as typed, or None if it cannot be one."""
    return normalise_symbols(text, LENGTH)


def normalise_symbols(text: str, length: int) -> str | None:
    """``length`` symbols of the alphabet as typed (case, separators and look-alikes
    forgiven), or None if the text cannot be such a code."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    code = text.translate(_SEPARATORS).upper().translate(_CONFUSABLE)
    if len(code) != length or any(ch not in ALPHABET for ch in code):
        return None
    return code


def receipt_digest(code: str, pepper: bytes) -> str:
    """What is stored: a keyed derivation that the database alone cannot reverse or test."""
    return hmac.new(pepper, code.encode("ascii"), hashlib.sha256).hexdigest()


# The reporter's key pair for one report's conversation, derived from the receipt: reviewers
# seal replies to its public half (stored at filing), and only the receipt opens them.
RECEIPT_KEY_PURPOSE = b"reporting/receipt-key/v1"


def receipt_private_key(code: str, report_id: str, pepper: bytes) -> bytes:
    """The reporter's private key for one report, from the normalised receipt."""
    from reporting.privacy import crypto

    return crypto.secret_from_text(code, report_id.encode("ascii") + pepper, RECEIPT_KEY_PURPOSE)


# The key a copy of a narrative's data key is sealed under at filing, so the reporter can
# read their own account with the receipt. Symmetric (the receipt is in hand both when it is
# made and when it is used) and bound to the sealed narrative's own random nonce: once the
# narrative is destroyed, the copy can neither be opened nor tested against a receipt.
NARRATIVE_COPY_PURPOSE = b"reporting/receipt-narrative/v1:"


def narrative_copy_key(code: str, report_id: str, pepper: bytes, item_nonce: bytes) -> bytes:
    from reporting.privacy import crypto

    salt = report_id.encode("ascii") + pepper
    return crypto.secret_from_text(code, salt, NARRATIVE_COPY_PURPOSE + item_nonce)
