"""Test helpers: a real server process, and an SSE client over a raw socket
that timestamps every event on arrival, as a browser would see it."""
from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import requests

from zygote import Zygote

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``python app.py`` on a free port, as README runs it."""

    def __init__(self, database_url: str, env: dict | None = None, port: int | None = None,
                 command: list | None = None, **popen):
        """``env`` values of None unset the variable (the server's default applies);
        ``command`` and ``popen`` change how the process is started."""
        self.database_url = database_url
        self.port = port or free_port()
        self.extra_env = dict(env or {})
        self.command = command or [sys.executable, "app.py"]
        self.popen = popen
        self.proc: subprocess.Popen | None = None
        self.log_path = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_path: str | None = None, timeout: float = 60) -> "ServerProcess":
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.database_url, "PORT": str(self.port), "HOST": "127.0.0.1",
            "PYTHONUNBUFFERED": "1",
            # Every test talks from 127.0.0.1: per-client limits are tested on their own.
            "RATE_LIMITS_ENABLED": "false", "MAX_STREAMS_PER_CLIENT": "1000",
        })
        env.update(self.extra_env)
        env = {name: value for name, value in env.items() if value is not None}
        first_start = self.log_path is None
        self.log_path = log_path or os.path.join(ROOT, "tests", "artifacts", f"server-{self.port}.log")
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        if first_start and log_path is None:
            # One log per server, across its own restarts only: a port used again by a
            # later server (another test's) must not hand it the earlier one's lines (a
            # test read the first "MAX_STREAMS=" line, and it was a root server's).
            open(self.log_path, "wb").close()
        warm = Zygote.get() if self.command == [sys.executable, "app.py"] and not self.popen else None
        if warm is not None:  # ``python app.py`` forked from imported libraries (tests/zygote.py)
            self.proc = warm.fork(["app.py"], ROOT, env, self.log_path)
        else:
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=log,
                                             stderr=subprocess.STDOUT, **self.popen)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if requests.get(self.url + "/api/health-check", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not come up; see {self.log_path}")

    def stop(self, sig=signal.SIGTERM, timeout: float = 10) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout)

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


class Api:
    """JSON calls against one server."""

    def __init__(self, base_url: str):
        self.base = base_url
        self.http = requests.Session()

    def call(self, method: str, path: str, json_body=None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if json_body is not None:
            kwargs["data"] = json.dumps(json_body)
            headers.setdefault("Content-Type", "application/json")
        return self.http.request(method, self.base + path, headers=headers, timeout=10, **kwargs)

    def create_room(self, duration_ms: int = 60_000, **fields) -> str:
        body = {"driver": "Ann", "navigator": "Bob", "timerDuration": duration_ms, **fields}
        response = self.call("POST", "/api/pair-room", body)
        assert response.status_code == 201, response.text
        return response.json()["accessCode"]

    def start(self, code):
        return self.call("PATCH", f"/api/{code}/timer/start",
                         headers={"Content-Type": "application/json"})

    def stop(self, code):
        return self.call("PATCH", f"/api/{code}/timer/stop",
                         headers={"Content-Type": "application/json"})

    def timer(self, code) -> dict:
        response = self.call("GET", f"/api/{code}/timer")
        assert response.status_code == 200, response.text
        return response.json()

    def metrics(self) -> dict[str, float]:
        """The server's /metrics as {name: value} (samples without labels)."""
        text = self.call("GET", "/metrics").text
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#") and "{" not in line:
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
        return values

    def room(self, code) -> dict:
        response = self.call("GET", f"/api/pair-room/{code}")
        assert response.status_code == 200, response.text
        return response.json()


@dataclass
class Event:
    event: str
    data: str
    id: str | None
    at: float  # time.time() on arrival

    def json(self):
        return json.loads(self.data)


@dataclass
class SSEClient:
    """A live stream read on a background thread."""

    base_url: str
    path: str
    headers: dict = field(default_factory=dict)
    status: int | None = None
    response_headers: dict = field(default_factory=dict)
    events: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    retry: list = field(default_factory=list)
    ended: bool = False
    connected_at: float | None = None
    first_byte_at: float | None = None
    body: bytes = b""

    def open(self, timeout: float = 5) -> "SSEClient":
        host, port = self.base_url.removeprefix("http://").split(":")
        self._cond = threading.Condition()
        self.connected_at = time.time()
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        lines = [f"GET {self.path} HTTP/1.1", f"Host: {host}:{port}", "Accept: text/event-stream"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        with self._cond:
            self._cond.wait_for(lambda: self.status is not None or self.ended, timeout)
        return self

    def _read(self):
        buffer = b""
        try:
            self.sock.settimeout(None)
            while b"\r\n\r\n" not in buffer:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed before headers")
                if self.first_byte_at is None:
                    self.first_byte_at = time.time()
                buffer += chunk
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            head_lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in head_lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            with self._cond:
                self.response_headers = headers
                self.status = int(head_lines[0].split()[1])
                self._cond.notify_all()
            chunked = headers.get("transfer-encoding") == "chunked"
            raw = buffer
            text = b""
            while True:
                if chunked:
                    raw, decoded, done = _dechunk(raw)
                    text += decoded
                else:
                    text += raw
                    raw = b""
                    done = False
                text = self._parse(text)
                if done:
                    break
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                raw += chunk
        except (OSError, ConnectionError):
            pass
        finally:
            with self._cond:
                self.ended = True
                self._cond.notify_all()

    def _parse(self, text: bytes) -> bytes:
        self.body += text
        while b"\n\n" in text:
            block, text = text.split(b"\n\n", 1)
            now = time.time()
            name, data, event_id = "message", [], None
            for line in block.decode("utf-8").split("\n"):
                if line.startswith(":"):
                    with self._cond:
                        self.comments.append((line[1:].strip(), now))
                    continue
                key, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if key == "event":
                    name = value
                elif key == "data":
                    data.append(value)
                elif key == "id":
                    event_id = value
                elif key == "retry":
                    self.retry.append(value)
            if data:
                with self._cond:
                    self.events.append(Event(name, "\n".join(data), event_id, now))
                    self._cond.notify_all()
        return text

    def wait_for(self, predicate, timeout: float = 5):
        """Wait until ``predicate(events)`` is truthy; returns its value."""
        with self._cond:
            ok = self._cond.wait_for(lambda: predicate(self.events) or self.ended, timeout)
            result = predicate(self.events)
        assert result, f"timed out; events so far: {[(e.event, e.data[:60]) for e in self.events]}"
        return result

    def wait_event(self, name: str, data: str | None = None, after: int = 0, timeout: float = 5) -> Event:
        def find(events):
            for e in events[after:]:
                if e.event == name and (data is None or e.data == data):
                    return e
            return None
        return self.wait_for(find, timeout)

    def wait_ended(self, timeout: float = 5) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self.ended, timeout)

    def named(self, name: str) -> list:
        with self._cond:
            return [e for e in self.events if e.event == name]

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def reset(self):
        """Vanish without a FIN: the kernel sends RST (a crashed or killed browser)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


def _dechunk(raw: bytes):
    out = b""
    while True:
        head, sep, rest = raw.partition(b"\r\n")
        if not sep:
            return raw, out, False
        size = int(head.split(b";")[0], 16)
        if size == 0:
            return b"", out, True
        if len(rest) < size + 2:
            return raw, out, False
        out += rest[:size]
        raw = rest[size + 2:]


def stream(base_url: str, code: str, **headers) -> SSEClient:
    return SSEClient(base_url, f"/api/{code}/connect", headers=headers).open()


def request_log_lines(log_path: str) -> list[dict]:
    """The server's request log: each line that is a JSON object from ``coding_duo.request``."""
    lines = []
    with open(log_path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("{") and '"coding_duo.request"' in line:
                lines.append(json.loads(line))
    return lines
