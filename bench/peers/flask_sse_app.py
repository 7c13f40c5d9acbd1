"""Peer: the same rooms and per-room 1 s countdown, built the way flask-sse
recommends: Flask + flask-sse (Redis pub/sub), served by gunicorn with gevent
workers. Run: gunicorn -k gevent -w 2 bench.peers.flask_sse_app:app

Timer state lives in Redis (so any worker can answer); the worker that starts a
room runs its ticker greenlet, computing remaining time from the deadline, and
publishes each whole second through ``sse.publish``. Each stream is flask-sse's
own ``sse.messages(channel)`` generator (one Redis subscription per client, as
flask-sse works), preceded by the room's state.
"""
import json
import os
import secrets
import time

import gevent
import redis
from flask import Flask, Response, jsonify, request, stream_with_context
from flask_sse import sse

app = Flask(__name__)
app.config["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
NS = os.environ.get("PEER_NAMESPACE", "peer-flask-sse")
store = redis.Redis.from_url(app.config["REDIS_URL"], decode_responses=True)

# Start/stop as one atomic step in Redis (two workers may get commands for one room).
START = store.register_script("""
local t = redis.call('HGETALL', KEYS[1])
if #t == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'status') == 'RUNNING' then return 0 end
local remaining = tonumber(redis.call('HGET', KEYS[1], 'remaining'))
redis.call('HSET', KEYS[1], 'status', 'RUNNING', 'ends_at', tonumber(ARGV[1]) + remaining)
return 1
""")
STOP = store.register_script("""
if redis.call('HGET', KEYS[1], 'status') ~= 'RUNNING' then return 0 end
local remaining = tonumber(redis.call('HGET', KEYS[1], 'ends_at')) - tonumber(ARGV[1])
if remaining < 0 then remaining = 0 end
redis.call('HSET', KEYS[1], 'status', 'PAUSED', 'remaining', remaining, 'ends_at', '')
return 1
""")


def now_ms() -> int:
    return int(time.time() * 1000)


def key(code):
    return f"{NS}:room:{code}"


def state(code) -> dict | None:
    t = store.hgetall(key(code))
    if not t:
        return None
    running = t["status"] == "RUNNING"
    now = now_ms()
    ends_at = int(t["ends_at"]) if running else None
    return {"accessCode": code, "timer": {
        "status": t["status"], "duration": int(t["duration"]),
        "remainingTime": max(0, ends_at - now) if running else int(t["remaining"]),
        "endsAt": ends_at, "serverTime": now}}


def ticker(code: str, ends_at: int):
    with app.app_context():
        while True:
            remaining = ends_at - now_ms()
            wait = ((remaining - 1) % 1000 + 1) / 1000 if remaining > 0 else 0
            gevent.sleep(wait)
            t = store.hgetall(key(code))
            if t.get("status") != "RUNNING" or int(t.get("ends_at") or 0) != ends_at:
                return
            value = max(0, round((ends_at - now_ms()) / 1000) * 1000)
            if value == 0:
                store.hset(key(code), mapping={"status": "IDLE", "remaining": t["duration"], "ends_at": ""})
                sse.publish("stop", type="timer", channel=code)
                sse.publish(state(code), type="room", channel=code)
                return
            sse.publish(value, type="remaining-time", channel=code)


@app.post("/api/pair-room")
def create():
    body = request.get_json(force=True)
    code = secrets.token_hex(5)
    store.hset(key(code), mapping={"duration": body["timerDuration"], "remaining": body["timerDuration"],
                                   "status": "IDLE", "ends_at": ""})
    return jsonify(accessCode=code), 201


@app.patch("/api/<code>/timer/start")
def start(code):
    result = START(keys=[key(code)], args=[now_ms()])
    if result == -1:
        return jsonify(message="no such room"), 404
    if result == 1:
        current = state(code)
        sse.publish("start", type="timer", channel=code)
        sse.publish(current, type="room", channel=code)
        gevent.spawn(ticker, code, current["timer"]["endsAt"])
    return "", 204


@app.patch("/api/<code>/timer/stop")
def stop(code):
    if STOP(keys=[key(code)], args=[now_ms()]) == 1:
        sse.publish("pause", type="timer", channel=code)
        sse.publish(state(code), type="room", channel=code)
    return "", 204


@app.get("/api/<code>/timer")
def get_timer(code):
    current = state(code)
    if current is None:
        return jsonify(message="no such room"), 404
    return jsonify(duration=current["timer"]["duration"], remainingTime=current["timer"]["remainingTime"])


@app.get("/api/<code>/connect")
def connect(code):
    current = state(code)
    if current is None:
        return jsonify(message="no such room"), 404

    def events():
        yield f"retry: 2000\n\nevent: room\ndata: {json.dumps(current)}\n\n"
        for message in sse.messages(channel=code):
            yield str(message)
    return Response(stream_with_context(events()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
