"""The benchmark keeps working: a tiny run (a few streams, a few seconds) of every
server it compares. The real numbers come from `bench/run.py`, not from here."""
import json
import os
import subprocess
import sys

import pytest

from databases import pg_unavailable_reason, redis_unavailable_reason
from support import ROOT

pytestmark = pytest.mark.once  # see tests/conftest.py


def test_bench_smoke(tmp_path):
    servers = ["duo", "starlette"]
    missing = pg_unavailable_reason() or redis_unavailable_reason()
    if not missing or os.environ.get("CI") == "true":
        servers += ["duo2", "flask-sse"]  # these need PostgreSQL and Redis
    result = subprocess.run(
        [sys.executable, "bench/run.py", "--smoke", "--servers", ",".join(servers),
         "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    rows = json.loads((tmp_path / "results.json").read_text())
    clients = ["loadgen", "sockclient"]  # each runs the whole comparison: two clients' figures
    assert [(r["client"], r["server"]) for r in rows] == [(c, s) for c in clients for s in servers]
    for row in rows:
        assert row["refused"] == 0 and row["tick_latency_ms"]["n"] > 0, row
        assert row["api_ms"]["n"] > 0 and row["connect_to_state_ms"]["n"] > 0, row
        assert row["events_in_window"] > 0 and row["cpu_us_per_event"] > 0, row
    report = (tmp_path / "results.md").read_text()
    assert all(f"| {c} | {s} |" in report for c in clients for s in servers)
    for plot in ("tick_p99.png", "api_p99.png", "rss.png", "cpu.png"):
        assert (tmp_path / plot).stat().st_size > 5_000
