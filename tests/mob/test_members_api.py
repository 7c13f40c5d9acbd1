"""Mob rooms through the API, against a real server: the roster, rotation at
time-up, skip and make-driver, the goal, and what is refused."""
import pytest

from support import stream

EMPTY_JSON = {"Content-Type": "application/json"}


def create_mob(api, names, duration_ms=60_000):
    response = api.call("POST", "/api/pair-room", {"members": names, "timerDuration": duration_ms})
    assert response.status_code == 201, response.text
    return response.json()["accessCode"]


def members(api, code):
    return api.call("GET", f"/api/pair-room/{code}/members").json()["members"]


def roles(api, code):
    room = api.room(code)
    return room["driver"], room["navigator"]


def test_a_room_of_four_reports_its_roster_everywhere(server, api):
    code = create_mob(api, ["Ann", "Bob", "Cid", "Dee"])
    room = api.room(code)
    assert (room["driver"], room["navigator"]) == ("Ann", "Bob")
    assert [m["name"] for m in room["members"]] == ["Ann", "Bob", "Cid", "Dee"]
    assert [m["id"] for m in room["members"]] == [1, 2, 3, 4]
    assert not any(m["away"] for m in room["members"]) and room["goal"] == ""
    client = stream(server.url, code)
    try:
        state = client.wait_event("room").json()
        assert state["members"] == room["members"] and state["driver"] == "Ann"
    finally:
        client.close()


def test_a_pair_created_as_today_has_a_roster_of_two(api):
    code = api.create_room()
    assert [(m["id"], m["name"]) for m in members(api, code)] == [(1, "Ann"), (2, "Bob")]


def test_four_members_over_six_time_ups_one_away_for_two_of_them(server, api):
    code = create_mob(api, ["Ann", "Bob", "Cid", "Dee"], 1_000)
    client = stream(server.url, code)
    seen = [roles(api, code)]
    try:
        client.wait_event("room")
        for turn in range(1, 6):
            if turn == 1:
                assert api.call("PATCH", f"/api/pair-room/{code}/members/3",
                                {"away": True}).status_code == 204
            if turn == 3:
                assert api.call("PATCH", f"/api/pair-room/{code}/members/3",
                                {"away": False}).status_code == 204
            mark = len(client.events)
            assert api.start(code).status_code == 204
            client.wait_event("pair", after=mark, timeout=5)  # the server's time-up
            seen.append(roles(api, code))
        pairs = [e.json() for e in client.named("pair")]
    finally:
        client.close()
    expected = [("Ann", "Bob"), ("Bob", "Dee"), ("Dee", "Ann"), ("Ann", "Bob"),
                ("Bob", "Cid"), ("Cid", "Dee")]
    assert seen == expected
    assert [(p["driver"], p["navigator"]) for p in pairs] == expected[1:]
    assert api.timer(code)["remainingTime"] == 1_000


def events_of_a_turn(server, api, code):
    client = stream(server.url, code)
    try:
        client.wait_event("room")
        client.wait_event("presence")
        mark = len(client.events)
        api.start(code)
        client.wait_event("pair", timeout=5)
        client.wait_for(lambda ev: ev[-1].event == "room" and ev[-1].json()["turnsCompleted"])
        # (the turn history's events, first in their batches, are tests/history's)
        return [(e.event, e.data if e.event != "room" else "") for e in client.events[mark:]
                if e.event not in ("presence", "history-change")]
    finally:
        client.close()


def test_two_members_give_todays_event_sequence_whichever_way_created(server, api):
    today = events_of_a_turn(server, api, api.create_room(2_000))
    as_members = events_of_a_turn(server, api, create_mob(api, ["Ann", "Bob"], 2_000))
    assert today == as_members == [
        ("timer", "start"), ("room", ""), ("remaining-time", "1000"),
        ("remaining-time", "0"), ("timer", "stop"), ("remaining-time", "2000"),
        ("pair", '{"driver":"Bob","navigator":"Ann"}'), ("room", "")]


def test_swap_in_a_pair_and_rotate_in_a_mob(api):
    code = api.create_room()
    assert api.call("PATCH", f"/api/pair-room/{code}/pair-swap", {"intent": "new"}).status_code == 204
    assert roles(api, code) == ("Bob", "Ann")
    mob = create_mob(api, ["Ann", "Bob", "Cid"])
    assert api.call("PATCH", f"/api/pair-room/{mob}/rotate", headers=EMPTY_JSON).status_code == 204
    assert roles(api, mob) == ("Bob", "Cid")
    assert api.call("PATCH", f"/api/pair-room/{mob}/rotate", {"driver": 1}).status_code == 204
    assert roles(api, mob) == ("Ann", "Bob")
    # coduo's swap in a mob room is the rotation too
    api.call("PATCH", f"/api/pair-room/{mob}/pair-swap", headers=EMPTY_JSON)
    assert roles(api, mob) == ("Bob", "Cid")


