"""Debian's nginx in front of a server under test, configured with README's
block verbatim (only the upstream address is the test server's), on a free
port, with its own prefix, pid, logs and temp paths in a temporary folder."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from databases import missing
from support import ROOT, free_port

README_UPSTREAM = "http://127.0.0.1:8000"


def readme_block() -> str:
    """The nginx block under README's "Behind nginx", as it is printed there."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    section = readme.split("### Behind nginx", 1)[1]
    match = re.search(r"```nginx\n(.*?)```", section, re.S)
    assert match, "README's Behind nginx section has no ```nginx block"
    block = match.group(1)
    assert block.count(README_UPSTREAM) == 1, "README's block must proxy to " + README_UPSTREAM
    return block


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not found:
        missing("nginx is not installed (scripts/test installs Debian's nginx-light)")
    return found


def self_signed(folder: str) -> tuple[str, str]:
    if not shutil.which("openssl"):
        missing("openssl is not installed (needed for a certificate for nginx)")
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    return cert, key


class Nginx:
    """``server`` and ``main`` are extra directives for the server block and the
    main context (never inside README's block)."""

    def __init__(self, upstream: str, server: str = "", main: str = "", tls: bool = False):
        self.binary = nginx_binary()
        self.dir = tempfile.mkdtemp(prefix="duo-nginx-")
        os.chmod(self.dir, 0o755)  # workers run as nobody when we are root
        self.port = free_port()
        self.tls = tls
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        listen = f"listen 127.0.0.1:{self.port}"
        if tls:
            cert, key = self_signed(self.dir)
            listen += f" ssl;\n        ssl_certificate {cert};\n        ssl_certificate_key {key}"
        d = self.dir
        temp = "\n    ".join(f"{kind}_temp_path {d}/{kind};"
                             for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        block = readme_block().replace(README_UPSTREAM, upstream)
        self.conf = os.path.join(d, "nginx.conf")
        with open(self.conf, "w") as handle:
            handle.write(f"""worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log info;
{main}
events {{ worker_connections 4096; }}
http {{
    access_log {d}/access.log;
    {temp}
    server {{
        {listen};
        {server}
{block}
    }}
}}
""")
        self.proc: subprocess.Popen | None = None

    def _args(self, *extra) -> list[str]:
        return [self.binary, "-p", self.dir, "-c", self.conf, "-e", f"{self.dir}/error.log", *extra]

    def start(self, timeout: float = 10) -> "Nginx":
        check = subprocess.run(self._args("-t"), capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen(self._args(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.error_log()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not come up: " + self.error_log())

    def reload(self) -> None:
        result = subprocess.run(self._args("-s", "reload"), capture_output=True, text=True)
        assert result.returncode == 0, result.stderr

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def error_log(self) -> str:
        try:
            with open(os.path.join(self.dir, "error.log")) as handle:
                return handle.read()[-3000:]
        except OSError:
            return "(no error log)"
