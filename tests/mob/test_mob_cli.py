"""The ``mob`` command line (remotemobprogramming/mob) as a client, byte for byte.

What the tool sends (its timer/webtimer and goal packages): Go's ``net/http`` with
``json.Marshal`` bodies (keys sorted for maps, in field order for structs; ``<``,
``>`` and ``&`` escaped as ``\\u003c`` ...), ``Content-Type: application/json``, to
``MOB_TIMER_URL + room`` (``+ "/goal"``). It prints the body we answer."""
import json
import socket
from urllib.parse import urlsplit

import pytest

from support import stream


def go_request(base_url: str, method: str, url_path: str, body: bytes | None = None):
    """One request as Go's http.Client writes it; returns (status, headers, body)."""
    host = urlsplit(base_url).netloc
    lines = [f"{method} {url_path} HTTP/1.1", f"Host: {host}", "User-Agent: Go-http-client/1.1"]
    if body is not None:
        lines += [f"Content-Length: {len(body)}", "Content-Type: application/json"]
    lines += ["Accept-Encoding: gzip", "", ""]
    raw = "\r\n".join(lines).encode() + (body or b"")
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(raw)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
        length = int(headers.get("content-length", 0))
        while len(rest) < length:
            rest += sock.recv(65536)
    return int(status_line.split()[1]), headers, rest[:length].decode()


