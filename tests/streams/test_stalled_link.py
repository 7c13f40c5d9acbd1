"""A command waiting for a stalled database link holds neither its room's ticks nor
the changes other processes deliver to that room's screens.

Found by bench/chaos.py (db-stall faults): process A's link to PostgreSQL stalls
while a command on A waits for it, holding the room's lock in A. A's ticks of the
room, and the time-up that B decides and publishes, used to wait behind that lock
until the stall ended (time-up heard up to the stall's length late). Ticks and
deliveries now take the room's delivery lock only, which nothing holds across the
database. Round 2 only (PostgreSQL + Redis).
"""
from __future__ import annotations

import threading
import time
import uuid
from urllib.parse import urlsplit

from suite_env import round_2_only
from support import Api, ServerProcess, stream
from tcp_proxy import TcpProxy

pytestmark = round_2_only()

TURN_MS = 4000
STALL_SECONDS = 3.0


def test_a_stalled_command_holds_neither_ticks_nor_the_time_up(pg_schema_url, redis_server):
    target = urlsplit(pg_schema_url)
    proxy = TcpProxy((target.hostname, target.port))
    env = {"REDIS_URL": redis_server.url, "REDIS_NAMESPACE": "duo-" + uuid.uuid4().hex[:8],
           "HEARTBEAT_SECONDS": "2", "DISCONNECT_POLL_SECONDS": "0.5",
           "EMPTY_ROOM_GRACE_SECONDS": "0"}
    a = ServerProcess(pg_schema_url.replace(f":{target.port}/", f":{proxy.port}/"), env).start()
    b = ServerProcess(pg_schema_url, env).start()
    screen = None
    try:
        api_a, api_b = Api(a.url), Api(b.url)
        code = api_b.create_room(TURN_MS)
        screen = stream(a.url, code)
        screen.wait_event("todos")
        assert api_b.start(code).status_code == 204
        started = screen.wait_event("timer", "start")
        ends_at = next(e for e in screen.events if e.event == "room"
                       and e.json()["timer"]["status"] == "RUNNING").json()["timer"]["endsAt"]
        time.sleep(max(0.0, (ends_at - 1700) / 1000 - time.time()))
        proxy.stall()
        stalled_at = time.time()
        answers = []
        command = threading.Thread(target=lambda: answers.append(api_a.call(
            "POST", f"/api/{code}/todos", {"content": "sent into the stall"})))
        command.start()  # A's command waits for the database, holding the room's lock in A
        time.sleep(0.2)
        stop = screen.wait_event("timer", "stop", after=screen.events.index(started), timeout=4)
        ticks = {e.data: e.at for e in screen.events
                 if e.event == "remaining-time" and e.at > stalled_at}
        assert stop.at - stalled_at < STALL_SECONDS - 0.5, "the time-up waited for the stall"
        assert stop.at * 1000 - ends_at < 1000, (stop.at * 1000 - ends_at, ticks)
        assert "1000" in ticks and ticks["1000"] * 1000 - (ends_at - 1000) < 250, ticks
        time.sleep(max(0.0, stalled_at + STALL_SECONDS - time.time()))
        proxy.resume()
        command.join(15)
        assert answers and answers[0].status_code in (201, 503), answers
    finally:
        proxy.resume()
        if screen is not None:
            screen.close()
        for server in (a, b):
            server.stop()
        proxy.close()
