"""The domain objects one app holds: taxonomy, scrubber, clock and pepper.

Loaded once at start-up (the taxonomy is validated there, so a bad file stops the app with
the entry and line at fault) and reached from views through these accessors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from . import schema
from .db import database
from .deid import Scrubber
from .instance import TAXONOMY_FILE
from .periods import Clock, current_month, system_clock
from .taxonomy import Taxonomy, TaxonomyError, load_taxonomy


@dataclass(frozen=True)
class Services:
    taxonomy: Taxonomy | None
    scrubber: Scrubber
    clock: Clock
    timezone: str
    pepper: bytes | None

    def require_taxonomy(self) -> Taxonomy:
        if self.taxonomy is None:
            raise TaxonomyError("no taxonomy loaded: run `reporting init`")
        return self.taxonomy


def init_app(app: Flask, *, serving: bool) -> None:
    taxonomy_path = Path(app.config.get("TAXONOMY_PATH") or Path(app.instance_path, TAXONOMY_FILE))
    taxonomy = None
    if serving or taxonomy_path.exists():
        taxonomy = load_taxonomy(taxonomy_path)
    pepper = app.config.get("RECEIPT_PEPPER")
    app.extensions["reporting"] = Services(
        taxonomy=taxonomy,
        scrubber=Scrubber(_configured_names(app)),
        clock=app.config.get("CLOCK") or system_clock,
        timezone=app.config["TIMEZONE"],
        pepper=bytes.fromhex(pepper) if pepper else None,
    )
    if serving:
        schema.require_current(database.obj)


def _configured_names(app: Flask) -> list[str]:
    path = Path(app.instance_path, app.config["DEID_NAMES_FILE"])
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def services() -> Services:
    return current_app.extensions["reporting"]


def current_period() -> str:
    found = services()
    return current_month(found.clock, found.timezone)
