"""Load generator: holds thousands of SSE streams in one asyncio process and
timestamps every event on arrival; meanwhile it measures API latency.

It speaks the rooms protocol every server under test implements:
  POST  /api/pair-room {driver, navigator, timerDuration}   -> 201 {accessCode}
  PATCH /api/{code}/timer/start | /timer/stop               -> 204
  GET   /api/{code}/timer                                   -> 200 JSON
  GET   /api/{code}/connect                                 -> text/event-stream with
        `room` ({"timer": {"status", "endsAt", ...}}) at once and after changes,
        `timer` (start/pause/...), `remaining-time` (ms) on the whole seconds.

Usage: python bench/loadgen.py --url http://127.0.0.1:8000 [--url ...] --streams 1000
       --measure 10 --out result.json
Two clients per room; with several --url, a room's two clients go to different servers.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import time
from collections import defaultdict
from urllib.parse import urlsplit

TURN_MS = 3_600_000  # long turns: no time-up during a measurement


LATE_MS = 100  # a tick later than this is counted, by when it arrived


def now_ms() -> float:
    return time.time() * 1000


def parse_data(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


async def http(url: str, method: str, path: str, body=None, timeout: float = 30):
    """One request on a fresh connection; returns (status, parsed body, seconds)."""
    parts = urlsplit(url)
    started = time.perf_counter()
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(parts.hostname, parts.port), timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else b""
        head = (f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
        writer.write(head.encode() + payload)
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    elapsed = time.perf_counter() - started
    head, _, rest = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    if b"transfer-encoding: chunked" in head.lower():
        rest = _dechunk_all(rest)
    try:
        parsed = json.loads(rest) if rest.strip() else None
    except ValueError:
        parsed = rest[:200]
    return status, parsed, elapsed


def _dechunk_all(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return out


class Stream:
    """One SSE client. Records (arrival ms, event, data) for everything it gets."""

    def __init__(self, url: str, code: str, index: int):
        self.url, self.code, self.index = url, code, index
        self.status = None
        self.connect_started = None
        self.first_state_at = None
        self.events: list[tuple[float, str, object]] = []
        self.closed = False
        self.error = None
        self.reconnects = 0

    async def run(self, stop: asyncio.Event, reconnect: bool = True):
        """Like a browser: when the server ends the stream (its maximum age), come back
        after a moment and carry on."""
        while True:
            await self._run_once(stop)
            if not reconnect or stop.is_set() or self.status != 200 or self.error:
                return
            self.reconnects += 1
            self.closed = False
            await asyncio.sleep(0.25)

    async def _run_once(self, stop: asyncio.Event):
        parts = urlsplit(self.url)
        if self.connect_started is None:
            self.connect_started = now_ms()
        try:
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            writer.write(f"GET /api/{self.code}/connect HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                         f"Accept: text/event-stream\r\n\r\n".encode())
            buffer = b""
            while b"\r\n\r\n" not in buffer:
                chunk = await reader.read(65536)
                if not chunk:
                    raise ConnectionError("closed before headers")
                buffer += chunk
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            self.status = int(head.split(b" ", 2)[1])
            if self.status != 200:
                self.closed = True
                writer.close()
                return
            chunked = b"transfer-encoding: chunked" in head.lower()
            raw, text = buffer, b""
            reading = asyncio.ensure_future(reader.read(65536))
            stopping = asyncio.ensure_future(stop.wait())
            while True:
                if chunked:
                    raw, decoded = _dechunk_some(raw)
                    text += decoded
                else:
                    text, raw = text + raw, b""
                text = self._parse(text)
                done, _ = await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if stopping in done:
                    reading.cancel()
                    break
                chunk = reading.result()
                if not chunk:
                    self.closed = True
                    break
                raw += chunk
                reading = asyncio.ensure_future(reader.read(65536))
            writer.close()
        except Exception as error:  # noqa: BLE001 - a failed stream is a result, not a crash
            self.error = repr(error)
            self.closed = True

    def _parse(self, text: bytes) -> bytes:
        text = text.replace(b"\r\n", b"\n")
        while b"\n\n" in text:
            block, text = text.split(b"\n\n", 1)
            arrival = now_ms()
            name, data = "message", []
            for line in block.decode("utf-8", "replace").split("\n"):
                if line.startswith(":") or not line:
                    continue
                key, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if key == "event":
                    name = value
                elif key == "data":
                    data.append(value)
            if data:
                parsed = parse_data("\n".join(data))
                self.events.append((arrival, name, parsed))
                if name == "room" and self.first_state_at is None:
                    self.first_state_at = arrival
        return text


def _dechunk_some(raw: bytes):
    out = b""
    while True:
        head, sep, rest = raw.partition(b"\r\n")
        if not sep:
            return raw, out
        try:
            size = int(head.split(b";")[0], 16)
        except ValueError:
            return b"", out
        if size == 0:
            return b"", out
        if len(rest) < size + 2:
            return raw, out
        out += rest[:size]
        raw = rest[size + 2:]


def pct(values, q):
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(q / 100 * (len(values) - 1)))))
    return values[k]


def summary(values) -> dict:
    return {"n": len(values), "p50": pct(values, 50), "p99": pct(values, 99),
            "max": max(values) if values else None}


def ends_at_timeline(stream: Stream):
    """(arrival, endsAt) for every `room` event, to know the deadline any tick refers to."""
    line = []
    for arrival, name, data in stream.events:
        if name == "room" and isinstance(data, dict):
            timer = data.get("timer", {})
            line.append((arrival, timer.get("endsAt") if timer.get("status") == "RUNNING" else None))
    return line


async def main(args) -> dict:
    urls = args.url
    rooms = max(1, args.streams // 2)
    codes = []
    sem = asyncio.Semaphore(50)

    async def create(i):
        async with sem:
            status, body, _ = await http(urls[i % len(urls)], "POST", "/api/pair-room",
                                         {"driver": "Ann", "navigator": "Bob", "timerDuration": TURN_MS})
            if status != 201:
                raise RuntimeError(f"create room: {status} {body}")
            return body["accessCode"]
    codes = await asyncio.gather(*(create(i) for i in range(rooms)))

    stop = asyncio.Event()
    streams = [Stream(urls[(r + side) % len(urls)], code, 2 * r + side)
               for r, code in enumerate(codes) for side in (0, 1)]
    tasks = []
    for batch_start in range(0, len(streams), 200):  # connect in waves, like people arriving
        for s in streams[batch_start:batch_start + 200]:
            tasks.append(asyncio.ensure_future(s.run(stop)))
        await asyncio.sleep(0.05)
    await asyncio.sleep(args.settle)

    # Start every room at a random moment within two seconds.
    start_sent: dict[str, float] = {}

    async def start(code):
        await asyncio.sleep(random.random() * 2)
        async with sem:
            start_sent[code] = now_ms()
            await http(urls[random.randrange(len(urls))], "PATCH", f"/api/{code}/timer/start")
    await asyncio.gather(*(start(c) for c in codes))
    await asyncio.sleep(1.5)

    # Measure: ticks arrive on their own; the API is exercised alongside.
    measure_from = now_ms()
    print("measure-start", flush=True)  # bench/run.py reads the servers' CPU from here
    api_latencies: list[float] = []
    api_errors = 0

    async def api_caller():
        nonlocal api_errors
        interval = 1 / args.api_rate
        while not stop.is_set() and now_ms() - measure_from < args.measure * 1000:
            code = random.choice(codes)
            try:
                status, _, elapsed = await http(urls[random.randrange(len(urls))], "GET",
                                                f"/api/{code}/timer", timeout=10)
                if status == 200:
                    api_latencies.append(elapsed * 1000)
                else:
                    api_errors += 1
            except Exception:  # noqa: BLE001
                api_errors += 1
            await asyncio.sleep(interval)
    probes: list[Stream] = []

    async def probe_connects():
        """Someone joins a room while everybody else is connected: connect -> state."""
        gap = args.measure / (args.probes + 1)
        for n in range(args.probes):
            await asyncio.sleep(gap)
            probe = Stream(urls[n % len(urls)], random.choice(codes), -1)
            probes.append(probe)
            probe_stop = asyncio.Event()
            task = asyncio.ensure_future(probe.run(probe_stop, reconnect=False))
            for _ in range(200):
                if probe.first_state_at is not None or probe.closed:
                    break
                await asyncio.sleep(0.005)
            probe_stop.set()
            await task
    await asyncio.gather(probe_connects(), *(api_caller() for _ in range(args.api_callers)))
    measure_to = now_ms()
    print("measure-end", flush=True)

    # Command -> event: pause some rooms, then start them again.
    sample = random.sample(codes, min(len(codes), args.commands))
    pause_sent = {}
    for code in sample:
        pause_sent[code] = now_ms()
        await http(urls[random.randrange(len(urls))], "PATCH", f"/api/{code}/timer/stop")
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)

    # ----- analysis -----
    by_code = defaultdict(list)
    for s in streams:
        by_code[s.code].append(s)
    tick_latency, value_error, spread, start_to_event, pause_to_event, connect_state = [], [], [], [], [], []
    by_minute = defaultdict(list)
    late = defaultdict(int)  # 0.1 s since measuring began -> ticks later than LATE_MS
    refused = sum(1 for s in streams if s.status not in (200,))
    stalled = 0
    bulk_connect = [s.first_state_at - s.connect_started for s in streams if s.first_state_at]
    for probe in probes:
        if probe.first_state_at is not None:
            connect_state.append(probe.first_state_at - probe.connect_started)
    for s in streams:
        timeline = ends_at_timeline(s)
        ticks_in_window = 0
        for arrival, name, data in s.events:
            if name == "timer" and data == "start" and s.code in start_sent:
                start_to_event.append(arrival - start_sent[s.code])
            if name == "timer" and data == "pause" and s.code in pause_sent:
                pause_to_event.append(arrival - pause_sent[s.code])
            if name != "remaining-time" or not (measure_from <= arrival <= measure_to):
                continue
            ends_at = None
            for at, value in timeline:
                if at <= arrival:
                    ends_at = value
            if ends_at is None:
                continue
            ticks_in_window += 1
            value_ms = int(data)
            due = ends_at - value_ms
            tick_latency.append(arrival - due)
            if arrival - due > LATE_MS:
                late[round((arrival - measure_from) / 100) / 10] += 1
            by_minute[int((arrival - measure_from) // 60_000)].append(arrival - due)
            value_error.append(abs(value_ms - (ends_at - arrival)))
        if s.status == 200 and ticks_in_window < max(1, (measure_to - measure_from) / 1000 - 2):
            stalled += 1
    for code, pair in by_code.items():
        arrivals = [{int(d): a for a, n, d in s.events if n == "remaining-time"
                     and measure_from <= a <= measure_to} for s in pair]
        if len(arrivals) == 2:
            for value in arrivals[0].keys() & arrivals[1].keys():
                spread.append(abs(arrivals[0][value] - arrivals[1][value]))
    return {
        "streams": len(streams), "rooms": rooms, "urls": urls,
        "client": "loadgen", "measure_seconds": (measure_to - measure_from) / 1000,
        # the ticks received in the window: what every server sends alike (bench/run.py
        # divides the servers' CPU in the window by it)
        "events_in_window": sum(1 for s in streams for a, n, _ in s.events
                                if n == "remaining-time" and measure_from <= a <= measure_to),
        "tick_latency_ms": summary(tick_latency),
        "tick_latency_by_minute_ms": [
            {"minute": m, "p50": pct(v, 50), "p99": pct(v, 99), "n": len(v)}
            for m, v in sorted(by_minute.items())],
        "late_ticks_at_s": sorted(late.items()),  # when the tail happened
        "value_error_ms": summary(value_error),
        "spread_ms": summary(spread),
        "start_to_event_ms": summary(start_to_event),
        "pause_to_event_ms": summary(pause_to_event),
        "api_ms": summary(api_latencies), "api_errors": api_errors,
        "connect_to_state_ms": summary(connect_state),
        "bulk_connect_to_state_ms": summary(bulk_connect),
        "refused": refused, "stalled": stalled,
        "reconnects": sum(s.reconnects for s in streams),
        "errors": sorted({s.error for s in streams if s.error})[:5],
    }


def cli():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # thousands of sockets
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", action="append", required=True)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--measure", type=float, default=10, help="seconds of measurement")
    parser.add_argument("--settle", type=float, default=1.0)
    parser.add_argument("--api-rate", type=float, default=10, help="requests/s per caller")
    parser.add_argument("--api-callers", type=int, default=2)
    parser.add_argument("--commands", type=int, default=20, help="rooms paused to time command->event")
    parser.add_argument("--probes", type=int, default=20, help="single connects timed during the measurement")
    parser.add_argument("--out")
    args = parser.parse_args()
    # Every event is kept (a tuple each, millions in a long run): the collector's full
    # passes over them stopped this loop for 100-400 ms at a time, every 1-2 s at 4,000
    # streams, and every stream's arrival timestamps with it, so the servers were blamed
    # for the load generator's pauses. Nothing here makes reference cycles worth collecting.
    gc.disable()
    result = asyncio.run(main(args))
    text = json.dumps(result, indent=2)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(text)
    print(text)


if __name__ == "__main__":
    cli()
