import pytest

from browsing import browser  # noqa: F401 (one Chromium per session, for every browser test)
from databases import drop_pg_schema, new_pg_schema, redis_env, require_postgres
from support import Api, ServerProcess

from suite_env import FAST_ENV, TEST_DATABASE, TEST_REDIS


def pytest_report_header(config):
    return f"servers under test: database={TEST_DATABASE}, redis={'on' if TEST_REDIS else 'off'}"


# The longest files, first: a parallel run (scripts/test: a file to a worker, in this
# order) then ends with short files on every worker, not one long file on one.
LONGEST_FIRST = ("test_bench_smoke.py", "web/test_hardening.py", "web/test_schemathesis.py",
                 "test_resilience.py", "streams/test_scale_out.py", "tools/test_bounded_rooms.py",
                 "coduo/test_coduo_client.py", "browser/test_offline_commands.py",
                 "admin/test_commands.py", "web/test_limits.py", "streams/test_delete_race.py",
                 "history/test_turns_model.py", "admin/test_retention.py")


def _longest_first(item) -> int:
    path = item.nodeid.split("::")[0].removeprefix("tests/")
    return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config, items):
    """The longest files first (``LONGEST_FIRST``; the order within a file is kept).
    ``@pytest.mark.once``: what a test checks does not depend on the database or
    the bus (the page's keyboard, layout and rendering, the proxy in front, the main
    loop, dead and slow clients, the benchmark's own servers, the code's shape), so
    round 2 (PostgreSQL + Redis) does not run it again."""
    items.sort(key=_longest_first)  # stable
    if TEST_DATABASE == "sqlite" and not TEST_REDIS:
        return
    skip = pytest.mark.skip(reason="independent of the database and the bus: round 1 runs it")
    for item in items:
        if item.get_closest_marker("once"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url_for(tmp_path_factory):
    """A fresh, empty database for each server under test."""
    counter = iter(range(1_000_000))
    schemas = []

    def make(name: str = "db") -> str:
        if TEST_DATABASE == "postgres":
            require_postgres()
            schema, url = new_pg_schema()
            schemas.append(schema)
            return url
        path = tmp_path_factory.mktemp("db") / f"{name}-{next(counter)}.sqlite3"
        return f"sqlite:///{path}"
    yield make
    for schema in schemas:
        drop_pg_schema(schema)


@pytest.fixture
def pg_schema_url():
    """A fresh PostgreSQL schema, whatever TEST_DATABASE says."""
    require_postgres()
    schema, url = new_pg_schema()
    yield url
    drop_pg_schema(schema)


def _server_starter(database_url_for):
    """``start(env, database_url)``: a server under test; the caller stops them all."""
    servers = []

    def start(env: dict | None = None, database_url: str | None = None, **kwargs) -> ServerProcess:
        base = {**FAST_ENV, **(redis_env() if TEST_REDIS else {})}
        server = ServerProcess(database_url or database_url_for(), {**base, **(env or {})}, **kwargs)
        servers.append(server)
        return server.start()
    return start, servers


# Servers live as long as what started them (a test, or a module's fixture), not the
# whole session: each holds pooled PostgreSQL connections, and a session's worth of
# them exhausted the server's max_connections (100) in round 2.
def _servers_for_a_while(database_url_for):
    start, servers = _server_starter(database_url_for)
    yield start
    for server in servers:
        server.stop()


start_server = pytest.fixture(_servers_for_a_while, name="start_server")  # until the test ends
start_module_server = pytest.fixture(_servers_for_a_while, scope="module",
                                     name="start_module_server")  # until the module ends


@pytest.fixture(scope="module")
def server(start_module_server):
    return start_module_server()


@pytest.fixture
def api(server):
    return Api(server.url)
