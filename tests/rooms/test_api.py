"""The JSON API against a real server over real sockets."""
import pytest

from coding_duo.rooms import access_code

EMPTY_JSON = {"Content-Type": "application/json"}


def test_health_and_sign_in_check(api):
    assert api.call("GET", "/api/health-check").status_code == 200
    assert api.call("GET", "/api/sign-in/check").json() == {"signedIn": False}


def test_create_get_and_exists(api):
    response = api.call("POST", "/api/pair-room", {
        "driver": "Ann", "navigator": "Bob", "timerDuration": 600_000,
        "timerRemainingTime": 300_000, "missionUrl": "https://example.test/mission",
        "pairId": 12})  # coduo's client sends extra fields: ignored
    assert response.status_code == 201
    code = response.json()["accessCode"]
    assert access_code.normalize(code) and code == access_code.display(access_code.normalize(code))
    room = api.room(code)
    assert room["driver"] == "Ann" and room["navigator"] == "Bob"
    assert room["missionUrl"] == "https://example.test/mission"
    assert room["status"] == "IN_PROGRESS"
    assert room["duration"] == 600_000 and room["remainingTime"] == 300_000
    assert api.call("GET", f"/api/pair-room/exists?access_code={code}").json() == {"exists": True}
    typed = code.lower().replace("-", " ")
    assert api.call("GET", f"/api/pair-room/exists?access_code={typed}").json() == {"exists": True}
    assert api.call("GET", "/api/pair-room/exists?access_code=ZZZZZ-ZZZZZ").json() == {"exists": False}
    assert api.call("GET", "/api/pair-room/exists").json() == {"exists": False}
    timer = api.timer(code)
    assert timer["duration"] == 600_000 and timer["remainingTime"] == 300_000
    assert isinstance(timer["id"], int)


def test_names_are_trimmed_and_unicode_kept(api):
    code = api.create_room(driver="  지민 🚀 ", navigator="<b>Zoë</b>")
    room = api.room(code)
    assert room["driver"] == "지민 🚀" and room["navigator"] == "<b>Zoë</b>"


@pytest.mark.parametrize("body, fragment", [
    ({"navigator": "Bob", "timerDuration": 60_000}, "driver"),
    ({"driver": "", "navigator": "Bob", "timerDuration": 60_000}, "driver"),
    ({"driver": "   ", "navigator": "Bob", "timerDuration": 60_000}, "blank"),
    ({"driver": "A" * 51, "navigator": "Bob", "timerDuration": 60_000}, "driver"),
    ({"driver": 5, "navigator": "Bob", "timerDuration": 60_000}, "driver"),
    ({"driver": "Ann", "navigator": "Bob", "timerDuration": "600000"}, "timerDuration"),
    ({"driver": "Ann", "navigator": "Bob", "timerDuration": True}, "timerDuration"),
    ({"driver": "Ann", "navigator": "Bob", "timerDuration": 999}, "timerDuration"),
    ({"driver": "Ann", "navigator": "Bob", "timerDuration": 86_400_001}, "timerDuration"),
    ({"driver": "Ann", "navigator": "Bob", "timerDuration": -5}, "timerDuration"),
    ({"driver": "Ann", "navigator": "Bob", "timerDuration": 1.5e3}, "timerDuration"),
    ({"driver": "Ann", "navigator": "Bob", "timerDuration": 60_000, "timerRemainingTime": 60_001},
     "remainingTime"),
    ({"driver": "Ann", "navigator": "Bob", "timerDuration": 60_000, "missionUrl": "javascript:x"},
     "missionUrl"),
])
def test_create_rejects_bad_bodies_with_a_precise_message(api, body, fragment):
    response = api.call("POST", "/api/pair-room", body)
    assert response.status_code == 400
    assert fragment in response.json()["message"]


