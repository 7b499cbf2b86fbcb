"""The reporter's draft between writing and filing, kept only in the form itself.

The review page carries the scrubbed text in its textarea. What was replaced (so that the
reporter can deliberately restore one item) and what they chose to keep travel with it as
one opaque field, sealed with AES-GCM under a key derived from the app secret and a nonce
held only in the reporter's session cookie. Nothing is stored on the server or in a cookie;
when the 15-minute session ends the field no longer opens and only the scrubbed text is left.
"""

from __future__ import annotations

import base64
import difflib
import json
import os
import re
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from reporting.privacy.deid import TOKENS, ScrubResult

TOKEN = re.compile(r"\[(" + "|".join(TOKENS) + r")\]")


@dataclass(frozen=True)
class Replaced:
    kind: str
    original: str | None  # None when the original is no longer known


@dataclass
class Draft:
    """Each token in the text, in order, with what it replaced; and the words kept as written."""

    replaced: list[Replaced] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _key(secret: str, session_nonce: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=session_nonce.encode(), info=b"reporting/draft"
    ).derive(secret.encode())


def seal_draft(draft: Draft, secret: str, session_nonce: str) -> str:
    payload = json.dumps(
        {"r": [[r.kind, r.original] for r in draft.replaced], "k": draft.kept}
    ).encode()
    nonce = os.urandom(12)
    sealed = AESGCM(_key(secret, session_nonce)).encrypt(nonce, payload, b"draft")
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def open_draft(token: str, secret: str, session_nonce: str | None) -> Draft | None:
    """The draft, or None if it was sealed in another (or an expired) session."""
    if not token or not session_nonce:
        return None
    try:
        raw = base64.urlsafe_b64decode(token.encode())
        payload = AESGCM(_key(secret, session_nonce)).decrypt(raw[:12], raw[12:], b"draft")
        data = json.loads(payload)
        return Draft(
            replaced=[Replaced(str(kind), original) for kind, original in data["r"]],
            kept=[str(k) for k in data["k"]],
        )
    except (InvalidTag, ValueError, KeyError, TypeError):
        return None


def track(previous: Draft, result: ScrubResult) -> Draft:
    """The draft after (re-)scrubbing edited text.

    Tokens the scrub just made carry their originals. Tokens that were already in the text
    are matched, in order, with the previous draft's tokens, so an edit elsewhere does not
    lose what an earlier token replaced.
    """
    new_at = {r.start: r for r in result.replacements}
    carried = [m for m in TOKEN.finditer(result.text) if m.start() not in new_at]
    old_kinds = [r.kind for r in previous.replaced]
    carried_kinds = [m.group(1) for m in carried]
    originals: dict[int, str | None] = {}
    matcher = difflib.SequenceMatcher(a=old_kinds, b=carried_kinds, autojunk=False)
    for tag, a0, _a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(b1 - b0):
                originals[carried[b0 + offset].start()] = previous.replaced[a0 + offset].original
    replaced = []
    for match in TOKEN.finditer(result.text):
        if match.start() in new_at:
            replaced.append(Replaced(match.group(1), new_at[match.start()].original))
        else:
            replaced.append(Replaced(match.group(1), originals.get(match.start())))
    kept = [k for k in previous.kept if k in result.text]
    return Draft(replaced=replaced, kept=kept)


def restore(text: str, draft: Draft, choices: set[int]) -> tuple[str, Draft]:
    """Put back the originals of the chosen tokens (by position among the text's tokens)."""
    pieces: list[str] = []
    replaced: list[Replaced] = []
    kept = list(draft.kept)
    last = 0
    for index, match in enumerate(TOKEN.finditer(text)):
        item = draft.replaced[index] if index < len(draft.replaced) else None
        if index in choices and item is not None and item.original:
            pieces.append(text[last : match.start()])
            pieces.append(item.original)
            last = match.end()
            if item.original not in kept:
                kept.append(item.original)
        elif item is not None:
            replaced.append(item)
        else:
            replaced.append(Replaced(match.group(1), None))
    pieces.append(text[last:])
    return "".join(pieces), Draft(replaced=replaced, kept=kept)


def marked(text: str, draft: Draft) -> list[tuple[str, int | None, Replaced | None]]:
    """The text cut into plain runs and tokens (with their index), for the marked preview."""
    out: list[tuple[str, int | None, Replaced | None]] = []
    last = 0
    for index, match in enumerate(TOKEN.finditer(text)):
        if match.start() > last:
            out.append((text[last : match.start()], None, None))
        item = draft.replaced[index] if index < len(draft.replaced) else None
        out.append((match.group(0), index, item))
        last = match.end()
    if last < len(text):
        out.append((text[last:], None, None))
    return out
