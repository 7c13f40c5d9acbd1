"""Who the client is: the one place that decides a request's client address
and scheme, for the rate limits, the per-client stream cap, the request log and
``/metrics`` alike.

The model is Rails' ``ActionDispatch::RemoteIp``: a peer in a trusted range is
a proxy, and the client is the rightmost ``X-Forwarded-For`` entry that is not a
trusted proxy (the furthest entry when every one is trusted). A peer outside the
trusted ranges is the client itself, whatever headers it sends: its
``X-Forwarded-*`` headers are removed before the app sees them, so it can choose
neither its address nor its scheme. An entry that is not an address stops the
walk: the last address known is the client.

``TRUSTED_PROXIES``: a comma-separated list of CIDR ranges replacing the
default (loopback and private networks, and 100.64.0.0/10 which PaaS routers
use); ``none`` trusts nobody (the app faces the internet directly).
"""
from __future__ import annotations

import ipaddress

from flask import request

DEFAULT_TRUSTED = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12",
                   "192.168.0.0/16", "fc00::/7", "100.64.0.0/10")
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                     "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_BY", "HTTP_FORWARDED",
                     "HTTP_X_REAL_IP", "HTTP_CLIENT_IP")
MAX_HOPS = 32  # entries read from the right; a longer header is not walked further
PEER_KEY = "coding_duo.peer"  # the socket's own peer, kept in the environ

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted(value: str | None) -> tuple[Network, ...]:
    """``TRUSTED_PROXIES`` as networks; unset or empty is the default, ``none`` is
    nothing. A wrong entry stops the server at start with one line naming it."""
    if value is None or not value.strip():
        value = ",".join(DEFAULT_TRUSTED)
    if value.strip().lower() in ("none", "0"):  # "0": the old count of proxies, none
        return ()
    networks = []
    for entry in (part.strip() for part in value.split(",")):
        # A bare number was the old meaning (a count of proxies): say so, do not
        # read "1" as the address 0.0.0.1.
        if not entry or ("." not in entry and ":" not in entry):
            raise SystemExit(f"TRUSTED_PROXIES: {entry!r} is not a CIDR range; give ranges "
                             f"such as 10.0.0.0/8,192.168.0.0/16, or 'none'")
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise SystemExit(f"TRUSTED_PROXIES: {entry!r} is not a CIDR range") from None
    return tuple(networks)


def parse_address(text: str):
    """An address from a header entry (``[v6]``, ``v4:port`` accepted), or None."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def is_trusted(address, trusted: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def client_address(peer: str, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The client's address for a request from ``peer`` carrying ``forwarded_for``."""
    known = parse_address(peer or "")
    if known is None:
        return peer or "?"
    if not forwarded_for or not is_trusted(known, trusted):
        return str(known)
    for entry in reversed(forwarded_for.split(",")[-MAX_HOPS:]):
        address = parse_address(entry)
        if address is None:
            break  # not an address: the hop that sent it is the last one we know
        known = address
        if not is_trusted(address, trusted):
            break
    return str(known)


def forwarded_scheme(value: str | None) -> str | None:
    """``http`` or ``https`` from ``X-Forwarded-Proto`` (the nearest proxy's entry)."""
    if not value:
        return None
    scheme = value.split(",")[-1].strip().lower()
    return scheme if scheme in ("http", "https") else None


class ClientMiddleware:
    """WSGI middleware: ``REMOTE_ADDR`` becomes the client's address and
    ``wsgi.url_scheme`` the scheme its trusted proxy reports, so everything after
    it (Flask's ``request.remote_addr``, ``url_for(_external=True)``) agrees."""

    def __init__(self, app, trusted: tuple[Network, ...]):
        self.app = app
        self.trusted = trusted

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR", "")
        environ[PEER_KEY] = peer
        address = parse_address(peer)
        if address is not None and is_trusted(address, self.trusted):
            environ["REMOTE_ADDR"] = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"),
                                                    self.trusted)
            scheme = forwarded_scheme(environ.get("HTTP_X_FORWARDED_PROTO"))
            if scheme:
                environ["wsgi.url_scheme"] = scheme
        else:
            for name in FORWARDED_HEADERS:  # nothing downstream may believe them
                environ.pop(name, None)
        return self.app(environ, start_response)


def current_client() -> str:
    """This request's client address, as the middleware decided it."""
    return request.remote_addr or "?"
