"""Coding Duo entry point: ``python app.py`` migrates the database and serves.

Also the ``FLASK_APP`` for ``flask db upgrade`` (which builds the app but
starts no scheduler and serves nothing).
"""
from __future__ import annotations

import logging
import resource
import signal
import sys

from coding_duo import create_app

app = create_app()


def raise_open_file_limit() -> None:
    """Every stream is a socket; take all the file descriptors we may."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


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
        "channel_request_lookahead": 1,  # notice a vanished client on the next write
        "asyncore_use_poll": True,  # select() stops at 1,024 sockets
        "ident": "coding-duo",
        "clear_untrusted_proxy_headers": True,
    }


def main() -> None:
    from flask_migrate import upgrade
    from waitress import create_server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    raise_open_file_limit()
    with app.app_context():
        upgrade()
    duo = app.extensions["coding_duo"]
    duo.start()
    server = create_server(app, **waitress_options(app.config))

    def stop(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    logging.getLogger("coding_duo").info("serving on http://%s:%s", app.config["HOST"], app.config["PORT"])
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        duo.shutdown()
        server.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
