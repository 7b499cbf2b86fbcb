"""Survey instruments as versioned data files, and how one answer is scored.

An instrument is ``instruments/<id>.v<version>.json`` in the package: its items, the scale,
which items are reverse-scored and where "favourable" begins. A wave records the id and
version it was opened with, so changing the wording later makes a new version and never
alters what an earlier wave asked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).with_name("instruments")
_FILE = re.compile(r"(?P<id>[a-z0-9-]+)\.v(?P<version>\d+)\.json")

FAVOURABLE, NEUTRAL, UNFAVOURABLE = "favourable", "neutral", "unfavourable"
BANDS = (FAVOURABLE, NEUTRAL, UNFAVOURABLE)


class InstrumentError(Exception):
    """No such instrument, or its data file does not describe a usable survey."""


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    reverse: bool


@dataclass(frozen=True)
class Optional_:
    id: str
    text: str
    choices: tuple[str, ...]


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    title: str
    source: str
    scale_min: int
    scale_max: int
    labels: tuple[str, ...]
    favourable_from: int
    unfavourable_to: int
    items: tuple[Item, ...]
    composites: dict[str, tuple[str, ...]]
    composite_labels: dict[str, str]
    optional: tuple[Optional_, ...]
    comment: bool

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise InstrumentError(f"{self.id} v{self.version} has no item {item_id!r}")

    def band(self, item_id: str, answer: int) -> str:
        """Favourable, neutral or unfavourable, after reverse-scoring where the item says so
        (on a 7-point scale: agree = 5-7 is favourable; a reversed item flips the answer)."""
        if not self.scale_min <= answer <= self.scale_max:
            raise InstrumentError(
                f"answer {answer} to {item_id} is outside {self.scale_min}-{self.scale_max}"
            )
        score = self.scale_min + self.scale_max - answer if self.item(item_id).reverse else answer
        if score >= self.favourable_from:
            return FAVOURABLE
        if score <= self.unfavourable_to:
            return UNFAVOURABLE
        return NEUTRAL


def available() -> list[tuple[str, int]]:
    """(id, version) of every instrument shipped, sorted."""
    found = []
    for path in FOLDER.glob("*.json"):
        match = _FILE.fullmatch(path.name)
        if match:
            found.append((match["id"], int(match["version"])))
    return sorted(found)


def latest_version(instrument_id: str) -> int:
    versions = [v for i, v in available() if i == instrument_id]
    if not versions:
        names = ", ".join(sorted({i for i, _ in available()})) or "none"
        raise InstrumentError(f"no instrument {instrument_id!r} (available: {names})")
    return max(versions)


@cache
def load(instrument_id: str, version: int | None = None) -> Instrument:
    """The instrument as shipped; the latest version unless one is named."""
    version = latest_version(instrument_id) if version is None else version
    path = FOLDER / f"{instrument_id}.v{version}.json"
    if not path.is_file():
        raise InstrumentError(f"no instrument {instrument_id!r} version {version}")
    return _parse(json.loads(path.read_text("utf-8")), path.name)


def _parse(data: dict, where: str) -> Instrument:
    try:
        scale = data["scale"]
        items = tuple(Item(i["id"], i["text"], bool(i.get("reverse"))) for i in data["items"])
        instrument = Instrument(
            id=data["id"],
            version=int(data["version"]),
            title=data["title"],
            source=data["source"],
            scale_min=int(scale["min"]),
            scale_max=int(scale["max"]),
            labels=tuple(scale["labels"]),
            favourable_from=int(scale["favourable_from"]),
            unfavourable_to=int(scale["unfavourable_to"]),
            items=items,
            composites={c["id"]: tuple(c["items"]) for c in data.get("composites", [])},
            composite_labels={c["id"]: c["label"] for c in data.get("composites", [])},
            optional=tuple(
                Optional_(o["id"], o["text"], tuple(o["choices"])) for o in data.get("optional", [])
            ),
            comment=bool(data.get("comment")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InstrumentError(f"{where}: not a valid instrument ({exc})") from exc
    _check(instrument, where)
    return instrument


def _check(instrument: Instrument, where: str) -> None:
    points = instrument.scale_max - instrument.scale_min + 1
    if len(instrument.labels) != points:
        raise InstrumentError(f"{where}: {points} scale points but {len(instrument.labels)} labels")
    if not instrument.unfavourable_to < instrument.favourable_from:
        raise InstrumentError(f"{where}: favourable must begin above unfavourable")
    ids = [item.id for item in instrument.items]
    if len(set(ids)) != len(ids) or not ids:
        raise InstrumentError(f"{where}: item ids must be present and distinct")
    for name, members in instrument.composites.items():
        unknown = set(members) - set(ids)
        if unknown:
            raise InstrumentError(f"{where}: composite {name} names unknown items {unknown}")
