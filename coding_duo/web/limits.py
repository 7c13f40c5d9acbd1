"""Abuse made expensive: rate limits per client address (Flask-Limiter; in
memory, or in Redis when REDIS_URL is set so all processes share them).

One budget per client for each kind of action, whatever route or page does it:
- creating rooms (the API and the home page's form): ROOM_CREATE_LIMIT (20 per minute)
- looking codes up (``exists`` and the join form): CODE_LOOKUP_LIMIT (60 per minute)
- creating reference links (on top of the list-write budget): LINK_CREATE_LIMIT (30 per minute)
- writing a room's lists (todos, links, categories; one budget for all):
  LIST_WRITE_LIMIT (300 per minute)
- asking for things that do not exist, anywhere: UNKNOWN_CODE_LIMIT (30 per
  minute): only 404 answers count, so people using their own rooms never meet
  it, while guessing codes or ids stops fast.

Only a refusal says when to come back: ``Retry-After`` on the 429, the seconds
until the breached window resets. Successful answers carry no rate-limit header.

Client addresses: coding_duo/web/client.py decides them (X-Forwarded-For
believed from the proxies in TRUSTED_PROXIES only).
"""
from __future__ import annotations

import math
import time

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_limiter import Limiter

from .client import current_client
from .errors import json_error
from .retries import retrying

# headers_enabled=False: Flask-Limiter would put Retry-After on every answer (successes
# too) and rewrite the one a 503 set; we say it on the 429 alone (see too_many).
limiter = Limiter(key_func=current_client, headers_enabled=False)
limiter.request_filter(retrying)  # a view run again (web/retries.py) spends nothing more
STORAGE_TIMEOUT_SECONDS = 0.25  # a limit's round trip to Redis, at most


def init_limits(app) -> None:
    config = app.config
    app.config.setdefault("RATELIMIT_STORAGE_URI", config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", config.get("REDIS_NAMESPACE", "coding-duo"))
    storage = app.config["RATELIMIT_STORAGE_URI"]
    if storage.startswith(("redis://", "rediss://")):
        # A limit is checked on the request's thread: a Redis that hangs (a failover's
        # CLIENT PAUSE WRITE, a partition) must cost a request a moment, not the whole
        # outage (redis-py waits for ever by default: under a 30 s hang every request
        # took 5 s and every list write over 10 s). Past the timeout the error is
        # swallowed and the limits live in this process's memory until Redis answers.
        options = {"socket_timeout": STORAGE_TIMEOUT_SECONDS,
                   "socket_connect_timeout": STORAGE_TIMEOUT_SECONDS}
        if config.get("REDIS_SSL_CERT_REQS") and storage.startswith("rediss://"):
            # The same Redis as the bus, so the same certificate rule (self-signed add-ons).
            options["ssl_cert_reqs"] = config["REDIS_SSL_CERT_REQS"]
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", options)
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config["RATELIMIT_APPLICATION"] = config["UNKNOWN_CODE_LIMIT"]
    # A 404 about something inside a room the client named rightly (no retrospective
    # yet) is not a guess: views say so with g.room_exists.
    app.config["RATELIMIT_APPLICATION_DEDUCT_WHEN"] = \
        lambda response: response.status_code == 404 and not g.get("room_exists")
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True  # a Redis outage must not take the API down
    app.config["RATELIMIT_ENABLED"] = config["RATE_LIMITS_ENABLED"]
    limiter.init_app(app)

    @app.errorhandler(429)
    def too_many(error):
        breached = limiter.current_limit
        limit = per(breached.limit) if breached is not None else error.description
        message = _("Too many requests (%(limit)s); slow down and try again shortly", limit=limit)
        headers = {"Retry-After": str(retry_after_seconds())}
        if request.path.startswith("/api/"):
            return json_error(429, message, headers)
        from .errors import error_page
        body, status = error_page(429, message)
        return body, status, headers


def per(item) -> str:
    """A limit as Flask-Limiter says it in English (``20 per 1 minute``), in the
    request's language."""
    every, amount = item.multiples, item.amount
    said = {
        "second": lambda: _("%(amount)s per %(every)s second", amount=amount, every=every),
        "minute": lambda: _("%(amount)s per %(every)s minute", amount=amount, every=every),
        "hour": lambda: _("%(amount)s per %(every)s hour", amount=amount, every=every),
        "day": lambda: _("%(amount)s per %(every)s day", amount=amount, every=every),
        "month": lambda: _("%(amount)s per %(every)s month", amount=amount, every=every),
        "year": lambda: _("%(amount)s per %(every)s year", amount=amount, every=every),
    }.get(item.GRANULARITY.name)
    return said() if said else str(item)


def retry_after_seconds() -> int:
    """Whole seconds until the breached limit's window lets this client in again."""
    breached = limiter.current_limit
    if breached is None:
        return 1
    resets_at = breached.window[0]  # when the window resets (reset_at adds a second)
    return max(1, min(breached.limit.get_expiry(), math.ceil(resets_at - time.time())))


def _configured(name: str):
    """A limit read from the app's config when the request is checked."""
    def limit() -> str:
        return current_app.config[name]
    return limit


# Decorators: every route or page that creates a room, or looks a code up, spends
# from the same budget (a shared scope), so switching routes buys nothing.
room_creation = limiter.shared_limit(_configured("ROOM_CREATE_LIMIT"), scope="room-create")
code_lookup = limiter.shared_limit(_configured("CODE_LOOKUP_LIMIT"), scope="code-lookup")
link_creation = limiter.shared_limit(_configured("LINK_CREATE_LIMIT"), scope="link-create")
list_writes = limiter.shared_limit(_configured("LIST_WRITE_LIMIT"), scope="list-write")


def client_key() -> str:
    """The client address the limits count by (the preview caps count by it too)."""
    return limiter._key_func()
