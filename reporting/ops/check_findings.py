"""What one line of `reporting check` says: a status and a detail in the operator's words."""

from __future__ import annotations

from dataclasses import dataclass

OK, WARN, FAIL = "ok", "WARN", "FAIL"


@dataclass(frozen=True)
class Finding:
    name: str
    status: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<4}  {self.name}: {self.detail}"


class Problem(Exception):
    """A check's failure, with its status (WARN or FAIL) and the fix."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
