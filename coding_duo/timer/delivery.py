"""How batches reach this process's browsers: in room-version order, none lost.

Every batch carries its room's version. A process delivers a room's batches in
that order: one that arrives early (version n+1 before n, e.g. a command here
queued behind another process's commit of n) waits in a small per-room buffer
for the one before it. A gap that does not fill within ``GAP_MS`` (a message
lost on the bus), or a room the periodic version check finds behind the
database, is resynced: read from the database, and every screen of it gets the
full state (timer, room, roles, lists). So after the last change to a room,
every screen of it on every process ends on the database's state.

A new stream is given its snapshot from a fresh read of the room and registered
while its row is still share-locked (so the snapshot is of one version and no change
commits in between); it remembers the snapshot's version and is sent no batch as old
as that. Batches are applied under the room's delivery lock, which nothing holds
across the database. (The lists' change events are deltas on top of the version before them.)
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from ..extensions import db
from ..history.record import history_events
from ..retros.service import retrospective_events
from ..rooms.models import PairRoom
from ..rooms.service import pair_json
from ..streams.bus import Batch
from ..tools.lists import list_events
from .told import heard_this_stop, missed_events, told_by, told_of
from .transitions import in_app_context

log = logging.getLogger(__name__)

GAP_MS = 200  # how long a batch waits for the one before it before the room is resynced
GAP_JOB = "~gap:"
OPEN_TRIES = 3  # reads of a joining stream's snapshot before it waits for the decision lock



class Delivery:
    """Mixed into ``SchedulerService`` (``_delivered``, ``_pending``, locks, streams).
    Batches are applied under the room's delivery lock only: the bus listener never
    waits for a command here that waits for the database."""

    def apply(self, batch: Batch) -> bool:
        """A change decided here or in another process: memory, tick job, browsers.
        A batch already delivered (or older) is ignored; one that came early waits."""
        key = batch.key
        with self.deliveries(key):
            delivered = self._delivered.get(key)
            if delivered is None:  # the first this process hears of the room
                delivered = self._delivered[key] = batch.version - 1
            if batch.version <= delivered:
                return False  # our own change coming back, or one already covered
            if batch.version > delivered + 1:
                # Memory and ticks wait too: a tick from the newer deadline must not reach
                # screens before that deadline's own events (found by bench/chaos.py).
                self._pending.setdefault(key, {})[batch.version] = batch
                if not self.schedulers.has(GAP_JOB + key):
                    self.schedulers.at(GAP_JOB + key, self._gap_expired,
                                       self.clock() + GAP_MS, key)
                return True
            self._deliver(batch)
            self._drain(key)
            return True

    @in_app_context
    def apply_remote(self, batch: Batch) -> None:
        self.apply(batch)

    def _deliver(self, batch: Batch) -> None:
        key = batch.key
        self._delivered[key] = batch.version
        self.timestamps.put(key, batch.timer, batch.version)  # the registry keeps the newest
        self._sync_tick_job(key, self.timestamps.get(key))
        self._told[key] = told_by(batch, self._told.get(key))
        for event, data in batch.events:
            if event == "close":
                self.streams.close_room(key)  # sends close / OK, then ends them
            else:
                self.streams.broadcast(key, event, data, version=batch.version)
        if batch.deleted:
            self.forget(key)

    def _drain(self, key: str) -> None:
        """Deliver the buffered batches that are next in line."""
        pending = self._pending.get(key)
        while pending and key in self._delivered and self._delivered[key] + 1 in pending:
            self._deliver(pending.pop(self._delivered[key] + 1))
        if pending is not None and key in self._delivered:
            for version in [v for v in pending if v <= self._delivered[key]]:
                del pending[version]
        if not pending:
            self._pending.pop(key, None)
            self.schedulers.cancel(GAP_JOB + key)

    def _drop_pending(self, key: str) -> None:
        self._pending.pop(key, None)
        self.schedulers.cancel(GAP_JOB + key)

    @in_app_context
    def _gap_expired(self, key: str) -> None:
        with self.locks(key):
            with self.deliveries(key):
                pending = dict(self._pending.get(key) or {})
            if not pending:
                return
            log.info("room %s: version %d missing after %d ms (have %s): resyncing from the "
                     "database", key, self._delivered.get(key, -1) + 1, GAP_MS, sorted(pending))
            try:
                self.resync(key)
            except Exception:  # noqa: BLE001 - the database may be down: try again soon
                db.session.rollback()
                log.exception("room %s: resync failed; retrying", key)
                self.schedulers.at(GAP_JOB + key, self._gap_expired, self.clock() + 1000, key)

    # ----- reading the room afresh ---------------------------------------------------

    def _fresh_room(self, key: str) -> PairRoom | None:
        """The room as committed now, its row share-locked until the transaction ends
        (``_done_reading``): a change elsewhere (which locks the row for update) cannot
        commit between this read of its version and the reads of its lists, so a
        snapshot shows exactly the version it is labelled with. (Read committed reads
        each statement afresh; the lists' change events apply on top of that version.)"""
        # No ROW_LOCK_IDLE_MS here: a snapshot of a full room builds megabytes between its
        # reads (50 joining at once sat idle past 500 ms and were ended: 503s).
        db.session.rollback()  # a new transaction, nothing cached: what is committed now
        return db.session.execute(
            select(PairRoom).where(PairRoom.access_code == key).with_for_update(read=True)
            .execution_options(populate_existing=True)).scalar_one_or_none()

    @staticmethod
    def _done_reading() -> None:
        db.session.rollback()  # the share lock goes: changes to the room may commit again

    def _advance(self, key: str, version: int) -> None:
        """Everything up to ``version`` is covered (by a snapshot or a resync)."""
        self._delivered[key] = max(self._delivered.get(key, -1), version)
        self._drain(key)

    def _lists(self, room: PairRoom) -> list[tuple[str, object]]:
        """Every list of the room, whole: todos, links, categories, the turn history,
        the retrospectives (their changes come as ``*-change`` events after this)."""
        return list_events(room) + history_events(room, self.clock()) + retrospective_events(room)

    def resync(self, key: str) -> None:
        """Under the room lock: every screen of the room gets its full state as the
        database has it now, and older batches still on their way are not delivered."""
        with self.locks(key):
            room = self._fresh_room(key)
            if room is None or room.deleted:
                self._done_reading()
                self.forget(key)  # closes its streams
                return
            lists = [("pair", pair_json(room))] + self._lists(room)
            version, timer = room.version, room.timer.to_domain()
            told_now = told_of(timer, room)
            # For screens last told a running timer or not (built here: nothing under the
            # delivery lock reads the database).
            states = {told_running: self.state_events(room, told_running)[1:]
                      for told_running in (True, False)}
            # Still share-locked: no newer version can commit (and be delivered here)
            # before these events are out; older ones still coming are dropped. What the
            # screens missed is judged here, after any batch delivered meanwhile.
            with self.deliveries(key):
                told = self._told.get(key)
                state = states[told is not None and told.running]
                if heard_this_stop(told, room, timer):
                    state = [e for e in state if e != ("remaining-time", "0")]
                missed = missed_events(told, room, timer, ("remaining-time", "0") in state)
                # Before the exact time left (and the room), as a batch orders them (timer
                # update, then remaining-time): what follows that value is its room event.
                at = max(i for i, (event, _) in enumerate(state) if event == "remaining-time")
                self._advance(key, version)
                self._told[key] = told_now
                self._sync_tick_job(key, self.timestamps.get(key))
                for event, data in state[:at] + missed + state[at:] + lists:
                    self.streams.broadcast(key, event, data)
            self._done_reading()

    def open_stream(self, key: str):
        """A new stream: snapshotted from a fresh read and registered while the row is
        still share-locked, so no change can commit between them (batches as old as the
        snapshot are not sent to it). Returns (client, the snapshot encoded: its event
        ids come before anything broadcast to the client after it), or (None, b"") for
        a room deleted meanwhile. No decision lock is taken (a command here waiting for
        the database does not hold up a browser's joining), except on a last try, and
        always on SQLite: with no share lock, a delete here could commit, reach the
        screens and let go of the room between the read and the registration, leaving
        the stream on a forgotten room, never closed (tests/streams/test_delete_race.py)."""
        unlocked = OPEN_TRIES - 1 if self.share_locks else 0
        for attempt in range(unlocked + 1):
            if attempt < unlocked:
                opened = self._open_from_fresh_read(key)
            else:
                with self.locks(key):  # no command here can commit meanwhile
                    opened = self._open_from_fresh_read(key)
            if opened is not None:
                return opened
        raise AssertionError("unreachable: the last try holds the decision lock")

    def _open_from_fresh_read(self, key: str):
        """(client, snapshot), or None when a newer change was delivered here since the
        read (a change decided elsewhere, where rows cannot be share-locked)."""
        room = self._fresh_room(key)
        if room is None or room.deleted:
            self._done_reading()
            return None, b""
        events = self.state_events(room) + self._lists(room)
        version, timer = room.version, room.timer.to_domain()
        told_now = told_of(timer, room)
        client = None
        try:
            with self.deliveries(key):
                if self._delivered.get(key, -1) <= version:
                    if self.streams.count(key) == 0 or key not in self._delivered:
                        self._advance(key, version)  # nobody here waits for older batches
                        self._told[key] = told_now
                    client = self.streams.register(key, since=version)
            self._done_reading()
        except BaseException:
            # E.g. the release failed: PostgreSQL ended the transaction, idle past
            # ROW_LOCK_IDLE_MS. The view answers an error, so nobody would ever read this
            # client's queue: it must not stay registered (a screen nobody has).
            if client is not None:
                self.streams.unregister(client)
            self._abandon()
            raise
        if client is None:
            return None  # a newer change was delivered here since the read: read again
        return client, b"".join(self.streams.encode(event, data) for event, data in events)
