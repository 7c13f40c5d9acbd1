"""Fuzzing the API against its own OpenAPI document (schemathesis, seeded): no server
error and no answer off the document. A file of its own, so that a parallel run
(scripts/test) gives this long test a worker while test_hardening.py runs on another."""
from __future__ import annotations

import os
import subprocess
import sys

from suite_env import TEST_DATABASE
from support import ROOT


def test_schemathesis_finds_no_server_error_and_no_response_off_the_document(start_server, tmp_path):
    server = start_server()
    report = tmp_path / "report.json"
    env = {**os.environ, "SCHEMATHESIS_HOOKS": os.path.join(ROOT, "tests", "web", "schemathesis_hooks.py")}
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "schemathesis"), "run",
         f"{server.url}/api/openapi.json",
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                     "response_schema_conformance",
         # Round 2 fuzzes what PostgreSQL adds (text it refuses, types it checks) with fewer
         # examples: round 1 has fuzzed the same document and handlers with 25.
         "--max-examples", os.environ.get("FUZZ_EXAMPLES", "25" if TEST_DATABASE == "sqlite" else "10"),
         "--seed", "2026",
         "--exclude-path", "/api/{code}/connect",  # a stream never ends; tested elsewhere
         "--request-timeout", "10", "--no-color", "--report", "junit",
         "--report-junit-path", str(report)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    output = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, output
    assert "passed" in result.stdout.lower(), output
