"""A small local web server for link-preview tests (127.0.0.1 only)."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class PageServer:
    def __init__(self):
        self.routes: dict[str, tuple[int, dict, bytes, float]] = {}
        self.requests: list[str] = []
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                pages.requests.append(self.path)
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

    def redirect(self, path: str, location: str, status: int = 302):
        self.routes[path] = (status, {"Location": location}, b"", 0)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