def test_create_rejects_malformed_requests(api):
    ok = '{"driver":"A","navigator":"B","timerDuration":60000}'
    assert api.call("POST", "/api/pair-room", data=ok,
                    headers={"Content-Type": "text/plain"}).status_code == 415
    for data in ["{not json", "[1,2]", '"x"', ""]:
        response = api.call("POST", "/api/pair-room", data=data, headers=EMPTY_JSON)
        assert response.status_code == 400, data
        assert response.json()["message"]
    too_big = api.call("POST", "/api/pair-room", data="x" * (1024 * 1024), headers=EMPTY_JSON)
    assert too_big.status_code == 413 and too_big.json()["message"]


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/pair-room/{c}"), ("PATCH", "/api/pair-room/{c}/pair-swap"),
    ("PATCH", "/api/pair-room/{c}/status"), ("DELETE", "/api/pair-room/{c}"),
    ("GET", "/api/{c}/timer"), ("PATCH", "/api/{c}/timer"), ("PATCH", "/api/{c}/timer/start"),
    ("PATCH", "/api/{c}/timer/stop"), ("GET", "/api/{c}/connect"), ("DELETE", "/api/{c}/connect"),
])
@pytest.mark.parametrize("code", ["ZZZZZ-ZZZZZ", "nope", "A" * 300, "%2e%2e%2fetc"])
def test_unknown_rooms_are_404_json(api, method, path, code):
    response = api.call(method, path.format(c=code), headers=EMPTY_JSON)
    assert response.status_code == 404
    assert response.json()["message"]


def test_wrong_method_is_405_json(api):
    response = api.call("PUT", "/api/pair-room")
    assert response.status_code == 405 and "PUT" in response.json()["message"]


def test_commands_accept_empty_json_bodies(api):
    code = api.create_room(60_000)
    for path in ["/api/{c}/timer/start", "/api/{c}/timer/stop", "/api/pair-room/{c}/pair-swap"]:
        assert api.call("PATCH", path.format(c=code), headers=EMPTY_JSON).status_code == 204
    assert api.room(code)["driver"] == "Bob"


def test_swap_twice_concurrently_swaps_twice(api):
    from concurrent.futures import ThreadPoolExecutor
    code = api.create_room()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: api.call("PATCH", f"/api/pair-room/{code}/pair-swap",
                                                     headers=EMPTY_JSON).status_code, range(8)))
    assert results == [204] * 8
    assert api.room(code)["driver"] == "Ann"  # 8 swaps: back where it began


def test_timer_update_while_paused_and_bad_updates(api):
    code = api.create_room(600_000)
    assert api.call("PATCH", f"/api/{code}/timer",
                    {"duration": 300_000, "remainingTime": 120_000}).status_code == 204
    assert api.timer(code)["duration"] == 300_000 and api.timer(code)["remainingTime"] == 120_000
    for body in [{"duration": 300_000}, {"duration": 300_000, "remainingTime": 300_001},
                 {"duration": 0, "remainingTime": 0}, {"duration": "5", "remainingTime": 5},
                 {"duration": 300_000, "remainingTime": 0}]:
        response = api.call("PATCH", f"/api/{code}/timer", body)
        assert response.status_code == 400, body
    assert api.timer(code)["remainingTime"] == 120_000  # refused requests changed nothing


def test_status_completed_stops_timer_and_blocks_start(api):
    code = api.create_room(600_000)
    api.start(code)
    assert api.call("PATCH", f"/api/pair-room/{code}/status", {"status": "DONE"}).status_code == 400
    assert api.call("PATCH", f"/api/pair-room/{code}/status",
                    {"status": "COMPLETED"}).status_code == 204
    room = api.room(code)
    assert room["status"] == "COMPLETED"
    remaining = api.timer(code)["remainingTime"]
    assert api.start(code).status_code == 409
    assert "completed" in api.start(code).json()["message"]
    assert api.call("PATCH", f"/api/pair-room/{code}/pair-swap", headers=EMPTY_JSON).status_code == 409
    assert api.timer(code)["remainingTime"] == remaining  # stopped
    # Reopening is allowed.
    assert api.call("PATCH", f"/api/pair-room/{code}/status",
                    {"status": "IN_PROGRESS"}).status_code == 204
    assert api.start(code).status_code == 204


def test_delete_room(api):
    code = api.create_room(600_000)
    api.start(code)
    assert api.call("DELETE", f"/api/pair-room/{code}").status_code == 204
    assert api.call("GET", f"/api/pair-room/{code}").status_code == 404
    assert api.call("GET", f"/api/{code}/timer").status_code == 404
    assert api.call("GET", f"/api/pair-room/exists?access_code={code}").json() == {"exists": False}
    started = api.start(code)
    assert started.status_code == 409 and "deleted" in started.json()["message"]
    assert api.call("DELETE", f"/api/pair-room/{code}").status_code == 409
