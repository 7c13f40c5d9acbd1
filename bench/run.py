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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
LEVELS = [10, 100, 500, 1000, 2000]
BEYOND = [3000, 4000, 5000, 6000, 8000]
CAPACITY_TICK_P99_MS = 100  # "holds N streams": tick p99 at most this, and not failed()


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


def run_level(name: str, streams: int, args, log_dir: str) -> dict:
    servers = Servers(name, streams, log_dir).start()
    try:
        procs = servers.processes()
        cpu0, wall0 = cpu_seconds(procs), time.monotonic()
        out = os.path.join(log_dir, f"{name}-{streams}.json")
        cmd = [sys.executable, os.path.join(ROOT, "bench", "loadgen.py"), "--streams", str(streams),
               "--measure", str(args.measure), "--out", out]
        for url in servers.urls:
            cmd += ["--url", url]
        peak, loadgen_cpu = 0.0, 0.0
        loadgen = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        import psutil
        loadgen_proc = psutil.Process(loadgen.pid)
        while loadgen.poll() is None:
            peak = max(peak, rss_mb(servers.processes()))
            loadgen_cpu = max(loadgen_cpu, cpu_seconds([loadgen_proc]))
            time.sleep(0.5)
        procs = servers.processes()
        cpu = (cpu_seconds(procs) - cpu0) / (time.monotonic() - wall0) * 100
        if loadgen.returncode != 0:
            return {"server": name, "streams": streams, "failed": True,
                    "error": loadgen.stderr.read().decode()[-500:]}
        with open(out) as handle:
            result = json.load(handle)
        result.update(server=name, rss_mb=round(peak, 1), cpu_percent=round(cpu, 1),
                      loadgen_cpu_percent=round(loadgen_cpu / (time.monotonic() - wall0) * 100, 1))
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


def fmt(value, digits=1):
    return "–" if value is None else f"{value:.{digits}f}"


def write_report(results: list[dict], out_dir: str, title: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.json"), "w") as handle:
        json.dump(results, handle, indent=1)
    lines = [f"# {title}", "",
             f"Machine: {os.cpu_count()} cores; load generator on the same machine. "
             "Latencies in ms (p50 / p99). Tick = arrival minus the instant the remaining time "
             "crossed that second; spread = the two clients of a room, same tick; "
             "cmd→event = pause command to the event at each client; "
             "connect→state = a single join while loaded.", "",
             "| server | streams | tick p50 / p99 / max | value err p99 | spread p99 | cmd→event p50 / p99 "
             "| API p50 / p99 | connect→state p50 / p99 | refused | stalled | RSS MB | CPU % |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if r.get("error"):
            lines.append(f"| {r['server']} | {r['streams']} | failed: {r['error'][:60]!r} |||||||||| ")
            continue
        t, v, s = r["tick_latency_ms"], r["value_error_ms"], r["spread_ms"]
        c, a, k = r["pause_to_event_ms"], r["api_ms"], r["connect_to_state_ms"]
        mark = " **(failed)**" if r["failed"] else ""
        lines.append(
            f"| {r['server']} | {r['streams']}{mark} | {fmt(t['p50'])} / {fmt(t['p99'])} / {fmt(t['max'])} "
            f"| {fmt(v['p99'])} | {fmt(s['p99'])} | {fmt(c['p50'])} / {fmt(c['p99'])} "
            f"| {fmt(a['p50'])} / {fmt(a['p99'])} | {fmt(k['p50'])} / {fmt(k['p99'])} "
            f"| {r['refused']} | {r['stalled']} | {fmt(r['rss_mb'], 0)} | {fmt(r['cpu_percent'], 0)} |")
    lines += capacity_lines(results)
    with open(os.path.join(out_dir, "results.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    plot(results, out_dir)


def held(result: dict) -> bool:
    p99 = (result.get("tick_latency_ms") or {}).get("p99")
    return (not result.get("error") and not result["failed"]
            and p99 is not None and p99 <= CAPACITY_TICK_P99_MS)


def capacity_lines(results: list[dict]) -> list[str]:
    """Per server, the most streams it held among the levels run, and duo2 against duo."""
    best = {}
    for r in results:
        if held(r) and r["streams"] > best.get(r["server"], {}).get("streams", 0):
            best[r["server"]] = r
    if not best:
        return []
    lines = ["", f"## Capacity: the most streams held with tick p99 ≤ {CAPACITY_TICK_P99_MS} ms "
                 "(at most 1 % refused or stalled), among the levels run", "",
             "| server | streams | tick p99 | API p99 | server CPU % | load generator CPU % |",
             "|---|---|---|---|---|---|"]
    for name, r in best.items():
        lines.append(f"| {name} | {r['streams']} | {fmt(r['tick_latency_ms']['p99'])} "
                     f"| {fmt(r['api_ms']['p99'])} | {fmt(r['cpu_percent'], 0)} "
                     f"| {fmt(r.get('loadgen_cpu_percent'), 0)} |")
    if "duo" in best and "duo2" in best:
        lines += ["", f"Two processes hold {best['duo2']['streams'] / best['duo']['streams']:.2f}× "
                      "what one holds, at the levels run."]
    return lines


def plot(results: list[dict], out_dir: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ok = [r for r in results if not r.get("error")]
    charts = [("tick_p99.png", "tick delivery p99 (ms)", lambda r: r["tick_latency_ms"]["p99"], 100),
              ("api_p99.png", "API p99 while loaded (ms)", lambda r: r["api_ms"]["p99"], 50),
              ("rss.png", "server RSS (MB)", lambda r: r["rss_mb"], None),
              ("cpu.png", "server CPU (% of one core)", lambda r: r["cpu_percent"], None)]
    for filename, label, value, target in charts:
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for server in dict.fromkeys(r["server"] for r in ok):
            points = [(r["streams"], value(r)) for r in ok if r["server"] == server and value(r) is not None]
            if points:
                ax.plot(*zip(*points), marker="o", label=server)
        if target:
            ax.axhline(target, color="grey", linestyle="--", linewidth=1, label=f"target {target}")
        ax.set_xscale("log")
        ax.set_xlabel("open streams")
        ax.set_ylabel(label)
        ax.grid(True, alpha=.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, filename), dpi=110)
        plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", default="duo,duo2,flask-sse,starlette")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    parser.add_argument("--beyond", default=",".join(map(str, BEYOND)),
                        help="further levels, run until a server fails")
    parser.add_argument("--measure", type=float, default=10)
    parser.add_argument("--smoke", action="store_true", help="a few streams, a few seconds")
    parser.add_argument("--soak", type=float, help="seconds of one long turn (drift)")
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args()
    log_dir = tempfile.mkdtemp(prefix="duo-bench-logs-")
    if args.smoke:
        args.levels, args.beyond, args.measure = "4", "", 2
    if args.soak:
        return soak(args, log_dir)
    results = []
    for name in args.servers.split(","):
        levels = [int(n) for n in args.levels.split(",") if n]
        levels += [int(n) for n in args.beyond.split(",") if n]
        for streams in levels:
            print(f"{name}: {streams} streams ...", flush=True)
            result = run_level(name, streams, args, log_dir)
            results.append(result)
            print(f"  tick p99 {result.get('tick_latency_ms', {}).get('p99')} "
                  f"api p99 {result.get('api_ms', {}).get('p99')} cpu {result.get('cpu_percent')} "
                  f"loadgen cpu {result.get('loadgen_cpu_percent')} failed={result.get('failed')}", flush=True)
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
