"""``EventStreamsRegistry``: room key -> the connected browsers, each a bounded
``queue.Queue``. Broadcasting encodes an event once and puts it into every
queue without blocking; a client whose queue is full is dropped (it will
reconnect and get a fresh snapshot) rather than slowing anyone else down.
"""
from __future__ import annotations

import itertools
import logging
import queue
import threading
import time

from .sse import encode_event

log = logging.getLogger(__name__)

_CLOSE = object()  # queue sentinel: the stream must end


class StreamClient:
    """One connected browser: a bounded queue of encoded chunks."""

    def __init__(self, key: str, maxsize: int, since: int = -1):
        self.key = key
        self.since = since  # the room version its snapshot showed: nothing older is sent
        self.queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self.closed = threading.Event()
        self.dropped = False

    def offer(self, chunk: bytes) -> bool:
        try:
            self.queue.put_nowait(chunk)
            return True
        except queue.Full:
            return False

    def close(self) -> None:
        """Ask the stream to end after what is already queued."""
        self.closed.set()
        try:
            self.queue.put_nowait(_CLOSE)
        except queue.Full:
            pass  # the generator also checks ``closed`` after each wake-up

    def next_chunk(self, timeout: float):
        """The next chunk, ``None`` on timeout, or ``_CLOSE`` when it must end."""
        try:
            item = self.queue.get(timeout=timeout)
        except queue.Empty:
            return _CLOSE if self.closed.is_set() else None
        if item is _CLOSE or (self.dropped and self.closed.is_set()):
            return _CLOSE
        return item


def is_close(item) -> bool:
    return item is _CLOSE


class EventStreamsRegistry:
    def __init__(self, queue_size: int = 64):
        self.queue_size = queue_size
        self._lock = threading.Lock()
        self._rooms: dict[str, set[StreamClient]] = {}
        self._ids = itertools.count(1)
        self._emptied_at: dict[str, float] = {}
        self.dropped_total = 0

    def register(self, key: str, since: int = -1) -> StreamClient:
        client = StreamClient(key, self.queue_size, since)
        with self._lock:
            self._rooms.setdefault(key, set()).add(client)
            self._emptied_at.pop(key, None)
        return client

    def unregister(self, client: StreamClient) -> None:
        with self._lock:
            self._remove_locked(client)

    def _remove_locked(self, client: StreamClient) -> None:
        clients = self._rooms.get(client.key)
        if clients is not None and client in clients:
            clients.discard(client)
            if not clients:
                del self._rooms[client.key]
                self._emptied_at[client.key] = time.monotonic()

    def emptied_at(self, key: str) -> float | None:
        """When the room's last stream went away (monotonic), if it has none now."""
        with self._lock:
            return self._emptied_at.get(key)

    def forget(self, key: str) -> None:
        """The room is let go of: its empty-room bookkeeping too (if it has no stream)."""
        with self._lock:
            if key not in self._rooms:
                self._emptied_at.pop(key, None)

    def emptied_count(self) -> int:
        with self._lock:
            return len(self._emptied_at)

    def count(self, key: str) -> int:
        with self._lock:
            return len(self._rooms.get(key, ()))

    def keys(self) -> list[str]:
        """Rooms with at least one stream in this process."""
        with self._lock:
            return list(self._rooms)

    def total(self) -> int:
        with self._lock:
            return sum(len(c) for c in self._rooms.values())

    def next_id(self) -> int:
        return next(self._ids)

    def encode(self, event: str, data) -> bytes:
        return encode_event(event, data, self.next_id())

    def broadcast(self, key: str, event: str, data, version: int | None = None) -> int:
        """Send to every client of the room (with ``version``, a batch's: to those whose
        snapshot is older than it); returns how many got it."""
        with self._lock:
            chunk = self.encode(event, data)  # ids stay in send order
            clients = [c for c in self._rooms.get(key, ()) if version is None or c.since < version]
            delivered = 0
            for client in clients:
                if client.offer(chunk):
                    delivered += 1
                else:
                    self._drop_locked(client)
        return delivered

    def _drop_locked(self, client: StreamClient) -> None:
        log.info("dropping slow stream client of room %s (queue full)", client.key)
        self.dropped_total += 1
        client.dropped = True
        client.close()
        self._remove_locked(client)

    def close_room(self, key: str) -> None:
        """Every stream of the room gets ``close`` / ``OK`` and ends."""
        self.broadcast(key, "close", "OK")
        with self._lock:
            clients = self._rooms.pop(key, set())
            self._emptied_at[key] = time.monotonic()
        for client in clients:
            client.close()

    def close_all(self) -> None:
        """End every stream (shutdown): browsers reconnect on their own."""
        with self._lock:
            rooms, self._rooms = self._rooms, {}
        for clients in rooms.values():
            for client in clients:
                client.close()
