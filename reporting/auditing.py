"""Recording privileged actions from views and commands into the audit log (audit.py).

Placeholder with the agreed signature; the audit log's implementation replaces the body.
Reporter actions are never recorded.
"""

from __future__ import annotations

from typing import Any


def audit(
    action: str, obj: str = "", detail: dict[str, Any] | None = None, *, actor: str | None = None
) -> None:
    """Append one entry: ``actor`` defaults to the logged-in staff member (or the CLI user)."""
