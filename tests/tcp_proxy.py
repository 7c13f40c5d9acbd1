"""A TCP proxy the test can cut and restore (a database that goes away), or stall
and resume (bytes stop moving, connections stay open)."""
from __future__ import annotations

import socket
import threading


class TcpProxy:
    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.flowing = threading.Event()
        self.flowing.set()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=3)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)  # the 3 s were for connecting: an idle link stays up
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                self._relay(src, dst, data)
        except OSError:
            pass
        finally:
            self._close_pair(src, dst)

    def _relay(self, src, dst, data):
        """Pass on ``data`` read from ``src`` (a subclass may look at it first)."""
        self.flowing.wait()
        dst.sendall(data)

    @staticmethod
    def _close_pair(src, dst):
        # shutdown first: close() alone does not wake the other direction's thread
        # blocked in recv() on the same socket, and until that recv returns the
        # kernel keeps the socket open, so the far end (PostgreSQL holding a dead
        # client's row locks) would not hear the end of the connection.
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass

    def cut(self):
        """Refuse new connections and break every open one."""
        self.up = False
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def restore(self):
        self.up = True

    def stall(self):
        self.flowing.clear()

    def resume(self):
        self.flowing.set()

    def close(self):
        self.resume()
        self.cut()
        self.listener.close()
