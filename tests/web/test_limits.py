"""Limits that say what they do: one budget per client for each kind of action,
whatever route or page performs it; Retry-After only on refusals, with the value
the server means; metric names and log lines as README says."""
import json
import time

import pytest

from support import Api, SSEClient, stream

LIMITED = {"RATE_LIMITS_ENABLED": "true"}  # the defaults: 20 creations, 60 lookups a minute
BODY = {"driver": "A", "navigator": "B", "timerDuration": 60_000}
FORM = {"driver": "A", "navigator": "B", "minutes": "10"}


def create_by_api(api):
    return api.call("POST", "/api/pair-room", BODY)


def create_by_form(api):
    return api.call("POST", "/rooms", data=FORM, allow_redirects=False)


@pytest.mark.parametrize("first, then", [(create_by_api, create_by_form),
                                         (create_by_form, create_by_api)],
                         ids=["api-then-form", "form-then-api"])
def test_one_room_creation_budget_across_the_api_and_the_form(start_server, first, then):
    api = Api(start_server(LIMITED).url)
    statuses = [first(api).status_code for _ in range(20)]
    assert set(statuses) <= {201, 303} and len(statuses) == 20
    refused = then(api)
    assert refused.status_code == 429, "the 21st room in a minute, through the other route"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def lookup_by_api(api, code):
    return api.call("GET", f"/api/pair-room/exists?access_code={code}")


def lookup_by_form(api, code):
    return api.call("GET", f"/join?code={code}", allow_redirects=False)


@pytest.mark.parametrize("first, then", [(lookup_by_api, lookup_by_form),
                                         (lookup_by_form, lookup_by_api)],
                         ids=["exists-then-join", "join-then-exists"])
def test_one_code_lookup_budget_across_exists_and_the_join_form(start_server, first, then):
    api = Api(start_server(LIMITED).url)
    code = api.create_room()  # a real code: lookups of it are not 404s (their own budget)
    statuses = [first(api, code).status_code for _ in range(60)]
    assert set(statuses) <= {200, 302}, statuses
    refused = then(api, code)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_retry_after_is_on_refusals_only_with_the_value_meant(start_server):
    server = start_server({**LIMITED, "MAX_STREAMS_PER_CLIENT": "2", "MAX_STREAMS": "3",
                           "API_THREADS": "4", "ROOM_CREATE_LIMIT": "3 per minute"})
    api = Api(server.url)
    created = create_by_api(api)
    assert created.status_code == 201 and "Retry-After" not in created.headers
    code = created.json()["accessCode"]
    for response in (api.call("GET", f"/api/pair-room/{code}"), api.call("GET", f"/api/{code}/timer"),
                     api.call("PATCH", f"/api/{code}/timer/start"), api.call("GET", "/"),
                     api.call("GET", f"/rooms/{code}"), create_by_form(api)):
        assert response.status_code < 400, response.status_code
        assert not [h for h in response.headers if h.lower().startswith(("retry-after", "x-ratelimit"))], \
            (response.request.method, response.request.url, dict(response.headers))
    opened = [stream(server.url, code) for _ in range(2)]
    assert all(c.status == 200 and "retry-after" not in c.response_headers for c in opened)
    per_client = SSEClient(server.url, f"/api/{code}/connect").open()
    per_client.wait_ended(2)
    assert (per_client.status, per_client.response_headers.get("retry-after")) == (429, "10")
    assert b"MAX_STREAMS_PER_CLIENT" in per_client.body or b"Too many open streams" in per_client.body
    assert create_by_api(api).status_code == 201  # the third of three
    limited = create_by_api(api)
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
    for client in opened:
        client.close()


def test_a_full_server_says_three_seconds(start_server):
    server = start_server({**LIMITED, "MAX_STREAMS": "1", "API_THREADS": "4"})
    api = Api(server.url)
    code = api.create_room()
    first = stream(server.url, code)
    refused = SSEClient(server.url, f"/api/{code}/connect").open()
    refused.wait_ended(2)
    assert (refused.status, refused.response_headers.get("retry-after")) == (503, "3")
    first.close()


def test_metric_names_and_json_log_lines(start_server):
    server = start_server(LIMITED)
    api = Api(server.url)
    code = api.create_room()
    api.call("GET", f"/api/pair-room/{code}")
    time.sleep(0.3)
    mine = []
    with open(server.log_path) as log:
        for line in log:
            if line.startswith("{"):
                record = json.loads(line)  # the whole line, no prefix to cut off
                if record.get("logger") == "coding_duo.request" and record.get("room") == code:
                    mine.append(record)
    assert mine, "no JSON request line for the room"
    assert {"time", "level", "method", "path", "endpoint", "status", "ms", "client"} <= set(mine[-1])
    assert mine[-1]["endpoint"] == "api.get" and mine[-1]["status"] == 200
    text = api.call("GET", "/metrics").text
    assert "coding_duo_clients_dropped_total" in text
    assert "coding_duo_events_dropped" not in text
