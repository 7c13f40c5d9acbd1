"""A small PaaS dyno: 256 processes and threads for the user (``ulimit -u 256``).
The server sizes its streams to fit, logs why, and serves; a configured
MAX_STREAMS that cannot fit stops it at start with one line naming the setting.

RLIMIT_NPROC counts every thread of the user on the machine and never holds root,
so the server runs as a user of its own (created here when root with CI=true)."""
from __future__ import annotations

import glob
import os
import pwd
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import pytest

from suite_env import FAST_ENV, TEST_DATABASE, TEST_REDIS
from databases import missing, new_pg_schema, drop_pg_schema, redis_env, require_postgres
from support import ROOT, Api, ServerProcess, stream

USER = "duo-small-dyno"
NPROC = 256

# The server's interpreter must be one that user can run: ours, or the system's
# Python of the same version, without its own packages (-S), with our virtualenv's.
# redis wants the async_timeout package on Python older than 3.11.3 only; there,
# asyncio.timeout (3.11) is the same thing.
BOOT = ("import runpy, site, sys; site.addsitedir(sys.argv.pop(1))\n"
        "if sys.version_info < (3, 11, 3):\n"
        "    import asyncio, types; sys.modules.setdefault('async_timeout', "
        "types.SimpleNamespace(timeout=asyncio.timeout))\n"
        "sys.argv = ['app.py']; runpy.run_path('app.py', run_name='__main__')")


@pytest.fixture(scope="module")
def dyno_user():
    if os.getuid() != 0:
        missing("needs root to start the server as a user of its own under ulimit -u 256")
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        pass
    if os.environ.get("CI") != "true":
        missing(f"creates the system user {USER!r}: only with CI=true")
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                    USER], check=True)
    return pwd.getpwnam(USER)


def _runs_as(user, *argv) -> bool:
    try:
        return subprocess.run(argv, user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                              capture_output=True, cwd=ROOT).returncode == 0
    except OSError:  # not that user's to run
        return False


def _interpreter(user) -> list[str]:
    packages = sysconfig.get_paths()["purelib"]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in [sys.executable, shutil.which(version), *glob.glob(f"/usr/bin/{version}")]:
        if candidate and _runs_as(user, candidate, "-c", "import sys"):
            return [candidate, "-s", "-S", "-c", BOOT, packages]
    missing(f"no {version} that user {USER} may run")


@pytest.fixture
def database(dyno_user):
    if TEST_DATABASE == "postgres":
        require_postgres()
        schema, url = new_pg_schema()
        yield url
        drop_pg_schema(schema)
        return
    folder = tempfile.mkdtemp(prefix="duo-dyno-")
    os.chown(folder, dyno_user.pw_uid, dyno_user.pw_gid)
    yield f"sqlite:///{folder}/dyno.sqlite3"
    shutil.rmtree(folder, ignore_errors=True)


def _limit_threads():
    resource.setrlimit(resource.RLIMIT_NPROC, (NPROC, NPROC))


def small_dyno(user, database_url, env):
    os.makedirs(os.path.join(ROOT, "instance"), exist_ok=True)  # that user cannot create it
    env = {**FAST_ENV, **(redis_env() if TEST_REDIS else {}), "MAX_STREAMS": None,
           "PYTHONDONTWRITEBYTECODE": "1",
           # The test database's role is ours (libpq would take the OS user's name).
           "PGUSER": os.environ.get("PGUSER") or pwd.getpwuid(os.getuid()).pw_name, **env}
    return ServerProcess(database_url, env, command=_interpreter(user), user=user.pw_uid,
                         group=user.pw_gid, extra_groups=[], preexec_fn=_limit_threads)


def _log(server) -> str:
    with open(server.log_path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def test_defaults_fit_ulimit_u_256_and_serve(dyno_user, database):
    server = small_dyno(dyno_user, database, {}).start(timeout=40)
    try:
        api = Api(server.url)
        chosen = [line for line in _log(server).splitlines() if "MAX_STREAMS=" in line]
        assert chosen and "RLIMIT_NPROC (ulimit -u) 256" in chosen[0], chosen
        slots = api.metrics()["coding_duo_stream_slots"]
        # 40 pairs with two tabs each fit, and waitress's threads fit the limit.
        assert 80 <= slots <= NPROC - 16, chosen
        code = api.create_room(3_000)
        clients = [stream(server.url, code) for _ in range(20)]
        assert {c.status for c in clients} == {200}
        api.start(code)
        for client in clients:
            client.wait_event("remaining-time", "2000", timeout=3)
        assert clients[0].named("room")[-1].json()["timer"]["status"] == "RUNNING"
        for client in clients:
            client.close()
    finally:
        server.stop()


def test_a_configured_max_streams_that_cannot_fit_stops_with_one_line(dyno_user, database):
    server = small_dyno(dyno_user, database, {"MAX_STREAMS": "500"})
    with pytest.raises(RuntimeError, match="server exited with 1"):
        server.start(timeout=40)
    log = _log(server)
    assert "Traceback" not in log, log
    lines = [line for line in log.splitlines() if line.startswith("MAX_STREAMS=500 does not fit")]
    assert len(lines) == 1 and "RLIMIT_NPROC (ulimit -u) 256" in lines[0], log