def test_add_rename_reorder_remove_are_pushed(server, api):
    code = create_mob(api, ["Ann", "Bob", "Cid"])
    client = stream(server.url, code)
    try:
        client.wait_event("room")
        added = api.call("POST", f"/api/pair-room/{code}/members", {"name": "Dee", "position": 1})
        assert added.status_code == 201 and added.json() == {"id": 4, "name": "Dee", "away": False}
        client.wait_event("pair", '{"driver":"Ann","navigator":"Dee"}')
        assert api.call("PATCH", f"/api/pair-room/{code}/members/4", {"name": "Dora"}).status_code == 204
        client.wait_event("pair", '{"driver":"Ann","navigator":"Dora"}')
        assert api.call("PATCH", f"/api/pair-room/{code}/members/3", {"position": 1}).status_code == 204
        client.wait_event("pair", '{"driver":"Ann","navigator":"Cid"}')
        assert api.call("DELETE", f"/api/pair-room/{code}/members/1").status_code == 204
        client.wait_event("pair", '{"driver":"Cid","navigator":"Dora"}')
        client.wait_for(lambda ev: [m["name"] for m in ev[-1].json().get("members", [])]
                        == ["Cid", "Dora", "Bob"] if ev[-1].event == "room" else False)
        # A new member never gets a removed member's id (a stale screen's click).
        assert api.call("POST", f"/api/pair-room/{code}/members", {"name": "Eve"}).json()["id"] == 5
    finally:
        client.close()


@pytest.mark.parametrize("method, path, body, status, fragment", [
    ("PATCH", "/members/9", {"away": True}, 404, "no member 9"),
    ("DELETE", "/members/9", None, 404, "no member 9"),
    ("PATCH", "/rotate", {"driver": 9}, 404, "no member 9"),
    ("PATCH", "/members/1", {}, 400, "name, away or position"),
    ("PATCH", "/members/1", {"away": "yes"}, 400, "away"),
    ("PATCH", "/members/1", {"position": 3}, 400, "position"),
    ("PATCH", "/members/1", {"name": "bob"}, 409, "names must differ"),
    ("POST", "/members", {"name": "  "}, 400, "blank"),
    ("POST", "/members", {"name": "BOB"}, 409, "names must differ"),
    ("POST", "/members", {}, 400, "name"),
    ("PUT", "/goal", {"goal": "two\nlines"}, 400, "one line"),
    ("PUT", "/goal", {"goal": "x" * 201}, 400, "goal"),
    ("PUT", "/goal", {"goal": 5}, 400, "goal"),
])
def test_bad_roster_changes_are_refused_and_change_nothing(api, method, path, body, status,
                                                           fragment):
    code = create_mob(api, ["Ann", "Bob", "Cid"])
    before = api.room(code)
    response = api.call(method, f"/api/pair-room/{code}{path}", body, headers=EMPTY_JSON)
    assert response.status_code == status, response.text
    assert fragment in response.json()["message"]
    assert api.room(code) == before


def test_what_would_leave_fewer_than_two_is_refused(api):
    pair = api.create_room()
    for method, path, body in [("DELETE", "/members/2", None),
                               ("PATCH", "/members/1", {"away": True})]:
        response = api.call(method, f"/api/pair-room/{pair}{path}", body, headers=EMPTY_JSON)
        assert response.status_code == 409, response.text
    mob = create_mob(api, ["Ann", "Bob", "Cid"])
    assert api.call("PATCH", f"/api/pair-room/{mob}/members/3", {"away": True}).status_code == 204
    assert api.call("PATCH", f"/api/pair-room/{mob}/rotate", {"driver": 3}).status_code == 409
    assert api.call("DELETE", f"/api/pair-room/{mob}/members/2").status_code == 409
    for names in (["Ann"], [f"M{i}" for i in range(13)], ["Ann", "Bob", "ann"]):
        response = api.call("POST", "/api/pair-room", {"members": names, "timerDuration": 60_000})
        assert response.status_code == 400, response.text


def test_the_goal_is_set_cleared_and_pushed(server, api):
    code = create_mob(api, ["Ann", "Bob", "Cid"])
    client = stream(server.url, code)
    try:
        client.wait_event("room")
        assert api.call("PUT", f"/api/pair-room/{code}/goal", {"goal": "  Ship the roster "}).status_code == 204
        client.wait_for(lambda ev: ev[-1].event == "room" and ev[-1].json()["goal"] == "Ship the roster")
        assert api.call("GET", f"/api/pair-room/{code}/goal").json() == {"goal": "Ship the roster"}
        assert api.call("DELETE", f"/api/pair-room/{code}/goal").status_code == 204
        client.wait_for(lambda ev: ev[-1].event == "room" and ev[-1].json()["goal"] == "")
    finally:
        client.close()
