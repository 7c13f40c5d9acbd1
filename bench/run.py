"""The whole comparison in one command: start each server the way its users
would, load it with bench/loadgen.py at growing stream counts, and write
bench/results/results.md, results.json and PNG plots.

    .venv/bin/python bench/run.py                   # everything (about 20 minutes)
    .venv/bin/python bench/run.py --smoke           # a few streams, a few seconds
    .venv/bin/python bench/run.py --soak 1500       # one 25-minute turn: drift

Servers (all on this machine, in this run):
  duo        Coding Duo as README runs it: python app.py (waitress, one process, SQLite)
  duo2       Coding Duo, two processes behind Redis, PostgreSQL (a room's two clients
             on different processes)
  flask-sse  Flask + flask-sse on gunicorn with gevent workers (2), Redis
  starlette  sse-starlette on uvicorn (one process)
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

from report import write_report  # bench/report.py (run as a script: bench/ is on the path)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
LEVELS = [10, 100, 500, 1000, 2000]
BEYOND = [3000, 4000, 5000, 6000, 8000]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not come up")


# The load generator is one client creating thousands of rooms and streams: Coding
# Duo's per-client rate limits and stream cap would (rightly) stop it.
DUO_ENV = {"HOST": "127.0.0.1", "RATE_LIMITS_ENABLED": "false", "MAX_STREAMS_PER_CLIENT": "100000"}


class Servers:
    """The processes of one server under test."""

    def __init__(self, name: str, max_streams: int, log_dir: str):
        self.name, self.max_streams, self.log_dir = name, max_streams, log_dir
        self.procs: list[subprocess.Popen] = []
        self.urls: list[str] = []
        self.cleanup = []

    def _spawn(self, cmd, env, port):
        log = open(os.path.join(self.log_dir, f"{self.name}-{port}.log"), "ab")
        full_env = dict(os.environ, **env)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        wait_up(port, proc)
        self.urls.append(f"http://127.0.0.1:{port}")

    def start(self):
        py = sys.executable
        if self.name == "duo":
            port = free_port()
            db = os.path.join(tempfile.mkdtemp(prefix="duo-bench-"), "bench.sqlite3")
            self._spawn([py, "app.py"], dict(DUO_ENV, PORT=str(port), DATABASE_URL=f"sqlite:///{db}",
                                             MAX_STREAMS=str(self.max_streams + 100)), port)
        elif self.name == "duo2":
            import psycopg
            schema = "bench_" + uuid.uuid4().hex[:10]
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
            self.cleanup.append(lambda: _drop_schema(schema))
            env = {**DUO_ENV, "DATABASE_URL": f"{PG_URL}?options=-csearch_path%3D{schema}",
                   "REDIS_URL": REDIS_URL, "REDIS_NAMESPACE": "bench-" + schema,
                   "MAX_STREAMS": str(self.max_streams // 2 + 100)}
            for _ in range(2):
                port = free_port()
                self._spawn([py, "app.py"], dict(env, PORT=str(port)), port)
        elif self.name == "flask-sse":
            port = free_port()
            self._spawn([os.path.join(os.path.dirname(py), "gunicorn"), "-k", "gevent", "-w", "2",
                         "--worker-connections", "20000", "-b", f"127.0.0.1:{port}",
                         "--log-level", "warning", "bench.peers.flask_sse_app:app"],
                        {"REDIS_URL": REDIS_URL, "PEER_NAMESPACE": "bench-" + uuid.uuid4().hex[:8]}, port)
        elif self.name == "starlette":
            port = free_port()
            self._spawn([py, "-m", "uvicorn", "bench.peers.starlette_app:app", "--port", str(port),
                         "--log-level", "warning", "--no-access-log"], {}, port)
        else:
            raise ValueError(self.name)
        return self

    def processes(self):
        import psutil
        found = []
        for proc in self.procs:
            try:
                parent = psutil.Process(proc.pid)
                found += [parent] + parent.children(recursive=True)
            except psutil.NoSuchProcess:
                pass
        return found

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for job in self.cleanup:
            job()


def _drop_schema(schema):
    import psycopg
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def cpu_seconds(processes) -> float:
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except Exception:  # noqa: BLE001
            pass
    return total


def rss_mb(processes) -> float:
    total = 0
    for p in processes:
        try:
            total += p.memory_info().rss
        except Exception:  # noqa: BLE001
            pass
    return total / 2**20


CLIENTS = {"loadgen": "loadgen.py", "sockclient": "sockclient.py"}


def run_level(name: str, streams: int, args, log_dir: str, client: str = "loadgen") -> dict:
    """One server at one level, loaded by ``client``. CPU is read twice: over the whole
    level (``cpu_percent``: setup, connects and all) and over the measured window only,
    between the client's ``measure-start`` and ``measure-end`` lines, which is what
    ``cpu_us_per_event`` divides by the events the client received in that window."""
    servers = Servers(name, streams, log_dir).start()
    try:
        procs = servers.processes()
        cpu0, wall0 = cpu_seconds(procs), time.monotonic()
        out = os.path.join(log_dir, f"{name}-{streams}-{client}.json")
        cmd = [sys.executable, os.path.join(ROOT, "bench", CLIENTS[client]), "--streams", str(streams),
               "--measure", str(args.measure), "--out", out]
        for url in servers.urls:
            cmd += ["--url", url]
        peak, loadgen_cpu = 0.0, 0.0
        loadgen = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        marks = {}

        def read_marks():
            for line in loadgen.stdout:
                if line.strip() in (b"measure-start", b"measure-end"):
                    marks[line.strip().decode()] = (cpu_seconds(servers.processes()), time.monotonic())
        import threading
        reader = threading.Thread(target=read_marks, daemon=True)
        reader.start()
        import psutil
        loadgen_proc = psutil.Process(loadgen.pid)
        while loadgen.poll() is None:
            peak = max(peak, rss_mb(servers.processes()))
            loadgen_cpu = max(loadgen_cpu, cpu_seconds([loadgen_proc]))
            time.sleep(0.5)
        reader.join(5)
        procs = servers.processes()
        cpu = (cpu_seconds(procs) - cpu0) / (time.monotonic() - wall0) * 100
        if loadgen.returncode != 0:
            return {"server": name, "streams": streams, "client": client, "failed": True,
                    "error": loadgen.stderr.read().decode()[-500:]}
        with open(out) as handle:
            result = json.load(handle)
        result.update(server=name, client=client, rss_mb=round(peak, 1), cpu_percent=round(cpu, 1),
                      loadgen_cpu_percent=round(loadgen_cpu / (time.monotonic() - wall0) * 100, 1))
        if "measure-start" in marks and "measure-end" in marks:
            (c0, t0), (c1, t1) = marks["measure-start"], marks["measure-end"]
            result["window_cpu_s"] = round(c1 - c0, 3)
            result["window_cpu_percent"] = round((c1 - c0) / (t1 - t0) * 100, 1)
            events = result.get("events_in_window") or 0
            result["cpu_us_per_event"] = round((c1 - c0) / events * 1e6, 2) if events else None
        result["failed"] = failed(result)
        return result
    finally:
        servers.stop()


def failed(result: dict) -> bool:
    """A level the server did not hold: refused or stalled streams, or ticks a second late."""
    streams = result["streams"]
    p99 = result["tick_latency_ms"]["p99"]
    return (result["refused"] > 0.01 * streams or result["stalled"] > 0.01 * streams
            or p99 is None or p99 > 1000)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", default="duo,duo2,flask-sse,starlette")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    parser.add_argument("--beyond", default=",".join(map(str, BEYOND)),
                        help="further levels, run until a server fails")
    parser.add_argument("--measure", type=float, default=10)
    parser.add_argument("--smoke", action="store_true", help="a few streams, a few seconds")
    parser.add_argument("--soak", type=float, help="seconds of one long turn (drift)")
    parser.add_argument("--clients", default="loadgen,sockclient",
                        help="load clients, each running the whole comparison (bench/loadgen.py, "
                             "bench/sockclient.py)")
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args()
    log_dir = tempfile.mkdtemp(prefix="duo-bench-logs-")
    if args.smoke:
        args.levels, args.beyond, args.measure = "4", "", 2
    if args.soak:
        return soak(args, log_dir)
    results = []
    for client in args.clients.split(","):
        for name in args.servers.split(","):
            levels = [int(n) for n in args.levels.split(",") if n]
            levels += [int(n) for n in args.beyond.split(",") if n]
            for streams in levels:
                print(f"{client} / {name}: {streams} streams ...", flush=True)
                result = run_level(name, streams, args, log_dir, client)
                results.append(result)
                print(f"  tick p99 {result.get('tick_latency_ms', {}).get('p99')} "
                      f"api p99 {result.get('api_ms', {}).get('p99')} cpu {result.get('cpu_percent')} "
                      f"us/event {result.get('cpu_us_per_event')} "
                      f"client cpu {result.get('loadgen_cpu_percent')} failed={result.get('failed')}",
                      flush=True)
                if result.get("failed") and streams >= max(LEVELS):
                    break  # beyond the standard levels, stop at the first failure
    title = "Coding Duo benchmark (smoke)" if args.smoke else "Coding Duo benchmark"
    write_report(results, args.out, title)
    print(f"wrote {args.out}/results.md (logs in {log_dir})")
    return 0 if all(not r.get("error") for r in results) else 1


def soak(args, log_dir):
    """One 25-minute turn on Coding Duo: tick latency per minute must not grow."""
    servers = Servers("duo", 20, log_dir).start()
    try:
        out = os.path.join(args.out, "soak.json")
        os.makedirs(args.out, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "loadgen.py"), "--url", servers.urls[0],
                        "--streams", "20", "--measure", str(args.soak), "--out", out,
                        "--api-rate", "1", "--api-callers", "1"], check=True, stdout=subprocess.DEVNULL)
    finally:
        servers.stop()
    with open(out) as handle:
        result = json.load(handle)
    minutes = result.get("tick_latency_by_minute_ms", [])
    print(json.dumps({"tick_latency_ms": result["tick_latency_ms"], "value_error_ms": result["value_error_ms"],
                      "reconnects": result["reconnects"], "by_minute": minutes}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
