"""A second load client, written apart from bench/loadgen.py so that the bench's figures
can be shown not to depend on its client: no asyncio, plain non-blocking sockets under
one ``selectors`` loop for the streams, and ``http.client`` in a few threads for the API.

Same protocol and room mix as loadgen.py (two streams a room, rooms started at about
START_RATE a second, the collector off), and the same JSON keys for what both measure,
so bench/run.py puts the two side by side. It prints ``measure-start`` and
``measure-end`` lines around the measured window (bench/run.py reads the servers' CPU
between them) and counts the ticks delivered in it.

    python bench/sockclient.py --url http://127.0.0.1:8000 --streams 2000 --measure 10
"""
from __future__ import annotations

import argparse
import gc
import http.client
import json
import random
import selectors
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

TURN_MS = 3_600_000
START_RATE = 100  # rooms started per second
RECONNECT_S = 0.25


def wall_ms() -> float:
    return time.time() * 1000


def request(url: str, method: str, path: str, body=None, timeout: float = 30):
    """(status, parsed JSON or None, ms): one request, one connection."""
    parts = urlsplit(url)
    began = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        payload = None if body is None else json.dumps(body)
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        reply = conn.getresponse()
        raw = reply.read()
        status = reply.status
    finally:
        conn.close()
    took = (time.perf_counter() - began) * 1000
    try:
        return status, (json.loads(raw) if raw.strip() else None), took
    except ValueError:
        return status, None, took


