import os

import pytest

from support import Api, ServerProcess

FAST_ENV = {
    "HEARTBEAT_SECONDS": "2",
    "DISCONNECT_POLL_SECONDS": "0.5",
    "EMPTY_ROOM_GRACE_SECONDS": "0",
}


@pytest.fixture(scope="session")
def database_url_for(tmp_path_factory):
    """A fresh, empty database for each server under test."""
    counter = iter(range(1_000_000))

    def make(name: str = "db") -> str:
        path = tmp_path_factory.mktemp("db") / f"{name}-{next(counter)}.sqlite3"
        return f"sqlite:///{path}"
    return make


@pytest.fixture(scope="session")
def start_server(database_url_for):
    servers = []

    def start(env: dict | None = None, database_url: str | None = None, **kwargs) -> ServerProcess:
        server = ServerProcess(database_url or database_url_for(), {**FAST_ENV, **(env or {})}, **kwargs)
        servers.append(server)
        return server.start()
    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def server(start_server):
    return start_server()


@pytest.fixture
def api(server):
    return Api(server.url)
