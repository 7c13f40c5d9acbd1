"""Server-Sent Events wire encoding (https://html.spec.whatwg.org/#server-sent-events)."""
from __future__ import annotations

import json
import re

# The ids we send are a counter; a reconnecting browser sends the last one back.
LAST_EVENT_ID_PATTERN = r"^[0-9]{0,20}$"


def is_event_id(value: str) -> bool:
    """Could ``value`` be a Last-Event-ID we sent (empty: the browser has none)?"""
    return re.fullmatch(LAST_EVENT_ID_PATTERN, value) is not None


def encode_event(event: str, data, event_id: int | str | None = None) -> bytes:
    """One event. ``data`` that is not a string is sent as compact JSON; a string
    with newlines becomes several ``data:`` lines, as the spec requires."""
    if not isinstance(data, str):
        data = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {event}")
    lines.extend(f"data: {line}" for line in data.split("\n"))
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def encode_retry(milliseconds: int) -> bytes:
    """Tell the browser how long to wait before reconnecting (must be digits)."""
    return f"retry: {int(milliseconds)}\n\n".encode("ascii")


def encode_comment(text: str = "ping") -> bytes:
    """A comment line: ignored by browsers, but keeps proxies from cutting the stream."""
    return f": {text}\n\n".encode("utf-8")
