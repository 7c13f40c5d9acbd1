"""A thread waits for a room's decision lock without a pooled connection.

Found in review: requests check out a connection (the room read that answers 404
early) and then wait for the room's lock; the version check takes the lock and then
needs a connection to resync. With the pool (5 + 10) taken by requests queued on the
lock, the check waited the pool's 30 s, and every API thread with it: 16 toggles on a
room sharing the check's lock stripe took up to 30.3 s and ended in 500s. Round 2
only (the check runs with Redis; PostgreSQL)."""
from __future__ import annotations

import threading
import time

import psycopg
import requests

from suite_env import round_2_only
from support import Api, ServerProcess, stream

pytestmark = round_2_only()

TOGGLERS = 16  # API_THREADS' default: as many requests as the process serves at once
SECONDS = 6


def test_requests_queued_on_a_room_lock_do_not_starve_its_holder_of_connections(pg_schema_url, redis_server):
    server = ServerProcess(pg_schema_url, {
        "REDIS_URL": redis_server.url, "REDIS_NAMESPACE": "duo-locks",
        "ROOM_LOCK_STRIPES": "1",  # every room shares the one lock: the collision, forced
        "VERSION_CHECK_SECONDS": "3", "RECENT_VERSION_CHECK_SECONDS": "0.5"}).start()
    try:
        api = Api(server.url)
        behind = api.create_room()
        busy = api.create_room()
        todo = api.call("POST", f"/api/{busy}/todos", {"content": "toggle me"}).json()["id"]
        screen = stream(server.url, behind)  # the check resyncs rooms with screens here
        screen.wait_event("todos")
        stop = threading.Event()

        def bump():  # a change this process never hears of, again and again
            with psycopg.connect(pg_schema_url, autocommit=True) as conn:
                while not stop.is_set():
                    conn.execute("UPDATE pair_room SET version = version + 1, touched_at = now() "
                                 "WHERE access_code = %s", (behind.replace("-", ""),))
                    time.sleep(0.05)
        answers, lock = [], threading.Lock()

        def toggle():
            with requests.Session() as http:
                while not stop.is_set():
                    began = time.monotonic()
                    try:
                        status = http.patch(f"{server.url}/api/todos/{todo}/checked",
                                            headers={"Content-Type": "application/json"},
                                            timeout=40).status_code
                    except requests.RequestException as error:
                        status = repr(error)
                    with lock:
                        answers.append((status, time.monotonic() - began))
        threads = [threading.Thread(target=bump)] + [threading.Thread(target=toggle) for _ in range(TOGGLERS)]
        for thread in threads:
            thread.start()
        time.sleep(SECONDS)
        stop.set()
        for thread in threads:
            thread.join(45)
        screen.close()
        statuses = sorted({status for status, _ in answers}, key=str)
        slowest = max(took for _, took in answers)
        print(f"{len(answers)} toggles in {SECONDS} s, slowest {slowest:.2f} s")
        assert statuses == [204], (statuses, len(answers))
        assert slowest < 3, (slowest, len(answers))
        assert len(answers) > 50, len(answers)
        log = open(server.log_path).read()
        assert "QueuePool limit" not in log and "resync failed" not in log
        assert "behind the database" in log  # the check did run, under the same lock
    finally:
        server.stop()
