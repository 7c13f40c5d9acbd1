"""Reference-link previews: fetch a page and read its title and Open Graph data.

The fetch is guarded against server-side request forgery: every address a host
name resolves to must be a public one (``addresses.is_public_address``) unless
private addresses are allowed explicitly, and the connection goes to the
address that was checked, so DNS cannot change its answer in between.
Redirects are followed by hand, each hop checked again.

One hard deadline (``timeout``, 3 s) bounds the whole fetch, however the far end
trickles: the DNS lookup runs on a bounded set of lookup threads and is
abandoned at the deadline (an abandoned lookup keeps its slot until it ends, so
hung lookups cannot pile up: past ``max_lookups``, or past a room's or a client's
quarter of them, the preview fails at once);
connect, TLS, headers and body run on a socket that a watchdog shuts down at the
deadline. A size cap bounds the body. Whatever goes wrong, the preview is
titled with the URL.
"""
from __future__ import annotations

import http.client
import logging
import socket
import ssl
import threading
import time
from collections import Counter
from urllib.parse import urljoin, urlsplit


from .addresses import is_public_address
from .models import TITLE_MAX
from .page_head import Preview, parse_preview

log = logging.getLogger(__name__)

REDIRECTS = {301, 302, 303, 307, 308}
USER_AGENT = "CodingDuo-LinkPreview/1.0 (+self-hosted pair-programming room)"
CHUNK = 16384

__all__ = ["LinkPreviewer", "Preview", "PreviewRefused", "is_public_address", "parse_preview"]


class PreviewRefused(Exception):
    """The URL may not or could not be fetched; the message says why."""


def untitled(url: str) -> Preview:
    """What a link has until (or unless) its preview arrives: its URL as its title."""
    return Preview(head_title=url[:TITLE_MAX])


def _default_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


class Deadline:
    """The fetch's deadline: ``remaining()`` (or PreviewRefused once it passed), and a
    watchdog that shuts the watched socket down when it passes, waking any read."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sock = None
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0 or self.expired:
            raise PreviewRefused("took too long")
        return left

    def watch(self, sock) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._sock is not None:
                _shutdown(self._sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shutdown(sock) -> None:
    try:  # the plain socket's shutdown, also for TLS: no close_notify, the fd just ends
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class Lookups:
    """DNS lookups with a deadline (getaddrinfo has none): each runs on a thread of
    its own, at most ``size`` at once; one that passes its deadline is abandoned
    but keeps its slot until it ends, and when every slot is taken a lookup fails
    at once. (Daemon threads: a hung lookup never holds the process up at exit.)
    Fair shares: a lookup made for ``owners`` (its room and its client) counts
    against each, and none of them holds more than ``per_owner`` slots (a quarter),
    so one room's or one client's hung names cannot take every slot."""

    def __init__(self, resolver, size: int, per_owner: int | None = None):
        self.resolver = resolver
        self.size = size
        self.per_owner = per_owner or max(1, size // 4)
        self._lock = threading.Lock()
        self._taken = 0
        self._owners: Counter = Counter()

    def _take(self, owners: tuple) -> None:
        with self._lock:
            if self._taken >= self.size:
                raise PreviewRefused("too many DNS lookups in flight")
            if any(self._owners[owner] >= self.per_owner for owner in owners):
                raise PreviewRefused("too many DNS lookups in flight for this room or client")
            self._taken += 1
            self._owners.update(owners)

    def _give_back(self, owners: tuple) -> None:
        with self._lock:
            self._taken -= 1
            self._owners.subtract(owners)
            for owner in owners:
                if self._owners[owner] <= 0:
                    del self._owners[owner]

    def resolve(self, host: str, port: int, deadline: Deadline, owners: tuple = ()) -> list[str]:
        self._take(owners)
        result: dict = {}
        done = threading.Event()

        def run():
            try:
                result["addresses"] = self.resolver(host, port)
            except Exception as error:  # noqa: BLE001 -- handed to the waiting fetch
                result["error"] = error
            finally:
                self._give_back(owners)
                done.set()
        threading.Thread(target=run, name="preview-dns", daemon=True).start()
        if not done.wait(deadline.remaining()):
            raise PreviewRefused(f"the DNS lookup of {host} took too long")
        error = result.get("error")
        if isinstance(error, (OSError, UnicodeError)):
            raise PreviewRefused(f"cannot resolve {host}: {error}")
        if error is not None:
            raise error
        return result["addresses"]


class _Connection(http.client.HTTPConnection):
    """HTTP(S) to the checked address, the socket under the deadline's watchdog."""

    def __init__(self, address: str, port: int, hostname: str, context, deadline: Deadline):
        super().__init__(address, port, timeout=deadline.remaining())
        self.hostname, self.context, self.deadline = hostname, context, deadline

    def connect(self):
        sock = socket.create_connection((self.host, self.port), timeout=self.deadline.remaining())
        self.deadline.watch(sock)
        if self.context is not None:
            sock = self.context.wrap_socket(sock, server_hostname=self.hostname,
                                            do_handshake_on_connect=False)
            self.deadline.watch(sock)
            sock.do_handshake()
        self.sock = sock


