"""Mob rooms and the database: rooms made on the schema before rosters (0005) work
after 0006/0007; a mob room's export imports back as it was; an export whose roster
breaks the rules is refused, not imported as a broken room."""
from __future__ import annotations

import copy

import pytest
from flask_migrate import downgrade, upgrade

from coding_duo.config import database_url


def app_on(url: str):
    from coding_duo import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url(url, ""), "TESTING": True,
                       "RATE_LIMITS_ENABLED": False})


def test_rooms_from_before_rosters_work_after_the_upgrade(database_url_for):
    url = database_url_for("pre-mob")
    app = app_on(url)
    with app.app_context():
        upgrade()
        downgrade(revision="0005_retention")  # main's schema, as a server of today left it
        from sqlalchemy import text
        from coding_duo.extensions import db
        for code, driver, navigator in [("AAAAABBBBB", "Ann", "Bob"), ("CCCCCDDDDD", "Ann", "Ann")]:
            db.session.execute(text(
                "INSERT INTO pair_room (access_code, driver, navigator, mission_url, status,"
                " turns_completed, paired_ms, version, created_at, touched_at)"
                " VALUES (:c, :d, :n, '', 'IN_PROGRESS', 0, 0, 0, now_(), now_())"
                .replace("now_()", "CURRENT_TIMESTAMP")), {"c": code, "d": driver, "n": navigator})
            db.session.execute(text(
                "INSERT INTO timer (room_id, duration_ms, remaining_ms, status)"
                " SELECT id, 60000, 60000, 'IDLE' FROM pair_room WHERE access_code = :c"), {"c": code})
        db.session.commit()
        upgrade()
        http = app.test_client()
        room = http.get("/api/pair-room/AAAAA-BBBBB").get_json()
        assert room["members"] == [{"id": 1, "name": "Ann", "away": False},
                                   {"id": 2, "name": "Bob", "away": False}]
        assert http.get("/api/AAAAA-BBBBB/timer").get_json()["kind"] == "turn"
        assert http.patch("/api/pair-room/AAAAA-BBBBB/pair-swap", json={"intent": "new"}).status_code == 204
        assert http.post("/api/pair-room/AAAAA-BBBBB/members", json={"name": "Cid"}).status_code == 201
        assert http.put("/mob/aaaaabbbbb", json={"timer": 5, "user": "Cid"}).status_code == 200
        room = http.get("/api/pair-room/AAAAA-BBBBB").get_json()
        assert [m["name"] for m in room["members"]] == ["Cid", "Bob", "Ann"]
        assert http.get("/api/pair-room/CCCCC-DDDDD").get_json()["driver"] == "Ann"


def mob_room(http) -> str:
    code = http.post("/api/pair-room", json={"members": ["Ann", "Bob", "Cid", "Dee"],
                                             "timerDuration": 60_000}).get_json()["accessCode"]
    http.put(f"/api/pair-room/{code}/breaks", json={"every": 3, "duration": 120_000})
    http.patch(f"/api/pair-room/{code}/members/3", json={"away": True})
    http.delete(f"/api/pair-room/{code}/members/4")  # id 4 is never given again
    http.put(f"/api/pair-room/{code}/goal", json={"goal": "ship it"})
    http.patch(f"/api/pair-room/{code}/break/start", json={"duration": 90_000})
    http.patch(f"/api/{code}/timer/stop")
    return code


def test_a_mob_room_round_trips_and_keeps_its_ids_unused(database_url_for):
    from coding_duo.admin import transfer
    from coding_duo.extensions import db
    from coding_duo.rooms.service import load_room
    source, target = app_on(database_url_for("mob-src")), app_on(database_url_for("mob-dst"))
    with source.app_context():
        upgrade()
        http = source.test_client()
        code = mob_room(http)
        exported = transfer.export_room(load_room(code))
        before = http.get(f"/api/pair-room/{code}").get_json()
    with target.app_context():
        upgrade()
        transfer.import_room(copy.deepcopy(exported))
        db.session.commit()
        http = target.test_client()
        assert http.get(f"/api/pair-room/{code}").get_json() == before
        assert http.get(f"/api/{code}/timer").get_json()["kind"] == "break"
        assert transfer.export_room(load_room(code)) == exported
        assert http.patch(f"/api/pair-room/{code}/break/skip").status_code == 204
        assert http.get(f"/api/{code}/timer").get_json()["duration"] == 60_000  # the turn's
        added = http.post(f"/api/pair-room/{code}/members", json={"name": "Eve"}).get_json()
        assert added["id"] == 5  # not the removed Dee's 4


@pytest.mark.parametrize("members", [
    [{"id": 1, "name": "A", "away": True}, {"id": 2, "name": "B", "away": False}],
    [{"id": 1, "name": "A", "away": False}],
    [{"id": i, "name": f"n{i}", "away": False} for i in range(1, 14)],
    [{"id": 1, "name": "A", "away": False}, {"id": 1, "name": "B", "away": False}],
])
def test_an_export_with_a_broken_roster_is_refused(database_url_for, members):
    from coding_duo.admin import transfer
    from coding_duo.rooms.service import load_room
    app = app_on(database_url_for("mob-bad"))
    with app.app_context():
        upgrade()
        exported = transfer.export_room(load_room(mob_room(app.test_client())))
        exported["room"]["members"] = members
        with pytest.raises(transfer.ImportRefused, match="members"):
            transfer.import_room(exported, new_code=True)
