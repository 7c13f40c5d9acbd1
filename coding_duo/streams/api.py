"""The event stream: GET /api/{code}/connect.

The view does all the database work (finding the room, the state snapshot)
and the session is closed before the first byte is sent; the generator only
drains its client's queue, so a stream never holds a pooled connection.
"""
from __future__ import annotations

import logging
import random
import time

from flask import Response, request

from ..context import duo
from ..rooms.service import readable_room
from ..web.api import bp
from ..web.client import current_client
from ..web.errors import N_, ApiError
from .registry import is_close
from .sse import encode_comment, encode_retry, is_event_id

RECONNECT_SOON_MS = 250
log = logging.getLogger(__name__)


@bp.get("/<code>/connect")
def connect(code):
    """What needs no database first (a stopping server, a bad Last-Event-ID, the stream
    cap), then the snapshot, built in a slot (a few at a time: a crowd rejoining at
    once must not hold up the time-ups due meanwhile, see SnapshotSlots). The stream
    itself is sent after the view returns, outside the slot."""
    d = duo()
    if d.stopping:
        raise ApiError(503, N_("This server is restarting; reconnecting shortly"), {"Retry-After": "1"})
    _check_last_event_id(request.headers.get("Last-Event-ID"))
    address = current_client()
    refused = d.stream_cap.acquire(address)
    if refused == "server":
        raise ApiError(503, N_("This server has no room for another live stream; retrying shortly"),
                       {"Retry-After": "3"})
    if refused == "client":
        raise ApiError(429, N_("Too many open streams from one address (at most %(max)s, the server's "
                               "MAX_STREAMS_PER_CLIENT); close some tabs"), {"Retry-After": "10"},
                       max=d.stream_cap.per_client)
    try:
        if not d.snapshot_slots.acquire():
            raise ApiError(503, N_("This server is busy opening other live streams; retrying shortly"),
                           {"Retry-After": "1"})
        try:
            return _open(code, d, address)  # its stream releases the cap when it closes
        finally:
            d.snapshot_slots.release()
    except BaseException:
        d.stream_cap.release(address)
        raise


def _open(code, d, address):
    room = readable_room(code)
    key = room.access_code
    config = d.config
    client = None
    try:
        # Registered and snapshotted under the room lock, from a fresh read of the room:
        # nothing broadcast in between is lost, and nothing older than the snapshot
        # arrives after it.
        client, snapshot = d.timers.open_stream(key)
        if client is None:
            raise ApiError(404, N_("This room was deleted"))
        first = encode_retry(config["STREAM_RETRY_MS"]) + snapshot
        d.timers.stream_opened(key)  # tick here for this browser
        d.screens.changed(key)  # everyone (this browser too) hears how many are here
    except BaseException:
        if client is not None:  # nobody will read its queue: not a screen of the room
            d.streams.unregister(client)
        raise
    # A (well-formed) Last-Event-ID from a reconnecting browser needs nothing more:
    # the state snapshot above brings it up to date whatever it missed.

    closed = []

    def release():
        if not closed:
            closed.append(True)
            d.streams.unregister(client)
            d.stream_cap.release(address)
            try:
                d.screens.changed(key)
            except Exception:  # noqa: BLE001 - a count must not break closing a stream
                log.exception("could not tell room %s who is left", key)

    disconnected = request.environ.get("waitress.client_disconnected", lambda: False)
    max_age = config["STREAM_MAX_AGE_SECONDS"] * random.uniform(0.9, 1.0)  # no herd
    heartbeat = config["HEARTBEAT_SECONDS"]
    poll = config["DISCONNECT_POLL_SECONDS"]

    def generate():
        try:
            yield first
            started = last_write = time.monotonic()
            while True:
                now = time.monotonic()
                if now - started >= max_age:
                    yield encode_retry(RECONNECT_SOON_MS)  # come back at once
                    return
                wait = min(poll, heartbeat - (now - last_write), max_age - (now - started))
                item = client.next_chunk(max(wait, 0.0))
                if is_close(item):
                    return
                if item is None:
                    if disconnected():
                        return
                    if time.monotonic() - last_write >= heartbeat:
                        yield encode_comment("ping")
                        last_write = time.monotonic()
                    continue
                yield item + _drain(client)
                last_write = time.monotonic()
        finally:
            release()

    response = Response(generate(), mimetype="text/event-stream", headers={
        "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no",
    })
    response.call_on_close(release)
    return response


def _check_last_event_id(value: str | None) -> None:
    """Browsers send back an id we gave them (digits); anything else is not theirs."""
    if value is not None and not is_event_id(value):
        raise ApiError(400, N_("Last-Event-ID must be an event id this server sent (digits)"))


def _drain(client, limit: int = 64) -> bytes:
    """Whatever else is already queued, so a burst goes out in one write."""
    chunks = []
    for _ in range(limit):
        item = client.next_chunk(0)
        if item is None:
            break
        if is_close(item):
            client.close()  # put the end back for the loop to see
            break
        chunks.append(item)
    return b"".join(chunks)


@bp.delete("/<code>/connect")
def disconnect(code):
    """Every stream of the room gets ``close`` / ``OK`` and ends (as coduo did)."""
    duo().timers.close_streams(readable_room(code))
    return "", 204
