"""Administrator commands for pulse surveys (`reporting pulse …`): open and close waves,
issue one-time codes per unit, list waves."""

from __future__ import annotations

import csv
import datetime as dt
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from reporting.db import database
from reporting.pulse import instruments
from reporting.pulse.codes import issue_codes
from reporting.pulse.waves import WaveError, close_wave, list_waves, open_wave
from reporting.releases.pulse_release import release_wave
from reporting.taxonomy import ROLES
from reporting.web.auditing import audit
from reporting.web.services import services


def _pepper() -> bytes:
    pepper = services().pepper
    if pepper is None:
        raise click.ClickException("the instance has no pepper: run `reporting init` first")
    return pepper


@click.group("pulse")
def pulse_group() -> None:
    """Psychological-safety pulse surveys."""


@pulse_group.command("open")
@click.option("--instrument", "instrument_id", required=True, help="e.g. psych-safety-7")
@click.option("--from", "opens", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--until", "closes", required=True, type=click.DateTime(["%Y-%m-%d"]))
@with_appcontext
def pulse_open(instrument_id: str, opens: dt.datetime, closes: dt.datetime) -> None:
    """Open a wave of an instrument between two dates (inclusive)."""
    try:
        with database.connection_context():
            wave_id = open_wave(instrument_id, opens.date(), closes.date(), pepper=_pepper())
    except (WaveError, instruments.InstrumentError) as exc:
        raise click.ClickException(str(exc)) from exc
    audit("pulse-open", wave_id, {"instrument": instrument_id})
    click.echo(f"opened wave {wave_id} of {instrument_id}, {opens:%Y-%m-%d} to {closes:%Y-%m-%d}")
    click.echo(f"Issue codes with: reporting pulse codes --wave {wave_id} --unit UNIT --count N")


@pulse_group.command("close")
@click.argument("wave_id", metavar="WAVE")
@with_appcontext
def pulse_close(wave_id: str) -> None:
    """Close a wave: no more answers; its unused codes are deleted."""
    try:
        with database.connection_context():
            deleted = close_wave(wave_id)
    except WaveError as exc:
        raise click.ClickException(str(exc)) from exc
    audit("pulse-close", wave_id, {"unused_codes": deleted})
    click.echo(f"closed wave {wave_id}; {deleted} unused codes deleted")


@pulse_group.command("codes")
@click.option("--wave", "wave_id", required=True)
@click.option("--unit", required=True, help="the unit the codes are handed out in")
@click.option("--count", required=True, type=int)
@click.option("--out", type=click.Path(dir_okay=False), help="CSV file (default: standard output)")
@with_appcontext
def pulse_codes(wave_id: str, unit: str, count: int, out: str | None) -> None:
    """Issue one-time codes for a unit, as CSV (unit, code) to print and hand out."""
    taxonomy = services().require_taxonomy()
    if unit not in taxonomy.units:
        raise click.ClickException(f"no unit {unit!r} in the taxonomy")
    try:
        with database.connection_context():
            codes = issue_codes(wave_id, unit, count, pepper=_pepper())
    except WaveError as exc:
        raise click.ClickException(str(exc)) from exc
    audit("pulse-codes", wave_id, {"unit": unit, "count": count})
    stream = open(out, "w", newline="", encoding="utf-8") if out else sys.stdout  # noqa: SIM115
    try:
        writer = csv.writer(stream)
        writer.writerow(["unit", "code"])
        writer.writerows([unit, code] for code in codes)
    finally:
        if out:
            stream.close()
    if out:
        click.echo(f"{count} codes for {unit} written to {out}; they are not stored anywhere else")


@pulse_group.command("release")
@click.argument("wave_id", metavar="WAVE")
@with_appcontext
def pulse_release(wave_id: str) -> None:
    """Release a closed wave's tables through the suppression engine (once, never changed)."""
    taxonomy = services().require_taxonomy()
    departments = {code: unit.department for code, unit in taxonomy.units.items()}
    try:
        with database.connection_context():
            summary = release_wave(
                wave_id,
                threshold=int(current_app.config["RELEASE_THRESHOLD"]),
                min_rate=float(current_app.config["PULSE_MIN_RESPONSE_RATE"]),
                departments=departments,
                roles=list(ROLES),
                today=services().clock().date(),
            )
    except WaveError as exc:
        raise click.ClickException(str(exc)) from exc
    audit("pulse-release", wave_id, {"published": summary.published, "hidden": summary.hidden})
    click.echo(
        f"released wave {wave_id}: {summary.published} cells published, {summary.hidden} "
        f"hidden ({summary.hidden_at_least_k} of them with a count of at least k)"
    )
    if summary.left_out_units:
        click.echo(
            f"below the response-rate floor, left out of every table: "
            f"{', '.join(summary.left_out_units)} ({summary.left_out_respondents} respondents)"
        )


@pulse_group.command("list")
@with_appcontext
def pulse_list() -> None:
    """List waves: id, instrument, dates, status, codes issued, responses."""
    with database.connection_context():
        waves = list_waves()
    if not waves:
        click.echo("no pulse waves")
        return
    click.echo("id\tinstrument\topens\tcloses\tstatus\tcodes issued\tresponses")
    for w in waves:
        click.echo(
            f"{w.id}\t{w.instrument} v{w.version}\t{w.opens}\t{w.closes}\t{w.status}\t"
            f"{w.invited}\t{w.responses}"
        )
