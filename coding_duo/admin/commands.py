"""The admin commands, through Flask's CLI (``flask --app app rooms --help``):
``rooms list|show|export|import|purge|stats`` and ``backup PATH``. They run in
their own process, on the database the server uses (``DATABASE_URL``)."""
from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from datetime import datetime, timedelta, timezone

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from ..rooms import access_code
from ..rooms.models import PairRoom, RoomStatus
from ..timer.domain import TimerStatus
from ..timer.models import TimerRecord
from .models import aware
from .retention import in_use, last_activity, purge
from .transfer import ImportRefused, export_room, import_room

rooms_cli = AppGroup("rooms", help="See, export, import and clean up rooms.")


def _room(code: str) -> PairRoom:
    key = access_code.normalize(code)
    room = key and db.session.execute(
        select(PairRoom).where(PairRoom.access_code == key)).scalar_one_or_none()
    if not room:
        raise click.ClickException(f"no room has the access code {code!r}")
    return room


def _status(room: PairRoom) -> str:
    return "DELETED" if room.deleted else room.status


def _line(room: PairRoom) -> str:
    when = aware(room.touched_at or room.created_at)
    return (f"{access_code.display(room.access_code)}  {_status(room):<11}  "
            f"{room.timer.status:<7}  {when:%Y-%m-%d %H:%M}  {room.driver} / {room.navigator}")


@rooms_cli.command("list")
@click.option("--status", type=click.Choice(["IN_PROGRESS", "COMPLETED", "DELETED"]),
              help="Only rooms in this state.")