class LinkPreviewer:
    def __init__(self, allow_private: bool = False, timeout: float = 3.0,
                 max_bytes: int = 512 * 1024, max_redirects: int = 3,
                 resolver=_default_resolver, dialer=lambda address: address,
                 max_lookups: int = 8):
        self.allow_private = allow_private
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.lookups = Lookups(resolver, max_lookups)
        self.dialer = dialer  # tests route a "public" address to a local server
        self._tls = ssl.create_default_context()

    def preview(self, url: str, owners: tuple = ()) -> Preview:
        """The page's preview, or one titled with the URL if it cannot be had
        (``owners``: whose DNS share its lookups count against)."""
        try:
            html, final_url = self.fetch(url, owners)
            preview = parse_preview(html, final_url)
        except PreviewRefused as error:
            log.info("no preview for %s: %s", url, error)
            return untitled(url)
        except Exception:  # noqa: BLE001 -- whatever a page does, the link is saved
            log.exception("no preview for %s", url)
            return untitled(url)
        if not preview.head_title:
            preview.head_title = url[:TITLE_MAX]
        return preview

    def fetch(self, url: str, owners: tuple = ()) -> tuple[str, str]:
        deadline = Deadline(self.timeout)
        try:
            for _ in range(self.max_redirects + 1):
                response, connection = self._open(url, deadline, owners)
                try:
                    if response.status in REDIRECTS:
                        location = response.getheader("Location")
                        if not location:
                            raise PreviewRefused("redirect without a Location")
                        url = urljoin(url, location)
                        continue
                    if response.status != 200:
                        raise PreviewRefused(f"answered {response.status}")
                    content_type = response.getheader("Content-Type", "")
                    if "html" not in content_type.lower():
                        raise PreviewRefused(f"not an HTML page ({content_type or 'no type'})")
                    return self._read(response, content_type, deadline), url
                finally:
                    connection.close()
            raise PreviewRefused("too many redirects")
        except (OSError, ValueError, http.client.HTTPException) as error:
            if deadline.expired:
                raise PreviewRefused("took too long") from None
            raise PreviewRefused(f"fetch failed: {error!r}") from None
        finally:
            deadline.cancel()

    def _open(self, url: str, deadline: Deadline, owners: tuple = ()):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PreviewRefused("only http(s) URLs are fetched")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = self.lookups.resolve(parts.hostname, port, deadline, owners)
        if not addresses:
            raise PreviewRefused(f"{parts.hostname} has no address")
        if not self.allow_private:
            blocked = [a for a in addresses if not is_public_address(a)]
            if blocked:
                raise PreviewRefused(f"{parts.hostname} resolves to a non-public address {blocked[0]}")
        address = self.dialer(addresses[0])
        connection = _Connection(address, port, parts.hostname,
                                 self._tls if parts.scheme == "https" else None, deadline)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        name = _idna(parts.hostname)  # a non-ASCII name goes in the Host header as DNS knows it
        host_header = name if parts.port is None else f"{name}:{parts.port}"
        if ":" in parts.hostname:
            host_header = host_header.replace(parts.hostname, f"[{parts.hostname}]", 1)
        try:
            connection.request("GET", path, headers={
                "Host": host_header, "User-Agent": USER_AGENT,
                "Accept": "text/html,application/xhtml+xml"})
            return connection.getresponse(), connection
        except BaseException:
            connection.close()
            raise

    def _read(self, response, content_type: str, deadline: Deadline) -> str:
        body = bytearray()
        while len(body) < self.max_bytes:
            deadline.remaining()  # PreviewRefused once it passed
            chunk = response.read1(CHUNK)
            if not chunk:
                break
            body += chunk
        if deadline.expired:  # the watchdog ended the read: a page cut short, not a page
            raise PreviewRefused("took too long")
        charset = "utf-8"
        if "charset=" in content_type.lower():
            charset = content_type.lower().split("charset=")[-1].split(";")[0].strip() or charset
        try:
            return bytes(body[: self.max_bytes]).decode(charset, errors="replace")
        except LookupError:
            return bytes(body[: self.max_bytes]).decode("utf-8", errors="replace")


def _idna(hostname: str) -> str:
    try:
        return hostname.encode("idna").decode("ascii")
    except UnicodeError:
        return hostname


