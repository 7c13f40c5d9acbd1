"""The client address and scheme, decided once (coding_duo/web/client.py)."""
from __future__ import annotations

import pytest

from coding_duo.web.client import ClientMiddleware, client_address, parse_trusted

DEFAULT = parse_trusted("")


@pytest.mark.parametrize("peer, xff, expected", [
    ("203.0.113.9", None, "203.0.113.9"),  # no proxy
    ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # an untrusted peer cannot choose
    ("127.0.0.1", None, "127.0.0.1"),
    ("127.0.0.1", "198.51.100.7", "198.51.100.7"),  # nginx on the same machine
    ("127.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # forged left part ignored
    ("10.1.2.3", "6.6.6.6, 198.51.100.7, 10.0.0.5", "198.51.100.7"),  # two proxies
    ("100.64.3.4", "198.51.100.7", "198.51.100.7"),  # a PaaS router
    ("::1", "2001:db8::5", "2001:db8::5"),
    ("127.0.0.1", "[2001:db8::5]:443", "2001:db8::5"),
    ("127.0.0.1", "198.51.100.7:5678", "198.51.100.7"),
    ("127.0.0.1", "::ffff:198.51.100.7", "198.51.100.7"),
    ("127.0.0.1", "192.168.1.4, 10.0.0.2", "192.168.1.4"),  # all trusted: the furthest
    ("127.0.0.1", "garbage, 192.168.1.4", "192.168.1.4"),  # malformed stops the walk
    ("127.0.0.1", "198.51.100.7, not-an-ip", "127.0.0.1"),
    ("127.0.0.1", ",,, ", "127.0.0.1"),
    ("127.0.0.1", "1.2.3.4" + ", 10.0.0.1" * 100, "10.0.0.1"),  # walked at most 32 hops
    ("unix-socket", "1.2.3.4", "unix-socket"),
])
def test_client_is_the_rightmost_untrusted_entry(peer, xff, expected):
    assert client_address(peer, xff, DEFAULT) == expected


def test_trusted_proxies_replaces_the_default_and_none_trusts_nobody():
    only_ten = parse_trusted("10.0.0.0/8")
    assert client_address("127.0.0.1", "1.2.3.4", only_ten) == "127.0.0.1"
    assert client_address("10.9.9.9", "1.2.3.4", only_ten) == "1.2.3.4"
    assert client_address("10.9.9.9", "1.2.3.4", parse_trusted("none")) == "10.9.9.9"
    assert parse_trusted(" 10.0.0.0/8 , fd00::/8 ")[1].version == 6


@pytest.mark.parametrize("value", ["1", "2", "10.0.0.0/33", "nope.example", "10.0.0.0/8,,"])
def test_a_wrong_trusted_proxies_stops_with_one_line_naming_it(value):
    with pytest.raises(SystemExit) as error:
        parse_trusted(value)
    assert str(error.value).startswith("TRUSTED_PROXIES: ")


def _through(environ, trusted=DEFAULT):
    seen = {}

    def app(env, _start):
        seen.update(env)
        return []
    ClientMiddleware(app, trusted)(environ, None)
    return seen


def test_middleware_sets_address_and_scheme_from_a_trusted_proxy():
    env = _through({"REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
                    "HTTP_X_FORWARDED_FOR": "198.51.100.7", "HTTP_X_FORWARDED_PROTO": "https"})
    assert (env["REMOTE_ADDR"], env["wsgi.url_scheme"]) == ("198.51.100.7", "https")
    assert env["coding_duo.peer"] == "127.0.0.1"
    odd = _through({"REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
                    "HTTP_X_FORWARDED_PROTO": "gopher"})
    assert odd["wsgi.url_scheme"] == "http"


def test_middleware_removes_forwarded_headers_from_an_untrusted_peer():
    env = _through({"REMOTE_ADDR": "203.0.113.9", "wsgi.url_scheme": "http",
                    "HTTP_X_FORWARDED_FOR": "1.2.3.4", "HTTP_X_FORWARDED_PROTO": "https",
                    "HTTP_X_FORWARDED_HOST": "evil.example", "HTTP_FORWARDED": "for=1.2.3.4"})
    assert (env["REMOTE_ADDR"], env["wsgi.url_scheme"]) == ("203.0.113.9", "http")
    assert not [k for k in env if "FORWARDED" in k]
