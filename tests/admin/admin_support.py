"""Running the admin commands as an operator does: ``flask --app app ...`` in a
process of its own, on the server's database."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

from sqlalchemy import create_engine, text

from coding_duo.config import database_url
from support import ROOT


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def flask_cli(db_url: str, *args: str, env: dict | None = None, check: bool = True,
              real: bool = False):
    """``flask --app app *args`` on the database at ``db_url``. In this process by
    default (Flask's CLI group over a fresh app, as ``flask`` builds it: a second
    a command less); ``real``: in a process of its own, exactly as an operator types it."""
    if real:
        full_env = {**os.environ, "DATABASE_URL": db_url, **(env or {})}
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                                env=full_env, capture_output=True, text=True, timeout=60)
    else:
        result = _in_process(db_url, args, env or {})
    if check and result.returncode != 0:
        raise AssertionError(f"flask {' '.join(args)} exited {result.returncode}:\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def _in_process(db_url: str, args, env: dict) -> Ran:
    from click.testing import CliRunner
    from flask.cli import FlaskGroup

    from coding_duo import create_app
    from coding_duo.extensions import db

    saved = {name: os.environ.get(name) for name in ("DATABASE_URL", *env)}
    os.environ.update({"DATABASE_URL": db_url, **env})
    try:
        app = create_app()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    try:
        # FlaskGroup, not app.cli: the ``db`` commands are a plugin's, as with ``flask``.
        result = CliRunner().invoke(FlaskGroup(create_app=lambda: app), list(args))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran(result.exit_code, result.stdout, result.stderr)
    finally:
        with app.app_context():
            db.engine.dispose()


def engine(db_url: str):
    return create_engine(database_url(db_url, ""))


def sql(db_url: str, statement: str, **params):
    with engine(db_url).begin() as conn:
        return conn.execute(text(statement), params).fetchall() if statement.lstrip().upper() \
            .startswith("SELECT") else conn.execute(text(statement), params)


def age(db_url: str, code: str, days: float) -> None:
    """Pretend the room's last change was ``days`` ago."""
    from datetime import datetime, timedelta, timezone
    key = code.replace("-", "")
    sql(db_url, "UPDATE pair_room SET touched_at = :t, created_at = :t WHERE access_code = :k",
        t=datetime.now(timezone.utc) - timedelta(days=days), k=key)
