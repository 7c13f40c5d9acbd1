"""A small local web server for link-preview tests (127.0.0.1 only)."""
from __future__ import annotations

import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class PageServer:
    def __init__(self):
        self.routes: dict[str, tuple[int, dict, bytes, float]] = {}
        self.requests: list[str] = []
        self.trickles: dict[str, tuple[float, bool]] = {}
        self.hung_up: list[tuple[str, float]] = []  # (trickled path, seconds until the client left)
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                pages.requests.append(self.path)
                if self.path in pages.trickles:
                    return self._trickle(*pages.trickles[self.path])
                status, headers, body, delay = pages.routes.get(
                    self.path, (404, {"Content-Type": "text/plain"}, b"nope", 0))
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            def _trickle(self, interval, in_headers):
                """One byte every ``interval`` seconds, for ever (or until the
                client goes): in the status line and headers, or in the body."""
                head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                if not in_headers:
                    self.wfile.write(head + b"Content-Length: 100000\r\n\r\n")
                    self.wfile.flush()
                data = (head if in_headers else b"") + b"<title>" + b"x" * 100_000
                started = time.monotonic()
                try:
                    for byte in data:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        readable, _, _ = select.select([self.connection], [], [], interval)
                        if readable and not self.connection.recv(1, socket.MSG_PEEK):
                            break  # the client hung up
                except OSError:
                    pass
                pages.hung_up.append((self.path, time.monotonic() - started))
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def html(self, path: str, body: str, status: int = 200, delay: float = 0,
             content_type: str = "text/html; charset=utf-8"):
        self.routes[path] = (status, {"Content-Type": content_type}, body.encode(), delay)

    def trickle(self, path: str, interval: float = 0.5, in_headers: bool = False):
        self.trickles[path] = (interval, in_headers)

    def redirect(self, path: str, location: str, status: int = 302):
        self.routes[path] = (status, {"Location": location}, b"", 0)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
