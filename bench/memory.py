"""Memory after many rooms: does a process give back what idle rooms cost?

Starts ``python app.py`` (SQLite, a temporary database) with a short
``ROOM_MEMORY_IDLE_SECONDS`` and records its RSS; warms it up with a first batch
of rooms (imports, caches, the waitress threads that serve: woken most recently
idle first, a few of them) and records RSS again once they are idle; then
creates N rooms and, for each, opens a stream, starts, pauses and leaves; waits
for the idle time and reads RSS and the per-room entries of /metrics again.

    python bench/memory.py --rooms 20000
"""
from __future__ import annotations

import argparse
import gc
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_parts(pid: int) -> dict[str, float]:
    """Resident MB by kind of mapping: the main heap, other anonymous memory (malloc
    arenas of threads, Python's arenas, thread stacks) and files (code, libraries)."""
    parts = {"heap": 0.0, "anon": 0.0, "file": 0.0}
    kind = "anon"
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if not fields[0].endswith(":") or fields[0][0].isdigit() and "-" in fields[0]:
                name = fields[5] if len(fields) > 5 else ""
                kind = "heap" if name == "[heap]" else ("file" if name.startswith("/") else "anon")
            elif fields[0] == "Rss:":
                parts[kind] += int(fields[1]) / 1024
    return {k: round(v, 1) for k, v in parts.items()}


def entries(base: str) -> dict[str, int]:
    """Per-room entries by structure, and how many waitress threads ever served."""
    text = requests.get(base + "/metrics", timeout=10).text
    found = {m.group(1): int(float(m.group(2))) for m in
             re.finditer(r'^coding_duo_room_entries\{structure="(\w+)"\} (\S+)$', text, re.M)}
    used = re.search(r"^coding_duo_server_threads_used (\S+)$", text, re.M)
    if used:
        found["waitress threads used"] = int(float(used.group(1)))
    return found


def open_and_leave(port: int, code: str) -> None:
    """A browser that connects, reads the state snapshot and goes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET /api/{code}/connect HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        seen = b""
        while b"event: room" not in seen:
            chunk = sock.recv(65536)
            if not chunk:
                break
            seen += chunk


def one_room(base: str, port: int, session: requests.Session) -> None:
    code = session.post(base + "/api/pair-room", json={"driver": "A", "navigator": "B",
                                                       "timerDuration": 600_000}, timeout=10).json()["accessCode"]
    open_and_leave(port, code)
    session.patch(f"{base}/api/{code}/timer/start", timeout=10)
    session.patch(f"{base}/api/{code}/timer/stop", timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=20_000)
    parser.add_argument("--idle-seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--warm-up", type=int, default=2_000)
    parser.add_argument("--batches", type=int, default=1,
                        help="batches of --rooms, one after another (does memory keep growing?)")
    args = parser.parse_args()
    gc.disable()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    folder = tempfile.mkdtemp(prefix="duo-memory-")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3", "PORT": str(port),
           "HOST": "127.0.0.1", "RATE_LIMITS_ENABLED": "false", "EMPTY_ROOM_GRACE_SECONDS": "0",
           "ROOM_MEMORY_IDLE_SECONDS": str(args.idle_seconds)}
    server = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                              stdout=open(os.path.join(folder, "server.log"), "w"),
                              stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                requests.get(base + "/api/health-check", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        time.sleep(1)
        fresh = rss_mb(server.pid)
        sessions = [requests.Session() for _ in range(args.workers)]

        def rooms(count):
            with ThreadPoolExecutor(args.workers) as pool:
                list(pool.map(lambda n: one_room(base, port, sessions[n % args.workers]), range(count)))

        rooms(args.warm_up)
        time.sleep(args.idle_seconds + 15)  # idle, the sweep's next look, a trim
        before = rss_mb(server.pid)
        print(f"RSS fresh: {fresh:.1f} MB; after a warm-up of {args.warm_up} rooms, idle: "
              f"{before:.1f} MB {rss_parts(server.pid)}", flush=True)
        for batch in range(1, args.batches + 1):
            started = time.monotonic()
            rooms(args.rooms)
            took = time.monotonic() - started
            peak, held = rss_mb(server.pid), entries(base)
            time.sleep(args.idle_seconds + 15)
            after, left = rss_mb(server.pid), entries(base)
            print(f"batch {batch}: {args.rooms} rooms (created, opened, started, paused, left in "
                  f"{took:.0f} s)")
            print(f"  RSS after them: {peak:.1f} MB; {args.idle_seconds:.0f} s idle later: "
                  f"{after:.1f} MB ({after - before:+.1f} MB against the warmed-up process, "
                  f"{after - fresh:+.1f} MB against the fresh one) {rss_parts(server.pid)}")
            print(f"  per-room entries after the rooms: {held}")
            print(f"  per-room entries once idle:       {left}", flush=True)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
