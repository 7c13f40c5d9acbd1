"""Reference-link previews: fetch a page and read its title and Open Graph data.

The fetch is guarded against server-side request forgery: every address a host
name resolves to must be a public one (no loopback, private, link-local,
shared, reserved or multicast address) unless private addresses are allowed
explicitly, and the connection goes to the address that was checked, so DNS
cannot change its answer in between. Redirects are followed by hand, each hop
checked again. A short deadline and a size cap bound the work. Whatever goes
wrong, the link is still saved, titled with its host name.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from bs4 import BeautifulSoup

from .models import DESCRIPTION_MAX, TITLE_MAX, URL_MAX

log = logging.getLogger(__name__)

REDIRECTS = {301, 302, 303, 307, 308}
USER_AGENT = "CodingDuo-LinkPreview/1.0 (+self-hosted pair-programming room)"


class PreviewRefused(Exception):
    """The URL may not or could not be fetched; the message says why."""


@dataclass
class Preview:
    head_title: str = ""
    open_graph_title: str = ""
    description: str = ""
    image: str = ""


def _default_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class LinkPreviewer:
    def __init__(self, allow_private: bool = False, timeout: float = 3.0,
                 max_bytes: int = 512 * 1024, max_redirects: int = 3,
                 resolver=_default_resolver, dialer=lambda address: address):
        self.allow_private = allow_private
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.resolver = resolver
        self.dialer = dialer  # tests route a "public" address to a local server

    def preview(self, url: str) -> Preview:
        """The page's preview, or one titled with the host name if it cannot be had."""
        host = urlsplit(url).hostname or url
        try:
            html, final_url = self.fetch(url)
        except PreviewRefused as error:
            log.info("no preview for %s: %s", url, error)
            return Preview(head_title=host[:TITLE_MAX])
        preview = parse_preview(html, final_url)
        if not preview.head_title:
            preview.head_title = host[:TITLE_MAX]
        return preview

    def fetch(self, url: str) -> tuple[str, str]:
        deadline = time.monotonic() + self.timeout
        for _ in range(self.max_redirects + 1):
            response, pool = self._open(url, deadline)
            try:
                if response.status in REDIRECTS:
                    location = response.headers.get("Location")
                    if not location:
                        raise PreviewRefused("redirect without a Location")
                    url = urljoin(url, location)
                    continue
                if response.status != 200:
                    raise PreviewRefused(f"answered {response.status}")
                content_type = response.headers.get("Content-Type", "")
                if "html" not in content_type.lower():
                    raise PreviewRefused(f"not an HTML page ({content_type or 'no type'})")
                return self._read(response, content_type, deadline), url
            finally:
                response.release_conn()
                pool.close()
        raise PreviewRefused("too many redirects")

    def _open(self, url: str, deadline: float):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PreviewRefused("only http(s) URLs are fetched")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = self.resolver(parts.hostname, port)
        except (OSError, UnicodeError) as error:
            raise PreviewRefused(f"cannot resolve {parts.hostname}: {error}") from None
        if not addresses:
            raise PreviewRefused(f"{parts.hostname} has no address")
        if not self.allow_private:
            blocked = [a for a in addresses if not is_public_address(a)]
            if blocked:
                raise PreviewRefused(f"{parts.hostname} resolves to a non-public address {blocked[0]}")
        address = self.dialer(addresses[0])
        remaining = max(0.1, deadline - time.monotonic())
        timeout = urllib3.Timeout(connect=remaining, read=remaining)
        if parts.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(address, port, timeout=timeout, retries=False,
                                               server_hostname=parts.hostname,
                                               assert_hostname=parts.hostname)
        else:
            pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        try:
            response = pool.urlopen("GET", path, headers={
                "Host": host_header, "User-Agent": USER_AGENT,
                "Accept": "text/html,application/xhtml+xml"},
                redirect=False, retries=False, preload_content=False)
        except urllib3.exceptions.HTTPError as error:
            pool.close()
            raise PreviewRefused(f"fetch failed: {error}") from None
        return response, pool

    def _read(self, response, content_type: str, deadline: float) -> str:
        body = bytearray()
        try:
            for chunk in response.stream(16384):
                body += chunk
                if len(body) >= self.max_bytes or time.monotonic() > deadline:
                    break
        except urllib3.exceptions.HTTPError as error:
            if not body:
                raise PreviewRefused(f"read failed: {error}") from None
        charset = "utf-8"
        if "charset=" in content_type.lower():
            charset = content_type.lower().split("charset=")[-1].split(";")[0].strip() or charset
        try:
            return bytes(body[: self.max_bytes]).decode(charset, errors="replace")
        except LookupError:
            return bytes(body[: self.max_bytes]).decode("utf-8", errors="replace")


def _meta(soup: BeautifulSoup, *keys: str) -> str:
    for key in keys:
        tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
        if tag and tag.get("content"):
            return " ".join(tag["content"].split())
    return ""


def parse_preview(html: str, base_url: str) -> Preview:
    soup = BeautifulSoup(html, "html.parser")
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    image = _meta(soup, "og:image", "og:image:url", "twitter:image")
    if image:
        image = urljoin(base_url, image)
        if urlsplit(image).scheme not in ("http", "https") or len(image) > URL_MAX:
            image = ""
    return Preview(
        head_title=title[:TITLE_MAX],
        open_graph_title=_meta(soup, "og:title", "twitter:title")[:TITLE_MAX],
        description=_meta(soup, "og:description", "description", "twitter:description")[:DESCRIPTION_MAX],
        image=image,
    )
