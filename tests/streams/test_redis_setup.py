"""Connecting to Redis: a ``rediss://`` URL with a self-signed certificate (PaaS
add-ons) works with REDIS_SSL_CERT_REQS=none, for the bus and the rate limits;
a Redis that cannot be reached at start is an ERROR line in the log, and the
server still serves (and retries by itself)."""
from __future__ import annotations

import shutil
import subprocess
import time
import uuid

import pytest

from databases import missing
from support import Api, free_port


def test_an_unreachable_redis_at_start_is_a_loud_error(start_server):
    port = free_port()  # nothing listens there
    server = start_server({"REDIS_URL": f"redis://:secret@127.0.0.1:{port}/0"})
    assert Api(server.url).create_room(60_000)  # still serving
    with open(server.log_path) as log:
        text = log.read()
    line = next((l for l in text.splitlines() if "cannot be reached at start" in l), None)
    assert line is not None, text[-2000:]
    assert " ERROR " in line and f"127.0.0.1:{port}" in line
    assert "secret" not in line  # the password stays out of the log


@pytest.fixture
def tls_redis(tmp_path):
    for tool in ("redis-server", "openssl"):
        if shutil.which(tool) is None:
            missing(f"{tool} is not installed")
    cert, key = tmp_path / "redis.crt", tmp_path / "redis.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=self-signed.example", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
         "--tls-cert-file", str(cert), "--tls-key-file", str(key), "--tls-auth-clients", "no",
         "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    import redis
    client = redis.Redis(host="127.0.0.1", port=port, ssl=True, ssl_cert_reqs="none")
    deadline = time.monotonic() + 5
    while True:
        try:
            client.ping()
            break
        except redis.RedisError:
            if proc.poll() is not None:
                missing(f"this redis-server has no TLS: {proc.stdout.read()[-300:]!r}")
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)
    yield f"rediss://127.0.0.1:{port}/0", client
    proc.kill()
    proc.wait()


def test_rediss_with_a_self_signed_certificate_connects_with_the_setting(start_server, tls_redis):
    url, client = tls_redis
    namespace = "duo-tls-" + uuid.uuid4().hex[:8]
    server = start_server({"REDIS_URL": url, "REDIS_NAMESPACE": namespace,
                           "REDIS_SSL_CERT_REQS": "none", "RATE_LIMITS_ENABLED": "true"})
    listener = client.pubsub(ignore_subscribe_messages=True)
    listener.subscribe(f"{namespace}:events")
    api = Api(server.url)
    code = api.create_room(60_000)  # a rate-limited route: its counter lives in Redis
    assert api.start(code).status_code == 204
    deadline = time.monotonic() + 5
    message = None
    while message is None and time.monotonic() < deadline:
        message = listener.get_message(timeout=0.5)
    assert message is not None and message["type"] == "message"  # the bus publishes over TLS
    assert any(namespace in key.decode() for key in client.keys("*"))  # and the limiter counts
    with open(server.log_path) as log:
        text = log.read()
    assert "cannot be reached" not in text and "Redis unavailable" not in text


def test_rediss_with_a_self_signed_certificate_without_the_setting_is_a_loud_error(
        start_server, tls_redis):
    url, _ = tls_redis
    server = start_server({"REDIS_URL": url})
    with open(server.log_path) as log:
        text = log.read()
    line = next((l for l in text.splitlines() if "cannot be reached at start" in l), None)
    assert line is not None and " ERROR " in line and "certificate" in line.lower(), text[-2000:]


def test_a_wrong_cert_setting_is_refused_at_start(start_server):
    with pytest.raises(RuntimeError):
        start_server({"REDIS_URL": "rediss://127.0.0.1:1/0", "REDIS_SSL_CERT_REQS": "maybe"})
