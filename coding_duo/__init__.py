"""Coding Duo: a pair-programming room with a server-synchronised turn timer.

The application factory. Packages, one per feature: ``rooms``, ``timer``,
``streams``, ``tools``, ``retros``, ``mob``, ``history``; ``web`` holds what they
share. ``duo`` builds the per-process machinery they run on."""
from __future__ import annotations

import hashlib
import os

from flask import Flask, request, url_for
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import config as config_module
from .duo import Duo
from .extensions import db, migrate
from .web.client import ClientMiddleware, parse_trusted
from .web.errors import register_error_handlers
from .web.i18n import init_i18n
from .web.limits import init_limits
from .web.metrics import init_metrics
from .web.retries import RetryingFlask
from .web.security import init_security

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                              "migrations")


def create_app(overrides: dict | None = None) -> Flask:
    """The application factory. It builds everything but starts nothing: the
    scheduler is started by whoever serves (``app.py``), once per process."""
    app = RetryingFlask(__name__, instance_relative_config=True,
                        template_folder="../templates", static_folder="../static")
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config_module.from_environment(app.instance_path))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    if overrides:
        app.config.update(overrides)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A row lock held by a stalled transaction (a process whose database link
        # stalls) must not hold every other process's commands, and its bus listener,
        # for as long as the stall lasts: waits are bounded (a 503, then a retry).
        from sqlalchemy.engine import make_url
        given = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).query.get("options", "")
        app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] = {"options": " ".join(filter(None, (
            given if isinstance(given, str) else " ".join(given),
            "-c lock_timeout=5000 -c idle_in_transaction_session_timeout=15000")))}
    app.json.sort_keys = False

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    app.extensions["coding_duo"] = Duo(app)

    # Each feature's API module registers its routes on the one API blueprint.
    from .history import api as history_api, pages as history_pages
    from .mob import api as mob_api, cli as mob_cli
    from .retros import api as retros_api
    from .rooms import api as rooms_api, pages
    from .streams import api as streams_api
    from .timer import api as timer_api
    from .tools import links_api, todos_api
    from .web import api, routes
    del history_api, history_pages, mob_api, retros_api, rooms_api, streams_api, timer_api
    del links_api, todos_api, routes
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(mob_cli.bp)
    init_metrics(app)
    init_security(app)
    init_i18n(app)
    init_limits(app)
    if app.config["CORS_ORIGINS"]:  # off unless a separate front end is named
        from flask_cors import CORS
        CORS(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
             supports_credentials=True)
    # The client's address and scheme, decided once for everything downstream.
    app.wsgi_app = ClientMiddleware(app.wsgi_app, parse_trusted(app.config["TRUSTED_PROXIES"]))
    register_error_handlers(app)
    from .admin.commands import init_commands
    init_commands(app)
    _register_asset_helper(app)
    return app


def _register_asset_helper(app: Flask) -> None:
    """``asset('room/main.js')`` -> ``/static/room/main.js?v=<content hash>``: browsers
    may cache static files for ever, and a new release still reaches them.

    A static URL without ``v`` is served ``Cache-Control: no-cache`` instead (the
    browser revalidates it with its ETag on every load): the room's ES modules
    import each other by relative URL, which no template can version."""
    versions: dict[str, str] = {}
    cached_for = app.get_send_file_max_age

    def max_age(filename: str | None) -> int | None:
        return cached_for(filename) if "v" in request.args else None

    app.get_send_file_max_age = max_age

    def asset(filename: str) -> str:
        version = versions.get(filename)
        if version is None or app.debug:
            with open(os.path.join(app.static_folder, filename), "rb") as handle:
                version = versions[filename] = hashlib.sha256(handle.read()).hexdigest()[:12]
        return url_for("static", filename=filename, v=version)

    app.jinja_env.globals["asset"] = asset


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite from many threads: WAL so readers never wait for the writer, and a
    busy timeout instead of 'database is locked'."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL's usual pairing: no fsync per commit
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
