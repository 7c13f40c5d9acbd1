"""Test databases: a fresh SQLite file, or a fresh schema in the local PostgreSQL.

PostgreSQL tests run whenever PostgreSQL answers; with CI=true it must answer
(a missing service fails the run instead of skipping silently)."""
from __future__ import annotations

import os
import uuid

import pytest

def missing(reason: str) -> None:
    """A service or tool a test needs is not here: skip with the reason, except with
    CI=true, where everything must run and its absence fails the test."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI=true: this test must run)")
    pytest.skip(reason)


PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


def pg_unavailable_reason() -> str | None:
    try:
        import psycopg
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as error:  # noqa: BLE001 - any failure means "not here"
        return f"PostgreSQL at {PG_ADMIN_URL} is not available: {error}"


def require_postgres() -> None:
    reason = pg_unavailable_reason()
    if reason:
        missing(reason)


def new_pg_schema() -> tuple[str, str]:
    """(schema, URL whose search_path is that schema) in the test database."""
    import psycopg
    schema = "duo_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return schema, f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"


def drop_pg_schema(schema: str) -> None:
    import psycopg
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_unavailable_reason() -> str | None:
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return None
    except Exception as error:  # noqa: BLE001
        return f"Redis at {REDIS_URL} is not available: {error}"


def require_redis() -> None:
    reason = redis_unavailable_reason()
    if reason:
        missing(reason)


def redis_env() -> dict:
    """REDIS_URL plus a namespace of its own, so servers of different tests never
    hear each other."""
    require_redis()
    return {"REDIS_URL": REDIS_URL, "REDIS_NAMESPACE": "duo-test-" + uuid.uuid4().hex[:10]}