class Feed:
    """One stream's socket and its incremental HTTP + chunked + SSE parse."""

    def __init__(self, url: str, code: str):
        self.url, self.code = url, code
        self.sock: socket.socket | None = None
        self.status: int | None = None
        self.raw = b""          # bytes not yet parsed at the HTTP level
        self.text = b""         # SSE text not yet split into events
        self.chunked = False
        self.head_done = False
        self.opened_at: float | None = None
        self.first_state_at: float | None = None
        self.ends_at: list[tuple[float, float | None]] = []  # (arrival, endsAt or None)
        self.ticks: list[tuple[float, int]] = []              # (arrival, remaining ms)
        self.timer: list[tuple[float, str]] = []              # (arrival, data)
        self.loop: Streams | None = None
        self.reconnect = True
        self.reconnects = 0
        self.error: str | None = None

    def open(self, selector):
        parts = urlsplit(self.url)
        self.sock = socket.socket()
        self.sock.setblocking(False)
        self.sock.connect_ex((parts.hostname, parts.port))
        self.pending = (f"GET /api/{self.code}/connect HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                        "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n").encode()
        self.raw, self.text, self.head_done, self.chunked = b"", b"", False, False
        if self.opened_at is None:
            self.opened_at = wall_ms()
        selector.register(self.sock, selectors.EVENT_WRITE, self)

    def writable(self, selector):
        try:
            sent = self.sock.send(self.pending)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as error:
            return self.fail(selector, error)
        self.pending = self.pending[sent:]
        if not self.pending:
            selector.modify(self.sock, selectors.EVENT_READ, self)

    def readable(self, selector, arrival: float):
        try:
            data = self.sock.recv(262144)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as error:
            return self.fail(selector, error)
        if not data:
            return self.ended(selector)
        self.raw += data
        if not self.head_done:
            end = self.raw.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.raw = self.raw[:end].lower(), self.raw[end + 4:]
            self.status = int(head.split(b" ", 2)[1])
            self.chunked = b"transfer-encoding: chunked" in head
            self.head_done = True
            if self.status != 200:
                self.error = f"status {self.status}"
                return self.close(selector)
        self.unchunk()
        self.split(arrival)

    def unchunk(self):
        if not self.chunked:
            self.text, self.raw = self.text + self.raw, b""
            return
        while True:
            line_end = self.raw.find(b"\r\n")
            if line_end < 0:
                return
            size = int(self.raw[:line_end].split(b";")[0] or b"0", 16)
            if len(self.raw) < line_end + 2 + size + 2:
                return
            start = line_end + 2
            self.text += self.raw[start:start + size]
            self.raw = self.raw[start + size + 2:]

    def split(self, arrival: float):
        if b"\r" in self.text:  # sse-starlette ends lines with CRLF
            self.text = self.text.replace(b"\r\n", b"\n")
        while True:
            end = self.text.find(b"\n\n")
            if end < 0:
                return
            block, self.text = self.text[:end], self.text[end + 2:]
            event, data = b"message", []
            for line in block.split(b"\n"):
                if line.startswith(b"event:"):
                    event = line[6:].strip()
                elif line.startswith(b"data:"):
                    data.append(line[5:].lstrip(b" "))
            if data:
                self.on_event(arrival, event.decode(), b"\n".join(data).decode())

    def on_event(self, arrival: float, event: str, data: str):
        if event == "remaining-time":
            self.ticks.append((arrival, int(data)))
        elif event == "timer":
            self.timer.append((arrival, data))
        elif event == "room":
            timer = json.loads(data).get("timer", {})
            self.ends_at.append((arrival, timer.get("endsAt") if timer.get("status") == "RUNNING" else None))
            if self.first_state_at is None:
                self.first_state_at = arrival

    def ended(self, selector):
        """The server ended the stream (its maximum age): come back, as EventSource does."""
        self.close(selector)
        if self.reconnect:
            self.loop.due.append((time.monotonic() + RECONNECT_S, self))

    def fail(self, selector, error):
        self.error = repr(error)
        self.close(selector)

    def close(self, selector):
        if self.sock is not None:
            try:
                selector.unregister(self.sock)
            except (KeyError, ValueError):
                pass
            self.sock.close()
            self.sock = None


class Streams(threading.Thread):
    """The selector loop: owns every Feed; others hand it work through ``add``."""

    def __init__(self):
        super().__init__(daemon=True)
        self.selector = selectors.DefaultSelector()
        self.incoming: list[Feed] = []
        self.lock = threading.Lock()
        self.due: list[tuple[float, Feed]] = []  # (when, feed): to reconnect
        self.stopping = False

    def add(self, feed: Feed):
        feed.loop = self
        with self.lock:
            self.incoming.append(feed)

    def run(self):
        while not self.stopping:
            with self.lock:
                new, self.incoming = self.incoming, []
            for feed in new:
                feed.open(self.selector)
            for key, mask in self.selector.select(0.02):
                arrival = wall_ms()
                feed = key.data
                if mask & selectors.EVENT_WRITE:
                    feed.writable(self.selector)
                elif mask & selectors.EVENT_READ:
                    feed.readable(self.selector, arrival)
            if self.due:
                now, later = time.monotonic(), []
                for when, feed in self.due:
                    if now >= when:
                        feed.reconnects += 1
                        feed.open(self.selector)
                    else:
                        later.append((when, feed))
                self.due = later
        for key in list(self.selector.get_map().values()):
            key.data.close(self.selector)


def pct(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def stats(values) -> dict:
    return {"n": len(values), "p50": pct(values, 50), "p99": pct(values, 99),
            "max": max(values) if values else None}


def ends_at_when(feed: Feed, arrival: float):
    current = None
    for at, ends_at in feed.ends_at:
        if at > arrival:
            break
        current = ends_at
    return current


def run(args) -> dict:
    urls = args.url
    rooms = max(1, args.streams // 2)
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda n: request(urls[n % len(urls)], "POST", "/api/pair-room", {
            "driver": "Ann", "navigator": "Bob", "timerDuration": TURN_MS}), range(rooms)))
    codes = [body["accessCode"] for status, body, _ in made if status == 201]
    if len(codes) != rooms:
        raise SystemExit(f"created {len(codes)} of {rooms} rooms")
    loop = Streams()
    loop.start()
    feeds = [Feed(urls[(n + side) % len(urls)], code) for n, code in enumerate(codes) for side in (0, 1)]
    for n, feed in enumerate(feeds):
        loop.add(feed)
        if n % 100 == 99:
            time.sleep(0.05)
    time.sleep(args.settle)
    started = {}
    with ThreadPoolExecutor(4) as pool:  # about START_RATE rooms a second
        for n, code in enumerate(codes):
            started[code] = wall_ms()
            pool.submit(request, urls[random.randrange(len(urls))], "PATCH", f"/api/{code}/timer/start")
            time.sleep(1 / START_RATE)
    time.sleep(1.5)

    print("measure-start", flush=True)
    window_from = wall_ms()
    api, api_errors, probes = [], 0, []
    stop_at = time.monotonic() + args.measure

    def api_caller():
        nonlocal api_errors
        while time.monotonic() < stop_at:
            try:
                status, _, took = request(urls[random.randrange(len(urls))], "GET",
                                          f"/api/{random.choice(codes)}/timer", timeout=10)
                if status == 200:
                    api.append(took)
                else:
                    api_errors += 1
            except OSError:
                api_errors += 1
            time.sleep(1 / args.api_rate)
    callers = [threading.Thread(target=api_caller) for _ in range(2)]
    for caller in callers:
        caller.start()
    gap = args.measure / (args.probes + 1)
    for n in range(args.probes):
        time.sleep(gap)
        probe = Feed(urls[n % len(urls)], random.choice(codes))
        probe.reconnect = False
        probes.append(probe)
        loop.add(probe)
    for caller in callers:
        caller.join()
    window_to = wall_ms()
    print("measure-end", flush=True)

    paused = {}
    for code in random.sample(codes, min(len(codes), args.commands)):
        paused[code] = wall_ms()
        request(urls[random.randrange(len(urls))], "PATCH", f"/api/{code}/timer/stop")
        time.sleep(0.05)
    time.sleep(1.0)
    loop.stopping = True
    loop.join(5)

    tick_latency, value_error, pause_to_event, spread = [], [], [], []
    stalled = 0
    for feed in feeds:
        in_window = 0
        for arrival, value in feed.ticks:
            if not window_from <= arrival <= window_to:
                continue
            ends_at = ends_at_when(feed, arrival)
            if ends_at is None:
                continue
            in_window += 1
            tick_latency.append(arrival - (ends_at - value))
            value_error.append(abs(value - (ends_at - arrival)))
        if feed.status == 200 and in_window < max(1, (window_to - window_from) / 1000 - 2):
            stalled += 1
        if feed.code in paused:
            pause_to_event += [at - paused[feed.code] for at, data in feed.timer
                               if data == "pause" and at >= paused[feed.code]][:1]
    for n in range(0, len(feeds), 2):
        first = {v: a for a, v in feeds[n].ticks if window_from <= a <= window_to}
        second = {v: a for a, v in feeds[n + 1].ticks if window_from <= a <= window_to}
        spread += [abs(first[v] - second[v]) for v in first.keys() & second.keys()]
    return {
        "client": "sockclient", "streams": len(feeds), "rooms": rooms, "urls": urls,
        "measure_seconds": (window_to - window_from) / 1000,
        # the ticks received in the window: what every server sends alike (bench/run.py
        # divides the servers' CPU in the window by it)
        "events_in_window": sum(1 for f in feeds for a, _ in f.ticks if window_from <= a <= window_to),
        "tick_latency_ms": stats(tick_latency), "value_error_ms": stats(value_error),
        "spread_ms": stats(spread), "pause_to_event_ms": stats(pause_to_event),
        "api_ms": stats(api), "api_errors": api_errors,
        "connect_to_state_ms": stats([p.first_state_at - p.opened_at for p in probes if p.first_state_at]),
        "refused": sum(1 for f in feeds if f.status != 200), "stalled": stalled,
        "reconnects": sum(f.reconnects for f in feeds),
        "errors": sorted({f.error for f in feeds if f.error})[:5],
    }


def main():
    import resource
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", action="append", required=True)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--measure", type=float, default=10)
    parser.add_argument("--settle", type=float, default=1.0)
    parser.add_argument("--api-rate", type=float, default=10)
    parser.add_argument("--commands", type=int, default=20)
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--out")
    args = parser.parse_args()
    gc.disable()  # its pauses would be read as the server's lateness
    result = run(args)
    text = json.dumps(result, indent=1)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(text)
    print(text[:2000], file=sys.stderr)


if __name__ == "__main__":
    main()
