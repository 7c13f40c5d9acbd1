"""An epoll main loop for waitress: each pass costs what happened, not how many are connected.

waitress's own loop (``wasyncore.poll2``) asks every connection for its
``readable()``/``writable()`` flags and registers all of them with a fresh
``poll()`` on every wakeup. An open stream is a connection, so at 2,000 streams
each API request, each flushed write and each trigger pull cost a walk over
2,000 objects and a 2,000-fd ``poll()`` (measured: about 1.2 ms of GIL per pass,
the main loop at ~40 % of a core, and it is what pushed API p99 past 50 ms).

``EpollLoop`` keeps one ``epoll`` set for the process and re-reads a
connection's flags only when they may have changed:

* new connections (the map records them as they are added);
* connections the loop just dispatched (their handlers change their flags);
* connections a task thread changed: waitress wakes the main loop with
  ``server.pull_trigger()`` after every such change (a request finished, an
  incomplete flush, a stream waiting at the high watermark), so each channel
  gets a server proxy whose ``pull_trigger`` marks the channel first;
* the listening sockets and the trigger, on every pass (they are few);
* everything, once per ``asyncore_loop_timeout``, as a safety net (waitress's
  idle-connection cleanup sets flags without a trigger, for one).

A channel leaves the set the moment waitress removes it from the map (before
its socket is closed, so a reused fd number never inherits stale interest).
Dispatching goes through waitress's own ``readwrite``, so errors, hang-ups and
closes are handled exactly as in waitress. Linux only; elsewhere, or with
``EVENT_LOOP=waitress``, waitress's loop runs unchanged.
"""
from __future__ import annotations

import collections
import select
import time

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.wasyncore import readwrite

READ = select.POLLIN | select.POLLPRI
WRITE = select.POLLOUT


def epoll_available() -> bool:
    return hasattr(select, "epoll")


class TrackedMap(dict):
    """waitress's socket map (fd -> dispatcher) that tells the loop who came and went."""

    def __init__(self):
        super().__init__()
        self.loop: EpollLoop | None = None
        self.added: collections.deque = collections.deque()

    def __setitem__(self, fd, obj):
        super().__setitem__(fd, obj)
        self.added.append(fd)

    def __delitem__(self, fd):
        super().__delitem__(fd)
        if self.loop is not None:
            self.loop.forget(fd)


class _MarkingServer:
    """The channel's view of its server: everything delegates, except that a
    wake-up from a task thread first marks this channel for re-evaluation."""

    __slots__ = ("_server", "_fd", "_marked")

    def __init__(self, server, fd, marked):
        self._server, self._fd, self._marked = server, fd, marked

    def pull_trigger(self, *args):
        self._marked.append(self._fd)
        self._server.pull_trigger(*args)

    def __getattr__(self, name):
        return getattr(self._server, name)


class TrackedChannel(HTTPChannel):
    marked: collections.deque | None = None  # set per server class by install()

    def __init__(self, server, sock, addr, adj, map=None):
        super().__init__(server, sock, addr, adj, map=map)
        if self.marked is not None and self._fileno is not None:
            self.server = _MarkingServer(server, self._fileno, self.marked)


