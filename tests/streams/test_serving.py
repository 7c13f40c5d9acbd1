"""The epoll main loop (coding_duo/streams/serving.py) in waitress, over real sockets."""
import socket
import threading
import time

import pytest
import requests
from waitress import create_server

from coding_duo.streams import serving

pytestmark = [pytest.mark.skipif(not serving.epoll_available(), reason="epoll is Linux-only"),
              pytest.mark.once]  # the main loop: tests/conftest.py


def streaming_app(release: threading.Event):
    """/stream sends a chunk, then holds its thread until released; anything else: 'ok'."""
    def app(environ, start_response):
        if environ["PATH_INFO"] == "/stream":
            start_response("200 OK", [("Content-Type", "text/event-stream")])

            def body():
                yield b"data: hello\n\n"
                while not release.wait(0.05):
                    if environ["waitress.client_disconnected"]():
                        return
                yield b"data: bye\n\n"
            return body()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    return app


@pytest.fixture
def epoll_server():
    release = threading.Event()
    socket_map = serving.TrackedMap()
    server = create_server(streaming_app(release), map=socket_map, host="127.0.0.1", port=0,
                           threads=300, connection_limit=1000, channel_request_lookahead=1)
    loop = serving.install(server, socket_map)
    thread = threading.Thread(target=serving.serve, args=(server, socket_map), daemon=True)
    thread.start()
    yield server, loop, release
    release.set()
    loop.stop()
    server.pull_trigger()
    thread.join(5)
    server.close()


def open_stream(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    got = b""
    while b"hello" not in got:
        got += sock.recv(4096)
    return sock


def test_requests_cost_what_they_do_not_how_many_streams_are_open(epoll_server):
    server, loop, release = epoll_server
    url = f"http://127.0.0.1:{server.effective_port}/"
    streams = [open_stream(server.effective_port) for _ in range(250)]
    try:
        time.sleep(1.2)  # let the once-a-second full look pass
        with requests.Session() as session:
            before_evaluations, before_passes = loop.evaluations, loop.passes
            started = time.monotonic()
            for _ in range(100):
                assert session.get(url, timeout=5).text == "ok"
            elapsed = time.monotonic() - started
        evaluations = loop.evaluations - before_evaluations
        passes = loop.passes - before_passes
        full_looks = int(elapsed) + 1  # at most one walk over everything per second
        # waitress's own loop re-reads every connection on every pass: >= 250 * passes.
        assert passes >= 100
        assert evaluations <= 20 * passes + full_looks * 260, (evaluations, passes)
        assert evaluations < 250 * passes / 4
    finally:
        for sock in streams:
            sock.close()


def test_streams_end_when_released_and_closed_clients_are_noticed(epoll_server):
    server, loop, release = epoll_server
    kept = open_stream(server.effective_port)
    gone = [open_stream(server.effective_port) for _ in range(5)]
    for sock in gone:
        sock.close()
    deadline = time.monotonic() + 5
    while len(server.active_channels) > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(server.active_channels) == 1  # the five closed ones left the map
    assert set(loop.registered) <= set(server._map)  # nothing closed stays registered
    release.set()
    got = b""
    kept.settimeout(5)
    while b"bye" not in got:
        chunk = kept.recv(4096)
        assert chunk, "stream closed before its last chunk"
        got += chunk
    kept.close()


@pytest.mark.parametrize("event_loop", ["epoll", "waitress"])
def test_a_whole_turn_on_either_main_loop(start_server, event_loop):
    from support import Api, stream
    server = start_server({"EVENT_LOOP": event_loop})
    api = Api(server.url)
    code = api.create_room(2_000)
    client = stream(server.url, code)
    try:
        client.wait_event("room")
        assert api.start(code).status_code == 204
        client.wait_event("remaining-time", "1000", timeout=4)
        client.wait_event("pair", timeout=4)
        assert api.timer(code)["remainingTime"] == 2000
    finally:
        client.close()
        server.stop()


def test_an_unknown_main_loop_is_refused_at_start(start_server):
    with pytest.raises(RuntimeError, match="server exited"):
        start_server({"EVENT_LOOP": "uvloop"})
