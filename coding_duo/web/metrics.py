"""Prometheus metrics at /metrics (the registries read at scrape time, and a
request-latency histogram), and the logs: one JSON object per line for each
request (``coding_duo.request``), plain text for everything else."""
from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime, timezone

from flask import Blueprint, Response, g, request
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .client import current_client

bp = Blueprint("metrics", __name__)
request_log = logging.getLogger("coding_duo.request")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging() -> None:
    """Text lines for people; the request log's lines are JSON whole (time, level and
    logger inside the object), so a log shipper can parse each one with no prefix."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    request_log.addHandler(handler)
    request_log.propagate = False


class DuoCollector:
    def __init__(self, duo_services):
        self.duo = duo_services

    def collect(self):
        d = self.duo
        yield GaugeMetricFamily("coding_duo_open_streams", "Event streams registered now",
                                value=d.streams.total())
        yield GaugeMetricFamily("coding_duo_stream_slots_in_use",
                                "Stream slots taken (each holds a waitress thread)",
                                value=d.stream_cap.open)
        yield GaugeMetricFamily("coding_duo_stream_slots", "Stream slots allowed",
                                value=d.stream_cap.limit)
        yield GaugeMetricFamily("coding_duo_rooms_running", "Rooms with a running timer job",
                                value=len(d.schedulers.keys()))
        entries = GaugeMetricFamily("coding_duo_room_entries",
                                    "Per-room entries held in this process's memory",
                                    labels=["structure"])
        for structure, size in d.timers.memory_sizes().items():
            entries.add_metric([structure], size)
        yield entries
        yield GaugeMetricFamily("coding_duo_scheduler_threads",
                                "APScheduler main threads in this process (must be 1)",
                                value=sum(t.name == "APScheduler" for t in threading.enumerate()))
        yield GaugeMetricFamily("coding_duo_threads", "Threads in this process",
                                value=threading.active_count())
        dispatcher = d.server_dispatcher
        if dispatcher is not None:
            yield GaugeMetricFamily("coding_duo_server_threads_busy",
                                    "waitress threads handling a request or stream now",
                                    value=dispatcher.active_count)
            yield GaugeMetricFamily("coding_duo_server_threads", "waitress threads",
                                    value=len(dispatcher.threads))
            if hasattr(dispatcher, "threads_used"):
                yield GaugeMetricFamily("coding_duo_server_threads_used",
                                        "waitress threads ever woken to serve (the most "
                                        "recently idle first: about the peak concurrency)",
                                        value=dispatcher.threads_used())
        yield CounterMetricFamily("coding_duo_ticks_sent", "remaining-time ticks broadcast",
                                  value=d.timers.ticks_sent)
        skew = d.clock_skew
        if skew.offset_ms is not None:
            yield GaugeMetricFamily("coding_duo_clock_offset_ms",
                                    "The database's clock minus this process's (last measured)",
                                    value=skew.offset_ms)
            yield GaugeMetricFamily("coding_duo_clock_offset_error_ms",
                                    "Half the round trip of that measurement", value=skew.error_ms)
        outbox = getattr(d.bus, "outbox", None)
        if outbox is not None:
            yield GaugeMetricFamily("coding_duo_bus_outbox_bytes",
                                    "Bytes of changes waiting for Redis", value=outbox.bytes)
            yield CounterMetricFamily("coding_duo_bus_outbox_dropped_batches",
                                      "Unsent changes dropped (outbox over BUS_OUTBOX_BYTES)",
                                      value=outbox.dropped_batches)
            yield CounterMetricFamily("coding_duo_bus_outbox_dropped_bytes",
                                      "Bytes of unsent changes dropped", value=outbox.dropped_bytes)
        yield CounterMetricFamily("coding_duo_clients_dropped",
                                  "Stream clients dropped because their queue was full",
                                  value=d.streams.dropped_total)


def init_metrics(app) -> None:
    registry = CollectorRegistry(auto_describe=True)
    registry.register(DuoCollector(app.extensions["coding_duo"]))
    app.extensions["coding_duo_metrics"] = registry
    latency = Histogram("coding_duo_request_seconds", "Request latency (streams: until the first byte)",
                        ["method", "endpoint", "status"], registry=registry,
                        buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5))
    app.register_blueprint(bp)

    @app.before_request
    def start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        """One structured line per request: method, path, endpoint, room, status, latency."""
        started = g.get("request_started")
        if started is None or request.endpoint == "static":
            return response
        elapsed = time.perf_counter() - started
        endpoint = request.endpoint or "unknown"
        latency.labels(request.method, endpoint, str(response.status_code)).observe(elapsed)
        view_args = request.view_args or {}
        request_log.info(json.dumps({
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "level": "INFO", "logger": request_log.name,
            "method": request.method, "path": request.path, "endpoint": endpoint,
            "room": view_args.get("code"), "status": response.status_code,
            "ms": round(elapsed * 1000, 2), "client": current_client(),
            "stream": response.mimetype == "text/event-stream",
        }, ensure_ascii=False))
        return response


@bp.get("/metrics")
def metrics():
    from flask import current_app
    return Response(generate_latest(current_app.extensions["coding_duo_metrics"]),
                    mimetype=CONTENT_TYPE_LATEST)
