"""Abuse made expensive: rate limits per client address (Flask-Limiter; in
memory, or in Redis when REDIS_URL is set so all processes share them).

- creating rooms: ROOM_CREATE_LIMIT (default 20 per minute)
- looking codes up (exists, the join form): CODE_LOOKUP_LIMIT (60 per minute)
- asking for things that do not exist, anywhere: UNKNOWN_CODE_LIMIT (30 per
  minute): only 404 answers count, so people using their own rooms never meet
  it, while guessing codes or ids stops fast.

Client addresses: the socket's peer, or X-Forwarded-For set by the number of
proxies named in TRUSTED_PROXIES (werkzeug's ProxyFix).
"""
from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from .errors import json_error

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


def init_limits(app) -> None:
    config = app.config
    app.config.setdefault("RATELIMIT_STORAGE_URI", config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", config.get("REDIS_NAMESPACE", "coding-duo"))
    storage = app.config["RATELIMIT_STORAGE_URI"]
    if config.get("REDIS_SSL_CERT_REQS") and storage.startswith("rediss://"):
        # The same Redis as the bus, so the same certificate rule (self-signed add-ons).
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS",
                              {"ssl_cert_reqs": config["REDIS_SSL_CERT_REQS"]})
    app.config["RATELIMIT_APPLICATION"] = config["UNKNOWN_CODE_LIMIT"]
    app.config["RATELIMIT_APPLICATION_DEDUCT_WHEN"] = lambda response: response.status_code == 404
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True  # a Redis outage must not take the API down
    app.config["RATELIMIT_ENABLED"] = config["RATE_LIMITS_ENABLED"]
    limiter.init_app(app)

    @app.errorhandler(429)
    def too_many(error):
        message = f"Too many requests ({error.description}); slow down and try again shortly"
        response = json_error(429, message)
        if request.path.startswith("/api/"):
            return response
        from .errors import error_page
        return error_page(429, message)


def _configured(name: str):
    """A limit read from the app's config when the request is checked."""
    def limit() -> str:
        return current_app.config[name]
    return limit


room_create_limit = _configured("ROOM_CREATE_LIMIT")
code_lookup_limit = _configured("CODE_LOOKUP_LIMIT")
