"""Coding Duo entry point: ``python app.py`` migrates the database and serves.

Also the ``FLASK_APP`` for ``flask db upgrade`` (which builds the app but
starts no scheduler and serves nothing).
"""
from __future__ import annotations

import gc
import logging
import resource
import signal
import socket
import sys

from coding_duo import create_app
from coding_duo.streams import dispatch, serving, sizing
from coding_duo.web.metrics import configure_logging

app = create_app()


def raise_open_file_limit() -> None:
    """Every stream is a socket; take all the file descriptors we may."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def tune_garbage_collector() -> None:
    """Measured at 2,000 streams: full collections walked every stream's objects and
    stopped all threads for 50-200 ms, the whole tick p99. Objects alive at start are
    frozen out of collections, and young objects get a much larger nursery, so the
    short-lived garbage of events dies young and full collections become rare."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def waitress_options(config) -> dict:
    """Sizing (see README, "Capacity"): each open stream holds a waitress thread
    for its whole life, so there is one thread per allowed stream plus
    API_THREADS that streams can never take (the stream cap refuses past
    MAX_STREAMS). Connections: every thread's plus headroom for keep-alive and
    requests waiting for a thread."""
    streams, api = config["MAX_STREAMS"], config["API_THREADS"]
    return {
        "host": config["HOST"],
        "port": config["PORT"],
        "threads": streams + api,
        "connection_limit": streams + api + 256,
        # Browsers come back together (a restart, a proxy reload): waitress's 1,024-deep
        # accept queue overflowed at 4,000 reconnecting streams and the kernel reset 6 %
        # of them. The kernel caps this at net.core.somaxconn.
        "backlog": max(1024, streams + api),
        "channel_request_lookahead": 1,  # notice a vanished client on the next write
        "asyncore_use_poll": True,  # select() stops at 1,024 sockets
        "ident": "coding-duo",
        # X-Forwarded-* reach the app, which alone decides whom to believe
        # (coding_duo/web/client.py: removed there unless the peer is a trusted proxy).
        "clear_untrusted_proxy_headers": False,
        # A stream whose client stops reading buffers at most this much in waitress;
        # past it the stream's own thread waits, its queue fills and it is dropped.
        "outbuf_high_watermark": config["OUTBUF_HIGH_WATERMARK"],
    }


def size_streams(config, duo) -> None:
    """MAX_STREAMS as the machine allows (coding_duo/streams/sizing.py)."""
    config["MAX_STREAMS"] = duo.stream_cap.limit = sizing.size_streams(config)


def event_loop_map(config):
    """The socket map for waitress: ours (with the epoll loop) or None (waitress's own)."""
    choice = config["EVENT_LOOP"]
    if choice not in ("epoll", "waitress"):
        raise SystemExit(f"EVENT_LOOP must be 'epoll' or 'waitress', not {choice!r}")
    if choice == "epoll" and serving.epoll_available():
        return serving.TrackedMap()
    return None


def dead_peer_socket_options(config) -> list[tuple[int, int, int]]:
    """Options waitress sets on every accepted socket. A browser that vanishes without a FIN (laptop lid, lost Wi-Fi) is found by
    the kernel: keepalive probes on an idle connection, and TCP_USER_TIMEOUT when
    sent data stays unacknowledged. Its socket then errors, waitress closes the
    channel and the stream's generator sees ``waitress.client_disconnected``."""
    user_timeout_ms = int(config["TCP_USER_TIMEOUT_SECONDS"] * 1000)
    idle = max(1, int(config["KEEPALIVE_IDLE_SECONDS"]))
    options = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
               (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    for name, value in (("TCP_KEEPIDLE", idle), ("TCP_KEEPINTVL", 2), ("TCP_KEEPCNT", 3),
                        ("TCP_USER_TIMEOUT", user_timeout_ms)):
        if hasattr(socket, name):  # Linux; elsewhere the OS defaults apply
            options.append((socket.IPPROTO_TCP, getattr(socket, name), value))
    if config["SOCKET_SEND_BUFFER"]:  # bounds kernel memory held for a stalled client
        options.append((socket.SOL_SOCKET, socket.SO_SNDBUF, config["SOCKET_SEND_BUFFER"]))
    return options


MIGRATION_LOCK = 7_243_001  # any constant: one PostgreSQL advisory lock for migrations


def upgrade_database(upgrade) -> None:
    """Apply migrations. Several processes starting at once on PostgreSQL take
    turns (an advisory lock), so only the first one changes the schema."""
    from sqlalchemy import text

    from coding_duo.extensions import db
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            upgrade()
            return
        with db.engine.connect() as lock:
            lock.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK})
            try:
                upgrade()
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK})
                lock.commit()


def main() -> None:
    from flask_migrate import upgrade
    from waitress import create_server

    configure_logging()
    # APScheduler logs two INFO lines per job run: a thousand running rooms would
    # write two thousand lines a second (measured: 14 % of the CPU at 2,000 streams).
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    socket_map = event_loop_map(app.config)  # a wrong EVENT_LOOP stops us before anything runs
    raise_open_file_limit()
    upgrade_database(upgrade)
    duo = app.extensions["coding_duo"]
    duo.start()
    try:
        size_streams(app.config, duo)  # now that this process's own threads run
    except SystemExit:
        duo.shutdown()
        raise
    tune_garbage_collector()
    options = waitress_options(app.config)
    # Idle threads are woken last in, first out: the few recently busy ones serve, and
    # the rest keep no malloc caches or stack pages (coding_duo/streams/dispatch.py).
    dispatcher = dispatch.MostRecentlyIdleFirst()
    dispatcher.set_thread_count(options["threads"])
    server = create_server(app, map=socket_map, _dispatcher=dispatcher, **options)
    if socket_map is not None:
        serving.install(server, socket_map)
    server.adj.socket_options = dead_peer_socket_options(app.config)  # not a keyword
    duo.server_dispatcher = server.task_dispatcher

    def stop(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    def graceful(signum, _frame):
        """SIGTERM: stop ticking, end every stream (the browsers reconnect to
        whichever process serves next), give waitress a moment to flush, exit (the
        bus stops last, in ``duo.shutdown``)."""
        logging.getLogger("coding_duo").info("signal %s: shutting down", signum)
        duo.stop_serving()
        signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, app.config["SHUTDOWN_FLUSH_SECONDS"])

    signal.signal(signal.SIGTERM, graceful)
    logging.getLogger("coding_duo").info("serving on http://%s:%s", app.config["HOST"], app.config["PORT"])
    try:
        serving.serve(server, socket_map)  # returns on KeyboardInterrupt/SystemExit
    finally:
        duo.shutdown()
        server.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
