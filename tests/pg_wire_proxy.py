"""A TCP proxy in front of PostgreSQL that can hold back a client's ``ROLLBACK``
(or ``COMMIT``: ``statement``): the transaction it would end sits idle meanwhile, as
when the process stalls (or waits, or is starved) between its last statement and
that one. Needs a plain-text link
(``plain_text``): it reads the client's messages to find the rollbacks."""
from __future__ import annotations

import struct
import time

from tcp_proxy import TcpProxy

SSL_REQUEST, GSSENC_REQUEST = 80877103, 80877104


def plain_text(url: str) -> str:
    """``url`` with TLS and GSS encryption off (the proxy must read the messages)."""
    return url + ("&" if "?" in url else "?") + "sslmode=disable&gssencmode=disable"


class RollbackHoldingProxy(TcpProxy):
    def __init__(self, target, statement: bytes = b"ROLLBACK"):
        super().__init__(target)
        self.statement = statement
        self.hold_seconds = 0.0  # while > 0, each client ROLLBACK (statement) waits this long
        self.holds_left = None  # how many more to hold back (None: every one)
        self.held = 0  # how many were held back
        self._read: dict = {}  # client socket -> [bytes not yet a whole message, started]

    def _relay(self, src, dst, data):
        if src.getsockname()[1] != self.port:  # the database's answers: as they come
            return super()._relay(src, dst, data)
        state = self._read.setdefault(src, [b"", False])
        state[0] += data
        while (message := self._next_message(state)) is not None:
            if (message[:1] == b"Q" and self.hold_seconds > 0 and self.holds_left != 0
                    and message[5:5 + len(self.statement)].upper() == self.statement):
                self.held += 1
                if self.holds_left is not None:
                    self.holds_left -= 1
                time.sleep(self.hold_seconds)
            super()._relay(src, dst, message)

    @staticmethod
    def _next_message(state) -> bytes | None:
        """The next whole message the client sent: untyped ones first (SSL and GSS
        requests, then the startup message), then a type byte and a length each."""
        buffer, started = state
        head = 1 if started else 0
        if len(buffer) < head + 4:
            return None
        length = struct.unpack("!i", buffer[head:head + 4])[0] + head
        if len(buffer) < length:
            return None
        message, state[0] = buffer[:length], buffer[length:]
        if not started:
            state[1] = struct.unpack("!i", message[4:8])[0] not in (SSL_REQUEST, GSSENC_REQUEST)
        return message