def go_json(mapping: dict) -> bytes:
    """encoding/json.Marshal: compact, map keys sorted, HTML characters escaped."""
    text = json.dumps(mapping, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def create_mob(api, names, duration_ms=60_000):
    response = api.call("POST", "/api/pair-room", {"members": names, "timerDuration": duration_ms})
    return response.json()["accessCode"]


def assert_one_line(headers, body):
    assert headers["content-type"].startswith("text/plain"), headers
    assert body and "\n" not in body and "<" not in body, body


@pytest.mark.parametrize("room_as", [str, lambda c: c.replace("-", "").lower()])
def test_mob_start_10_makes_the_user_driver_and_starts_ten_minutes(server, api, room_as):
    code = create_mob(api, ["Ann", "Bob", "Cid", "Dee"])
    client = stream(server.url, code)
    try:
        client.wait_event("room")
        body = go_json({"timer": 10, "user": "Cid"})
        assert body == b'{"timer":10,"user":"Cid"}'
        status, headers, text = go_request(server.url, "PUT", "/mob/" + room_as(code), body)
        assert status == 200, text
        assert_one_line(headers, text)
        assert text == f"Cid drives for 10 min, Dee navigates: {server.url}/rooms/{code}"
        client.wait_event("pair", '{"driver":"Cid","navigator":"Dee"}')
        client.wait_event("timer", "start")
    finally:
        client.close()
    timer = api.timer(code)
    assert timer["duration"] == 600_000 and 598_000 < timer["remainingTime"] <= 600_000
    assert timer["kind"] == "turn"


def test_an_unknown_user_joins_at_the_drivers_place(server, api):
    code = create_mob(api, ["Ann", "Bob", "Cid"])
    status, _, text = go_request(server.url, "PUT", f"/mob/{code}",
                                 go_json({"timer": 5, "user": "Zoë"}))
    assert status == 200 and text.startswith("Zoë drives for 5 min, Ann navigates"), text
    room = api.room(code)
    assert [m["name"] for m in room["members"]] == ["Zoë", "Ann", "Bob", "Cid"]
    # A second start by someone known (any case) restarts the turn with them driving.
    status, _, text = go_request(server.url, "PUT", f"/mob/{code}",
                                 go_json({"timer": 7, "user": "bob"}))
    assert status == 200 and text.startswith("Bob drives for 7 min, Cid navigates"), text
    assert api.timer(code)["duration"] == 420_000


def test_mob_break_5_starts_a_break_and_rotates_nobody(server, api):
    code = create_mob(api, ["Ann", "Bob", "Cid"])
    body = go_json({"breaktimer": 5, "user": "Ann"})
    assert body == b'{"breaktimer":5,"user":"Ann"}'
    status, headers, text = go_request(server.url, "PUT", f"/mob/{code}", body)
    assert status == 200, text
    assert_one_line(headers, text)
    assert text == f"Break of 5 min started: {server.url}/rooms/{code}"
    timer = api.timer(code)
    assert timer["kind"] == "break" and timer["duration"] == 300_000
    room = api.room(code)
    assert (room["driver"], room["navigator"]) == ("Ann", "Bob")


def test_goal_put_get_delete_as_the_tool_sends_them(server, api):
    code = create_mob(api, ["Ann", "Bob", "Cid"])
    goal = "Ship <roster> & breaks — für alle"
    body = json.dumps({"goal": goal, "user": ""}, separators=(",", ":"), ensure_ascii=False)
    body = body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()
    status, headers, text = go_request(server.url, "PUT", f"/mob/{code}/goal", body)
    assert status == 200, text
    assert_one_line(headers, text.replace("<", ""))
    assert api.call("GET", f"/api/pair-room/{code}/goal").json() == {"goal": goal}
    status, headers, text = go_request(server.url, "GET", f"/mob/{code.lower()}/goal")
    assert status == 200 and json.loads(text) == {"goal": goal}  # the tool reads JSON here
    status, headers, text = go_request(server.url, "DELETE", f"/mob/{code}/goal",
                                       b'{"user":"Ann"}')
    assert status == 200 and text == f"Goal of {code} cleared"
    assert api.room(code)["goal"] == ""


@pytest.mark.parametrize("body, fragment", [
    (b'{"timer":"10","user":"Ann"}', "timer"),
    (b'{"timer":1.5,"user":"Ann"}', "timer"),
    (b'{"timer":true,"user":"Ann"}', "timer"),
    (b'{"timer":-5,"user":"Ann"}', "timer"),
    (b'{"timer":0,"user":"Ann"}', "timer"),
    (b'{"timer":100000,"user":"Ann"}', "timer"),
    (b'{"breaktimer":-1,"user":"Ann"}', "breaktimer"),
    (b'{"timer":10}', "user"),
    (b'{"timer":10,"user":""}', "user"),
    (b'{"timer":10,"user":5}', "user"),
    (b'{"user":"Ann"}', "timer"),
    (b'{"timer":10,"breaktimer":5,"user":"Ann"}', "either"),
    (b'[10]', "object"),
    (b'{"timer":10,', "JSON"),
])
def test_bad_bodies_get_one_line_of_text_and_change_nothing(server, api, body, fragment):
    code = create_mob(api, ["Ann", "Bob", "Cid"])
    before, timer = api.room(code), api.timer(code)
    status, headers, text = go_request(server.url, "PUT", f"/mob/{code}", body)
    assert status == 400, text
    assert_one_line(headers, text)
    assert text.startswith("mob: ") and fragment in text, text
    assert api.room(code) == before and api.timer(code) == timer


def test_an_unknown_code_is_a_404_line(server):
    for method, path, body in [("PUT", "/mob/ZZZZZ-ZZZZZ", b'{"timer":10,"user":"Ann"}'),
                               ("PUT", "/mob/nope/goal", b'{"goal":"x","user":""}'),
                               ("GET", "/mob/ZZZZZ-ZZZZZ/goal", None),
                               ("DELETE", "/mob/ZZZZZ-ZZZZZ/goal", b'{"user":""}')]:
        status, headers, text = go_request(server.url, method, path, body)
        assert status == 404, (path, text)
        assert_one_line(headers, text)
        assert "No room has the access code" in text


def test_a_completed_room_refuses_in_one_line(server, api):
    code = create_mob(api, ["Ann", "Bob", "Cid"])
    api.call("PATCH", f"/api/pair-room/{code}/status", {"status": "COMPLETED"})
    status, headers, text = go_request(server.url, "PUT", f"/mob/{code}",
                                       b'{"timer":10,"user":"Ann"}')
    assert status == 409 and "completed" in text
    assert_one_line(headers, text)


def test_the_apis_rate_limits_apply_and_answer_in_one_line(start_server):
    server = start_server({"RATE_LIMITS_ENABLED": "true", "UNKNOWN_CODE_LIMIT": "3 per minute"})
    statuses = []
    for _ in range(4):
        status, headers, text = go_request(server.url, "GET", "/mob/ZZZZZ-ZZZZZ/goal")
        statuses.append(status)
    assert statuses == [404, 404, 404, 429]
    assert_one_line(headers, text)
    assert text.startswith("mob: too many requests") and int(headers["retry-after"]) >= 1


def test_mob_start_during_a_due_break_starts_a_turn(server, api):
    code = create_mob(api, ["Ann", "Bob", "Cid"])
    api.call("PATCH", f"/api/pair-room/{code}/break/start", {"duration": 60_000})
    status, _, text = go_request(server.url, "PUT", f"/mob/{code}", go_json({"timer": 3, "user": "Cid"}))
    assert status == 200, text
    timer = api.timer(code)
    assert (timer["kind"], timer["duration"]) == ("turn", 180_000)


def test_mob_start_right_after_a_time_up_ends_the_swap_window(server, api):
    """A start (here mob's) begins the next turn: a coduo-style swap after it is a
    person's, not the time-up's (as for the API's start)."""
    code = create_mob(api, ["Ann", "Bob", "Cid"], 1_000)
    client = stream(server.url, code)
    try:
        client.wait_event("room")
        api.start(code)
        client.wait_event("pair", timeout=5)  # the time-up: Bob drives
    finally:
        client.close()
    headers = {"Content-Type": "application/json"}
    api.call("PATCH", f"/api/pair-room/{code}/pair-swap", headers=headers)  # absorbed
    assert api.room(code)["driver"] == "Bob"
    go_request(server.url, "PUT", f"/mob/{code}", go_json({"timer": 1, "user": "Bob"}))
    api.call("PATCH", f"/api/pair-room/{code}/pair-swap", headers=headers)  # rotates now
    assert api.room(code)["driver"] == "Cid"


def test_paths_and_methods_no_route_answers_are_one_line_too(server, api):
    """``MOB_TIMER_ROOM`` unset sends ``PUT /mob/``; a wrong method or path under /mob/
    must not be answered the site's HTML page either (routing errors happen before any
    view, so the blueprint's handlers alone would not see them)."""
    code = create_mob(api, ["Ann", "Bob", "Cid"])
    before = api.room(code)
    for method, path, expected in [("PUT", "/mob/", 404), ("PUT", f"/mob/{code}/x", 404),
                                   ("GET", f"/mob/{code}", 405), ("POST", f"/mob/{code}", 405),
                                   ("POST", f"/mob/{code}/goal", 405)]:
        status, headers, text = go_request(server.url, method, path, b'{"timer":10,"user":"Ann"}')
        assert status == expected, (method, path, text)
        assert_one_line(headers, text)
        assert text.startswith("mob: "), text
        if status == 405:
            assert "PUT" in headers["allow"], headers
    assert api.room(code) == before
