"""Configuration from the environment, with defaults that work out of the box."""
from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def database_url(raw: str | None, instance_path: str) -> str:
    """``DATABASE_URL`` as SQLAlchemy wants it; PaaS hands out ``postgres://``."""
    if not raw:
        return "sqlite:///" + os.path.join(instance_path, "coding_duo.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def _days(name: str) -> float | None:
    """A number of days, or None when unset (keep for ever)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    value = float(raw)
    if not value > 0 or value == float("inf"):
        raise SystemExit(f"{name} must be a positive number of days, not {raw!r}")
    return value


def from_environment(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(os.environ.get("DATABASE_URL"), instance_path),
        # Several processes: events cross through Redis pub/sub (one channel under
        # REDIS_NAMESPACE); without REDIS_URL everything stays in this process.
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "REDIS_NAMESPACE": os.environ.get("REDIS_NAMESPACE", "coding-duo"),
        # rediss:// with a self-signed certificate (PaaS add-ons): REDIS_SSL_CERT_REQS=none
        # (or optional; default required). Used by the bus and the rate limits alike.
        "REDIS_SSL_CERT_REQS": (os.environ.get("REDIS_SSL_CERT_REQS") or "").lower() or None,
        # Each process compares the room versions it delivered (rooms with streams here)
        # with the database this often, and resyncs those behind (a message lost on the bus).
        # Room locks are this many striped locks (a room's key picks one); fewer make
        # rooms share locks (bench/chaos.py uses 8 to make them collide).
        "ROOM_LOCK_STRIPES": _int("ROOM_LOCK_STRIPES", 4096),
        # PostgreSQL: a transaction holding a room's row lock that sits idle this long (its
        # process's database link stalled mid-change) is ended by the database, so other
        # processes' commands and time-ups wait at most this long for it (0: off; the
        # connection's own limit of 15 s applies).
        "ROW_LOCK_IDLE_MS": _int("ROW_LOCK_IDLE_MS", 500),
        "VERSION_CHECK_SECONDS": _float("VERSION_CHECK_SECONDS", 3),
        # ...and this often it reads the rooms touched in the last seconds (an index range:
        # a few rows), so a change Redis would not take (a write pause) is seen within ~1 s.
        "RECENT_VERSION_CHECK_SECONDS": _float("RECENT_VERSION_CHECK_SECONDS", 0.5),
        # Changes waiting for Redis (an outage) are kept up to this many bytes; beyond,
        # the oldest are dropped (counted, logged; the version check heals their rooms).
        # PostgreSQL: this process's clock is compared with the database's at start and
        # every CLOCK_SKEW_CHECK_SECONDS; a WARNING when they differ by more than
        # CLOCK_SKEW_WARN_MS (turns are timed from wall-clock deadlines).
        "CLOCK_SKEW_WARN_MS": _float("CLOCK_SKEW_WARN_MS", 250),
        "CLOCK_SKEW_CHECK_SECONDS": _float("CLOCK_SKEW_CHECK_SECONDS", 60),
        "CLOCK_SKEW_TEST_OFFSET_MS": _float("CLOCK_SKEW_TEST_OFFSET_MS", 0),  # tests only
        "BUS_OUTBOX_BYTES": _int("BUS_OUTBOX_BYTES", 16 * 1024 * 1024),
        "PORT": _int("PORT", 8000),
        "HOST": os.environ.get("HOST", "0.0.0.0"),
        # Streams: a comment line when nothing else was sent for this long (proxies cut
        # idle connections at 55-60 s), the longest a stream lives before the browser is
        # told to reconnect, and how often a waiting stream checks for a vanished client.
        "HEARTBEAT_SECONDS": _float("HEARTBEAT_SECONDS", 15),
        "STREAM_MAX_AGE_SECONDS": _float("STREAM_MAX_AGE_SECONDS", 20 * 60),
        "STREAM_RETRY_MS": _int("STREAM_RETRY_MS", 2000),
        "DISCONNECT_POLL_SECONDS": _float("DISCONNECT_POLL_SECONDS", 2),
        "STREAM_QUEUE_SIZE": _int("STREAM_QUEUE_SIZE", 64),
        # Vanished clients (no FIN): found by the kernel within about this long.
        "TCP_USER_TIMEOUT_SECONDS": _float("TCP_USER_TIMEOUT_SECONDS", 8),
        "KEEPALIVE_IDLE_SECONDS": _float("KEEPALIVE_IDLE_SECONDS", 4),
        "OUTBUF_HIGH_WATERMARK": _int("OUTBUF_HIGH_WATERMARK", 256 * 1024),
        "SOCKET_SEND_BUFFER": _int("SOCKET_SEND_BUFFER", 0),  # bytes; 0: the kernel's default
        # waitress's main loop: "epoll" (Linux; each pass costs what happened, see
        # coding_duo/streams/serving.py) or "waitress" (its own poll loop, O(connections) a pass).
        "EVENT_LOOP": os.environ.get("EVENT_LOOP", "epoll").lower(),
        "SHUTDOWN_FLUSH_SECONDS": _float("SHUTDOWN_FLUSH_SECONDS", 0.5),
        # Capacity: each open stream holds one waitress thread; MAX_STREAMS are allowed
        # at once and API_THREADS more threads stay free for everything else. Unset,
        # MAX_STREAMS is 500 or what the process limits leave (coding_duo/streams/sizing.py);
        # set, it must fit them or the server does not start.
        "MAX_STREAMS": _int("MAX_STREAMS", 500),
        "MAX_STREAMS_CONFIGURED": bool(os.environ.get("MAX_STREAMS")),
        "API_THREADS": _int("API_THREADS", 16),
        # A running timer in a room with no stream for this long is paused (0: never).
        "EMPTY_ROOM_GRACE_SECONDS": _float("EMPTY_ROOM_GRACE_SECONDS", 60),
        # What a process keeps of a room (cached timer, bookkeeping) is let go once the
        # room has had no stream, no running timer and no use here for this long.
        "ROOM_MEMORY_IDLE_SECONDS": _float("ROOM_MEMORY_IDLE_SECONDS", 600),
        # Retention (unset: keep for ever): rooms with no change for this many days are
        # deleted with everything they own, completed and deleted ones after their own
        # (shorter) time; the pass runs once a day, in one process (checked this often).
        "ROOM_RETENTION_DAYS": _days("ROOM_RETENTION_DAYS"),
        "COMPLETED_ROOM_RETENTION_DAYS": _days("COMPLETED_ROOM_RETENTION_DAYS"),
        "RETENTION_CHECK_SECONDS": _float("RETENTION_CHECK_SECONDS", 3600),
        # Swaps asked for this soon after a server-decided time-up are that time-up's
        # swap (each coduo screen asks for one) and change nothing; 0: never.
        "TIME_UP_SWAP_WINDOW_SECONDS": _float("TIME_UP_SWAP_WINDOW_SECONDS", 5),
        "SCHEDULER_POOL_SIZE": _int("SCHEDULER_POOL_SIZE", 10),
        # New streams' snapshots built at once (coding_duo/streams/cap.py SnapshotSlots).
        "SNAPSHOT_CONCURRENCY": _int("SNAPSHOT_CONCURRENCY", 3),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 64 * 1024),
        # Abuse: rate limits per client address (see coding_duo/web/limits.py), open streams
        # per client address (a whole office behind one NAT: 40 pairs with two tabs each
        # and their reconnects), the proxies believed about X-Forwarded-For (CIDR ranges;
        # empty: loopback and private networks, see coding_duo/web/client.py), and CORS.
        "RATE_LIMITS_ENABLED": os.environ.get("RATE_LIMITS_ENABLED", "true").lower() != "false",
        "ROOM_CREATE_LIMIT": os.environ.get("ROOM_CREATE_LIMIT", "20 per minute"),
        "CODE_LOOKUP_LIMIT": os.environ.get("CODE_LOOKUP_LIMIT", "60 per minute"),
        "UNKNOWN_CODE_LIMIT": os.environ.get("UNKNOWN_CODE_LIMIT", "30 per minute"),
        "MAX_STREAMS_PER_CLIENT": _int("MAX_STREAMS_PER_CLIENT", 200),
        "TRUSTED_PROXIES": os.environ.get("TRUSTED_PROXIES", ""),
        "CORS_ORIGINS": [o.strip() for o in os.environ.get("CORS_ORIGINS", "").split(",") if o.strip()],
        # Reference-link previews: private/loopback/link-local targets are refused
        # unless this is set (tests serve their pages on 127.0.0.1).
        "LINK_PREVIEW_ALLOW_PRIVATE": os.environ.get("LINK_PREVIEW_ALLOW_PRIVATE", "")
        .lower() in ("1", "true", "yes"),
        "LINK_PREVIEW_TIMEOUT_SECONDS": _float("LINK_PREVIEW_TIMEOUT_SECONDS", 3),
        # Previews are fetched after the link is saved, on a pool of their own: this many
        # at once, at most QUEUE waiting or running, PER_ROOM / PER_CLIENT of them from one
        # room / client address (past a cap the link keeps its URL as its title).
        "LINK_PREVIEW_WORKERS": _int("LINK_PREVIEW_WORKERS", 4),
        "LINK_PREVIEW_QUEUE": _int("LINK_PREVIEW_QUEUE", 64),
        "LINK_PREVIEWS_PER_ROOM": _int("LINK_PREVIEWS_PER_ROOM", 8),
        "LINK_PREVIEWS_PER_CLIENT": _int("LINK_PREVIEWS_PER_CLIENT", 8),
        "LINK_CREATE_LIMIT": os.environ.get("LINK_CREATE_LIMIT", "30 per minute"),
        # A room's lists are bounded (409 past these), and list writes are rate limited
        # per client address.
        "MAX_TODOS_PER_ROOM": _int("MAX_TODOS_PER_ROOM", 500),
        "MAX_LINKS_PER_ROOM": _int("MAX_LINKS_PER_ROOM", 300),
        "MAX_CATEGORIES_PER_ROOM": _int("MAX_CATEGORIES_PER_ROOM", 50),
        "MAX_RETROSPECTIVES_PER_ROOM": _int("MAX_RETROSPECTIVES_PER_ROOM", 50),
        # The turn history keeps a room's latest turns (and breaks), the oldest let go.
        "MAX_TURNS_PER_ROOM": _int("MAX_TURNS_PER_ROOM", 1000),
        "LIST_WRITE_LIMIT": os.environ.get("LIST_WRITE_LIMIT", "300 per minute"),
    }
