"""Link previews off the API's threads: a link is saved at once, titled with its
URL, and its preview is fetched afterwards on a small pool of its own; when it
arrives the link row is updated through the normal change path (under the room
lock) and the link is pushed again.

The pool is bounded: ``workers`` fetch at once, at most ``queue`` previews wait
or run, and at most ``per_room`` / ``per_client`` of them come from one room or
one client address. Past a cap the link simply keeps its URL as its title.
"""
from __future__ import annotations

import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..rooms.models import PairRoom
from ..web.errors import ApiError, NotFound
from .changes import changing
from .models import ReferenceLink
from .previews import LinkPreviewer, Preview, untitled

log = logging.getLogger(__name__)


class PreviewJobs:
    def __init__(self, previewer: LinkPreviewer, workers: int = 4, queue: int = 64,
                 per_room: int = 8, per_client: int = 8):
        self.previewer = previewer
        self.queue, self.per_room, self.per_client = queue, per_room, per_client
        self._pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="preview")
        self._lock = threading.Lock()
        self._rooms: Counter = Counter()
        self._clients: Counter = Counter()
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def submit(self, room: str, client: str, url: str, done) -> bool:
        """Fetch ``url``'s preview and call ``done(preview)`` on a pool thread; False
        (and nothing happens) when a cap is reached."""
        with self._lock:
            if (self._in_flight >= self.queue or self._rooms[room] >= self.per_room
                    or self._clients[client] >= self.per_client):
                return False
            self._in_flight += 1
            self._rooms[room] += 1
            self._clients[client] += 1
        try:
            self._pool.submit(self._run, room, client, url, done)
        except RuntimeError:  # shutting down
            self._release(room, client)
            return False
        return True

    def _run(self, room: str, client: str, url: str, done) -> None:
        try:
            done(self.previewer.preview(url, owners=(("room", room), ("client", client))))
        except Exception:  # noqa: BLE001 -- one bad preview must not kill the worker
            log.exception("saving the preview of %s failed", url)
        finally:
            self._release(room, client)

    def _release(self, room: str, client: str) -> None:
        with self._lock:
            self._in_flight -= 1
            for counter, key in ((self._rooms, room), (self._clients, client)):
                counter[key] -= 1
                if counter[key] <= 0:
                    del counter[key]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def preview_later(jobs: PreviewJobs, room: PairRoom, link: dict, client: str) -> bool:
    """Queue the preview of ``link`` (as ``link_json`` shows it); when it arrives it is
    saved and the link pushed again."""
    app = current_app._get_current_object()
    code, link_id, url = room.access_code, link["id"], link["url"]

    def done(preview: Preview) -> None:
        with app.app_context():
            save_preview(code, link_id, url, preview)
    return jobs.submit(code, client, url, done)


def save_preview(code: str, link_id: str, url: str, preview: Preview) -> None:
    """Write ``preview`` into the link and push it to the room again (nothing if the
    link, or its room, went meanwhile, or the room was completed; nothing either
    when there is no preview: the link keeps the title it was saved with)."""
    if preview == untitled(url):
        return
    room = db.session.execute(select(PairRoom).where(PairRoom.access_code == code)).scalar_one_or_none()
    if room is None:
        return
    try:
        with changing(room) as lists:
            link = db.session.get(ReferenceLink, link_id, populate_existing=True)
            if link is None:
                raise NotFound("the link was deleted meanwhile")
            link.head_title = preview.head_title
            link.open_graph_title = preview.open_graph_title
            link.description = preview.description
            link.image = preview.image
            lists.put(link)
    except ApiError as error:
        db.session.rollback()
        log.info("preview of link %s not saved: %s", link_id, error.message)
