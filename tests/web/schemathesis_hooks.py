"""Schemathesis hooks for the fuzz run (tests/web/test_hardening.py): besides what it
generates from the document, bodies get URLs with ports out of range and malformed
IPv6 hosts, and numbers that are not finite or far out of range."""
from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

HOSTILE_URLS = ["http://example.com:99999/", "http://[::1/", "http://[::1]:65536/",
                "http://example.com:-1/", "http://example.com:abc/", "http://[zz]/", "http://:80/",
                "https://[64:ff9b::a00:1]/", "http://[2002:7f00:1::]:8000/"]
HOSTILE_NUMBERS = [1e308, -1e308, 10**400, -(10**400), 2**63]  # (NaN and inf: not JSON to schemathesis; the raw corpus sends them)
URL_FIELDS = ("url", "missionUrl")
NUMBER_FIELDS = ("timerDuration", "timerRemainingTime", "duration", "remainingTime", "order")


@schemathesis.hook
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    options = [st.just(body)]
    for field in URL_FIELDS:
        if field in body:
            options.append(st.sampled_from(HOSTILE_URLS).map(lambda u, f=field: {**body, f: u}))
    for field in NUMBER_FIELDS:
        if field in body:
            options.append(st.sampled_from(HOSTILE_NUMBERS).map(lambda n, f=field: {**body, f: n}))
    return st.one_of(options)
