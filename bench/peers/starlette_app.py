"""Peer: the same rooms and per-room 1 s countdown on sse-starlette + uvicorn,
the asyncio reference. Run: uvicorn bench.peers.starlette_app:app

State is in memory (one process, as an asyncio app keeps it); each room has a
ticker task computing remaining time from the deadline; each client has an
asyncio.Queue; EventSourceResponse streams it (with its own pings).
"""
import asyncio
import json
import secrets
import time

from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def now_ms() -> int:
    return int(time.time() * 1000)


class Room:
    def __init__(self, code, duration):
        self.code, self.duration, self.remaining = code, duration, duration
        self.status, self.ends_at = "IDLE", None
        self.clients: set[asyncio.Queue] = set()
        self.ticker: asyncio.Task | None = None

    def state(self):
        now = now_ms()
        running = self.status == "RUNNING"
        return {"accessCode": self.code, "timer": {
            "status": self.status, "duration": self.duration,
            "remainingTime": max(0, self.ends_at - now) if running else self.remaining,
            "endsAt": self.ends_at if running else None, "serverTime": now}}

    def broadcast(self, event, data):
        message = {"event": event, "data": data if isinstance(data, str) else json.dumps(data)}
        for queue in list(self.clients):
            queue.put_nowait(message)

    async def tick(self, ends_at):
        while self.status == "RUNNING" and self.ends_at == ends_at:
            remaining = ends_at - now_ms()
            await asyncio.sleep(((remaining - 1) % 1000 + 1) / 1000 if remaining > 0 else 0)
            if self.status != "RUNNING" or self.ends_at != ends_at:
                return
            value = max(0, round((ends_at - now_ms()) / 1000) * 1000)
            if value == 0:
                self.status, self.remaining, self.ends_at = "IDLE", self.duration, None
                self.broadcast("timer", "stop")
                self.broadcast("room", self.state())
                return
            self.broadcast("remaining-time", str(value))


rooms: dict[str, Room] = {}


async def create(request: Request):
    body = await request.json()
    code = secrets.token_hex(5)
    rooms[code] = Room(code, body["timerDuration"])
    return JSONResponse({"accessCode": code}, status_code=201)


async def start(request: Request):
    room = rooms.get(request.path_params["code"])
    if room is None:
        return JSONResponse({"message": "no such room"}, status_code=404)
    if room.status != "RUNNING":
        room.status, room.ends_at = "RUNNING", now_ms() + room.remaining
        room.broadcast("timer", "start")
        room.broadcast("room", room.state())
        room.ticker = asyncio.create_task(room.tick(room.ends_at))
    return Response(status_code=204)


async def stop(request: Request):
    room = rooms.get(request.path_params["code"])
    if room is None:
        return JSONResponse({"message": "no such room"}, status_code=404)
    if room.status == "RUNNING":
        room.remaining, room.status, room.ends_at = max(0, room.ends_at - now_ms()), "PAUSED", None
        room.broadcast("timer", "pause")
        room.broadcast("room", room.state())
    return Response(status_code=204)


async def get_timer(request: Request):
    room = rooms.get(request.path_params["code"])
    if room is None:
        return JSONResponse({"message": "no such room"}, status_code=404)
    state = room.state()["timer"]
    return JSONResponse({"duration": state["duration"], "remainingTime": state["remainingTime"]})


async def connect(request: Request):
    room = rooms.get(request.path_params["code"])
    if room is None:
        return JSONResponse({"message": "no such room"}, status_code=404)
    queue: asyncio.Queue = asyncio.Queue()
    room.clients.add(queue)

    async def events():
        try:
            yield {"event": "room", "data": json.dumps(room.state()), "retry": 2000}
            while True:
                yield await queue.get()
        finally:
            room.clients.discard(queue)
    return EventSourceResponse(events(), headers={"X-Accel-Buffering": "no"})


app = Starlette(routes=[
    Route("/api/pair-room", create, methods=["POST"]),
    Route("/api/{code}/timer/start", start, methods=["PATCH"]),
    Route("/api/{code}/timer/stop", stop, methods=["PATCH"]),
    Route("/api/{code}/timer", get_timer, methods=["GET"]),
    Route("/api/{code}/connect", connect, methods=["GET"]),
])
