"""Running the admin commands as an operator does: ``flask --app app ...`` in a
process of its own, on the server's database."""
from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import create_engine, text

from coding_duo.config import database_url
from support import ROOT


def flask_cli(db_url: str, *args: str, env: dict | None = None, check: bool = True):
    full_env = {**os.environ, "DATABASE_URL": db_url, **(env or {})}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                            env=full_env, capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise AssertionError(f"flask {' '.join(args)} exited {result.returncode}:\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


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