class EpollLoop:
    def __init__(self, socket_map: TrackedMap, timeout: float):
        self.map = socket_map
        self.timeout = timeout
        self.epoll = select.epoll()
        self.registered: dict[int, tuple[object, int]] = {}  # fd -> (dispatcher, flags)
        self.marked: collections.deque = collections.deque()
        self.always: set[int] = set()  # listeners and the trigger: looked at every pass
        self.evaluations = 0  # how many flag re-reads (tests check it stays small)
        self.passes = 0
        self.stopping = False
        socket_map.loop = self

    # -- interest ---------------------------------------------------------
    def forget(self, fd: int) -> None:
        """The dispatcher left the map (its socket is about to close)."""
        self.always.discard(fd)
        self._unregister(fd)

    def _unregister(self, fd: int) -> None:
        if self.registered.pop(fd, None) is not None:
            try:
                self.epoll.unregister(fd)
            except (OSError, ValueError):  # already closed: the kernel dropped it
                pass

    def evaluate(self, fd: int, obj) -> None:
        self.evaluations += 1
        if not isinstance(obj, HTTPChannel):
            self.always.add(fd)
        flags = 0
        if obj.readable():
            flags |= READ
        if obj.writable() and not obj.accepting:
            flags |= WRITE
        current = self.registered.get(fd)
        if current is not None and current[0] is obj and current[1] == flags:
            return
        if not flags:
            # epoll reports errors and hang-ups even with an empty mask; waitress's
            # loop does not register such a dispatcher at all, so neither do we.
            self._unregister(fd)
            return
        try:
            if current is None:
                self.epoll.register(fd, flags)
            else:
                self.epoll.modify(fd, flags)
        except FileExistsError:
            self.epoll.modify(fd, flags)
        except FileNotFoundError:  # the fd was closed and reused behind our back
            self.epoll.register(fd, flags)
        except (OSError, ValueError):  # closed under us: the map will drop it
            self.registered.pop(fd, None)
            return
        self.registered[fd] = (obj, flags)

    def _evaluate_fds(self, fds) -> None:
        get = self.map.get
        for fd in fds:
            obj = get(fd)
            if obj is not None:
                self.evaluate(fd, obj)

    # -- the loop ---------------------------------------------------------
    def run(self) -> None:
        """Serve until KeyboardInterrupt/SystemExit (re-raised to the caller)."""
        self.evaluate_all()
        next_full = time.monotonic() + self.timeout
        dispatched: list[int] = []
        while self.map and not self.stopping:
            now = time.monotonic()
            if now >= next_full:
                self.evaluate_all()
                next_full = now + self.timeout
            else:
                self.evaluate_changed(dispatched)
            dispatched = self.poll_once(max(0.0, min(self.timeout, next_full - now)))

    def stop(self) -> None:
        """Return from run() at the next wake-up (pull the server's trigger to wake it)."""
        self.stopping = True

    def evaluate_all(self) -> None:
        self.map.added.clear()
        self.marked.clear()
        for fd, obj in list(self.map.items()):
            self.evaluate(fd, obj)

    def evaluate_changed(self, dispatched: list[int]) -> None:
        seen = set(dispatched)
        for queue in (self.map.added, self.marked):
            while queue:
                try:
                    seen.add(queue.popleft())
                except IndexError:
                    break
        seen.update(self.always)
        self._evaluate_fds(seen)

    def poll_once(self, timeout: float) -> list[int]:
        self.passes += 1
        try:
            events = self.epoll.poll(timeout)
        except InterruptedError:
            return []
        dispatched = []
        get = self.map.get
        for fd, flags in events:
            obj = get(fd)
            current = self.registered.get(fd)
            if obj is None or current is None or current[0] is not obj:
                continue  # closed (and maybe reused) earlier in this pass
            readwrite(obj, flags)
            dispatched.append(fd)
        return dispatched


def install(server, socket_map: TrackedMap) -> EpollLoop:
    """Attach an EpollLoop to a server made with ``create_server(app, map=socket_map)``."""
    loop = EpollLoop(socket_map, float(server.adj.asyncore_loop_timeout))
    channel_class = type("EpollChannel", (TrackedChannel,), {"marked": loop.marked})
    for listener in list(socket_map.values()):  # one, or one per address of the host
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = channel_class
    return loop


def serve(server, socket_map: TrackedMap | None) -> None:
    """Run the server's main loop: ours if installed, else waitress's own.
    Returns on KeyboardInterrupt/SystemExit, like ``server.run()``."""
    if socket_map is None or socket_map.loop is None:
        server.run()
        return
    try:
        socket_map.loop.run()
    except (SystemExit, KeyboardInterrupt):
        server.task_dispatcher.shutdown()
