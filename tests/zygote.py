"""A warm start for the servers under test: one process per test process imports the
libraries the app is made of (Flask, SQLAlchemy, Alembic, psycopg, redis, waitress,
APScheduler, pydantic, Babel: about 1.5 s of CPU on this machine, most of a server's
start) and forks a server from that state for each ``ServerProcess`` (tests/support.py).

The child then is ``python app.py``: it imports the project itself (nothing of
``coding_duo`` is imported before the fork, so configuration is read afresh), with the
server's environment, working directory, ``sys.argv`` and unbuffered output to its log,
signals as a new interpreter has them, and it exits as one does (threads joined, atexit
run). It is forked twice, so that it becomes a child of the test process (which is
made a child subreaper): the test waits for it, signals it and reads its exit status
as for any ``subprocess.Popen``.

Used unless ``TEST_FORK_SERVERS=0``, and only for the plain ``python app.py`` (a test
that starts the server another way, as another user or under a limit, spawns it).
"""
from __future__ import annotations

import ctypes
import json
import os
import socket
import subprocess
import sys
import threading
import time

PRELOAD = ("flask", "werkzeug.serving", "sqlalchemy", "sqlalchemy.orm", "sqlalchemy.dialects.postgresql",
           "sqlalchemy.dialects.sqlite", "flask_sqlalchemy", "flask_migrate", "alembic.command",
           "alembic.runtime.migration", "alembic.ddl.postgresql", "alembic.ddl.sqlite", "psycopg",
           "redis", "waitress", "waitress.server", "apscheduler.schedulers.background",
           "apscheduler.triggers.interval", "apscheduler.triggers.date", "pydantic",
           "flask_babel", "babel.numbers", "babel.dates", "babel.messages.mofile", "requests",
           # The project's modules too: they read no setting when imported (all of them are
           # read by create_app, which runs in the child: coding_duo/config.py).
           "coding_duo", "coding_duo.streams.dispatch", "coding_duo.streams.serving",
           "coding_duo.streams.sizing", "coding_duo.web.metrics")
PR_SET_CHILD_SUBREAPER = 36
HERE = os.path.dirname(os.path.abspath(__file__))


def serve(sock: socket.socket) -> None:
    """The zygote's loop: one JSON request per line, the new server's pid back."""
    sys.path.insert(0, os.path.dirname(HERE))  # the checkout, as for ``python app.py``
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    assert threading.active_count() == 1, "the zygote must have no thread when it forks"
    sock.sendall(b"ready\n")
    requests_in = sock.makefile("rb")
    for line in requests_in:
        request = json.loads(line)
        reader, writer = os.pipe()
        middle = os.fork()
        if middle == 0:  # the middle process: forks the server, says its pid, is gone
            os.close(reader)
            server = os.fork()
            if server == 0:
                os.close(writer)
                sock.close()
                _become_server(request)  # never returns: the interpreter exits as a server
            os.write(writer, str(server).encode())
            os._exit(0)
        os.close(writer)
        with os.fdopen(reader, "rb") as pid_pipe:
            pid = int(pid_pipe.read())
        os.waitpid(middle, 0)  # gone: the server is now the test process's child
        sock.sendall(f"{pid}\n".encode())


def _become_server(request: dict) -> None:
    import io
    import random
    import runpy
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
        signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)
    log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.closerange(3, 65536)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True,
                                  errors="backslashreplace")
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    random.seed()  # not the zygote's sequence, shared by every server it forks
    script = os.path.join(request["cwd"], request["argv"][0])
    sys.argv = list(request["argv"])
    sys.path[:] = [os.path.dirname(script)] + [p for p in sys.path[1:] if p not in ("", HERE)]
    runpy.run_path(script, run_name="__main__")
    sys.exit(0)


class ForkedServer:
    """What tests use of ``subprocess.Popen``, for a server forked by the zygote."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"server {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        import signal
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        import signal
        self.send_signal(signal.SIGKILL)


class Zygote:
    _lock = threading.Lock()
    _instance: "Zygote | None" = None
    _broken = False

    def __init__(self):
        ours, theirs = socket.socketpair()
        code = ("import socket, sys; sys.path.insert(0, %r); import zygote; "
                "zygote.serve(socket.socket(fileno=%d))") % (HERE, theirs.fileno())
        self.proc = subprocess.Popen([sys.executable, "-c", code], pass_fds=[theirs.fileno()])
        theirs.close()
        self.sock = ours
        self.replies = ours.makefile("rb")
        if self.replies.readline() != b"ready\n":
            raise RuntimeError("the server zygote did not start")

    @classmethod
    def get(cls) -> "Zygote | None":
        """The test process's zygote, started on first use; None where it cannot be."""
        if os.environ.get("TEST_FORK_SERVERS") == "0" or cls._broken:
            return None
        with cls._lock:
            if cls._instance is None:
                try:
                    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
                        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
                    cls._instance = Zygote()
                except (OSError, RuntimeError, AttributeError) as error:
                    print(f"servers are spawned, not forked: {error}", file=sys.stderr)
                    cls._broken = True
                    return None
            return cls._instance

    def fork(self, argv: list[str], cwd: str, env: dict, log: str) -> ForkedServer:
        with self._lock:
            self.sock.sendall(json.dumps({"argv": argv, "cwd": cwd, "env": env, "log": log}).encode() + b"\n")
            reply = self.replies.readline()
        if not reply:
            raise RuntimeError("the server zygote is gone")
        return ForkedServer(int(reply))