@click.option("--idle-days", type=click.FloatRange(min=0), help="Only rooms with no change for this long.")
@click.option("--running", is_flag=True, help="Only rooms whose timer runs.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
def list_rooms(status, idle_days, running, limit):
    """Rooms, the most recently active first: code, status, timer, last activity, names."""
    query = select(PairRoom).join(TimerRecord, TimerRecord.room_id == PairRoom.id)
    if status == "DELETED":
        query = query.where(PairRoom.deleted_at.is_not(None))
    elif status:
        query = query.where(PairRoom.status == status, PairRoom.deleted_at.is_(None))
    if idle_days is not None:
        query = query.where(last_activity() < datetime.now(timezone.utc) - timedelta(days=idle_days))
    if running:
        query = query.where(TimerRecord.status == TimerStatus.RUNNING.value)
    rooms = db.session.execute(query.order_by(last_activity().desc()).limit(limit)).scalars().all()
    click.echo("code         status       timer    last change       driver / navigator")
    for room in rooms:
        click.echo(_line(room))
    click.echo(f"{len(rooms)} room(s)" + (f" (the first {limit})" if len(rooms) == limit else ""))


@rooms_cli.command("show")
@click.argument("code")
def show_room(code):
    """One room: roles, timer, lists."""
    data = export_room(_room(code))
    room, timer = data["room"], data["timer"]
    click.echo(f"{room['accessCode']}  {room['status']}  driver {room['driver']}, "
               f"navigator {room['navigator']}")
    click.echo(f"timer: {timer['status']}, {timer['remainingMs'] // 1000} s of "
               f"{timer['durationMs'] // 1000} s; {room['turnsCompleted']} turn(s), "
               f"{room['pairedMs'] // 60000} min paired")
    click.echo(f"created {room['createdAt']}, last change {room['touchedAt']}"
               + (f", deleted {room['deletedAt']}" if room["deletedAt"] else ""))
    done = sum(1 for t in data["todos"] if t["isChecked"])
    click.echo(f"todos: {len(data['todos'])} ({done} done); links: {len(data['links'])}; "
               f"categories: {len(data['categories'])}")
    for todo in data["todos"]:
        click.echo(f"  [{'x' if todo['isChecked'] else ' '}] {todo['content']}")


@rooms_cli.command("export")
@click.argument("code")
@click.option("-o", "--output", type=click.File("w"), default="-", help="File (default: stdout).")
def export_command(code, output):
    """Everything a room has, as JSON (for `rooms import` on another server)."""
    json.dump(export_room(_room(code)), output, ensure_ascii=False, indent=2)
    output.write("\n")


@rooms_cli.command("import")
@click.argument("file", type=click.File("r"))
@click.option("--new-code", is_flag=True, help="Give the room (and its items) new ids.")
def import_command(file, new_code):
    """Create a room from a `rooms export` file."""
    try:
        data = json.load(file)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{file.name} is not JSON: {error}") from None
    try:
        room, notes = import_room(data, new_code=new_code, now_ms=int(time.time() * 1000))
        db.session.commit()
    except ImportRefused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    except DBAPIError as error:
        db.session.rollback()
        raise click.ClickException(f"the database refused the room: {error.orig}") from None
    click.echo(f"imported as {access_code.display(room.access_code)}")
    for note in notes:
        click.echo(f"note: {note}")


@rooms_cli.command("purge")
@click.option("--idle-days", type=click.FloatRange(min=0, min_open=True), required=True,
              help="Delete rooms with no change for this many days.")
@click.option("--completed-days", type=click.FloatRange(min=0, min_open=True),
              help="Completed and deleted rooms: after this many days instead (if shorter).")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
def purge_command(idle_days, completed_days, dry_run):
    """Delete rooms untouched that long, with everything they own. Running timers and
    rooms with a stream open now are kept."""
    from ..context import duo
    candidates = purge(idle_days, completed_days, dry_run=True)
    protected = in_use(duo(), [room.access_code for room in candidates]) if candidates else set()
    rooms = purge(idle_days, completed_days, protected=protected, dry_run=dry_run)
    for room in rooms:
        click.echo(("would delete " if dry_run else "deleted ") + _line(room))
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    kept = f"; {len(protected)} kept (a stream is open)" if protected else ""
    click.echo(f"{len(rooms)} room(s) {'would be ' if dry_run else ''}deleted{kept}")
    if not current_app.config.get("REDIS_URL"):
        click.echo("note: without REDIS_URL this command cannot see streams open in the server; "
                   "the server's own daily pass (ROOM_RETENTION_DAYS) keeps rooms in use")


@rooms_cli.command("stats")
def stats_command():
    """Rooms by status, running timers, open streams."""
    from ..context import duo
    counts = dict(db.session.execute(
        select(PairRoom.status, func.count()).where(PairRoom.deleted_at.is_(None))
        .group_by(PairRoom.status)).all())
    deleted = db.session.execute(select(func.count()).select_from(PairRoom)
                                 .where(PairRoom.deleted_at.is_not(None))).scalar_one()
    running = db.session.execute(select(func.count()).select_from(TimerRecord)
                                 .where(TimerRecord.status == TimerStatus.RUNNING.value)).scalar_one()
    for status in RoomStatus:
        click.echo(f"rooms {status.value.lower()}: {counts.get(status.value, 0)}")
    click.echo(f"rooms deleted (kept until retention): {deleted}")
    click.echo(f"running timers: {running}")
    d = duo()
    click.echo(f"open streams in this process: {d.streams.total()} (this command is a process of "
               "its own; each server reports its own as coding_duo_open_streams at /metrics)")
    if current_app.config.get("REDIS_URL"):
        live = d.presence.live_rooms(60_000)
        click.echo("rooms with a stream in the last minute, any server: "
                   + ("unknown (Redis unavailable)" if live is None else str(live)))


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def backup_command(path, force):
    """A consistent copy of the SQLite database, safe while the server runs."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(f"backup copies SQLite databases; this one is "
                                   f"{url.get_backend_name()}: use pg_dump (e.g. "
                                   f"pg_dump \"$DATABASE_URL\" > {path})")
    if os.path.exists(path) and not force:
        raise click.ClickException(f"{path} exists (use --force to overwrite it)")
    source = sqlite3.connect(url.database)
    target = sqlite3.connect(path)
    try:
        with target:
            source.backup(target)  # SQLite's online backup: a snapshot, writers go on
    finally:
        target.close()
        source.close()
    size = os.path.getsize(path)
    click.echo(f"backed up {url.database} to {path} ({size // 1024} KiB)", file=sys.stdout)


def init_commands(app) -> None:
    app.cli.add_command(rooms_cli)
    app.cli.add_command(backup_command)
