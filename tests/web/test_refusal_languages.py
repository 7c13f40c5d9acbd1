"""What a page can be told when it is refused is wholly in the request's language:
validation messages name the fields as a person reads them (coding_duo/web/fields.py;
the home page's form by its own labels), list allowed values and count in the
language; so do rate limits, the stream's caps and server errors. English (or no
Accept-Language) stays, word for word, what the API's clients have always read. A
refusal changes nothing."""
from __future__ import annotations

import json
import re

import pytest
from flask import Flask

from admin.admin_support import sql
from coding_duo.mob import schemas as mob_schemas
from coding_duo.retros import schemas as retro_schemas
from coding_duo.rooms import schemas as room_schemas
from coding_duo.timer import schemas as timer_schemas
from coding_duo.tools import schemas as tool_schemas
from coding_duo.web import fields
from coding_duo.web.errors import register_error_handlers
from coding_duo.web.i18n import init_i18n
from coding_duo.web.validation import Body
from support import Api, SSEClient, stream

KO = {"Accept-Language": "ko-KR,ko;q=0.9"}
EN = {"Accept-Language": "en"}
JSON = {"Content-Type": "application/json"}
# what may stay in Latin letters in a Korean message: a value quoted as sent, a setting's name
QUOTED = re.compile(r"'[^']*'|\bURL\b|http\(s\)|true/false|MAX_STREAMS_PER_CLIENT")


def korean_only(message: str) -> bool:
    return re.search(r"[A-Za-z]{2,}", QUOTED.sub("", message)) is None and re.search(r"[가-힣]", message) is not None


def rooms(server) -> int:
    return sql(server.database_url, "SELECT count(*) FROM pair_room")[0][0]


@pytest.mark.once
def test_every_field_of_the_apis_bodies_has_a_name_to_be_said_by():
    """A field added to a feature's schemas without a name in web/fields.py would be said
    by its JSON name in Korean too (the mob command line's bodies, coding_duo/mob/cli.py,
    speak English to a terminal)."""
    said = set(fields._names())
    for module in (mob_schemas, retro_schemas, room_schemas, timer_schemas, tool_schemas):
        for name in dir(module):
            model = getattr(module, name)
            if isinstance(model, type) and issubclass(model, Body) and model is not Body:
                assert set(model.model_fields) <= said, (model.__name__, set(model.model_fields) - said)
    assert not [name for name in said if name != fields._names()[name]], "English says the JSON name"


# (method, path, body, English as it always was, Korean)
REFUSALS = [
    ("POST", "/api/pair-room", {"navigator": "Bob", "timerDuration": 60_000},
     "driver required (or members: 2 to 12 names)", "필요한 항목: 드라이버 (또는 멤버: 이름 2~12개)"),
    ("POST", "/api/pair-room", {"timerDuration": 60_000},
     "driver and navigator required (or members: 2 to 12 names)",
     "필요한 항목: 드라이버, 내비게이터 (또는 멤버: 이름 2~12개)"),
    ("POST", "/api/pair-room", {"members": ["Ann"], "timerDuration": 60_000},
     "members: List should have at least 2 items after validation, not 1", "멤버: 2개 이상이어야 합니다 (지금 1개)"),
    ("POST", "/api/pair-room", {"members": [f"P{n}" for n in range(13)], "timerDuration": 60_000},
     "members: List should have at most 12 items after validation, not 13", "멤버: 12개 이하여야 합니다 (지금 13개)"),
    ("POST", "/api/pair-room", {"members": ["Ann", "Bob", "ann"], "timerDuration": 60_000},
     "members: Two members are called 'ann': names must differ",
     "멤버: 이름이 'ann'인 멤버가 둘입니다. 이름은 서로 달라야 합니다"),
    ("POST", "/api/pair-room", {"driver": "A" * 51, "navigator": "Bob", "timerDuration": "60000"},
     "driver: String should have at most 50 characters; timerDuration: Input should be a valid integer",
     "드라이버: 최대 50자까지 가능합니다; 턴 길이(밀리초): 정수여야 합니다"),
    ("PATCH", "/api/pair-room/{code}/status", {"status": "DONE"},
     "status: Input should be 'IN_PROGRESS' or 'COMPLETED'", "상태: 'IN_PROGRESS' 또는 'COMPLETED' 중 하나여야 합니다"),
    ("PATCH", "/api/pair-room/{code}/pair-swap", {"intent": "now"},
     "intent: Input should be 'new' or 'auto'", "교대 방식: 'new' 또는 'auto' 중 하나여야 합니다"),
    ("PATCH", "/api/{code}/timer", {"duration": 86_400_001, "remainingTime": 0},
     "duration: Input should be less than or equal to 86400000; remainingTime: Input should be greater "
     "than or equal to 1", "길이(밀리초): 86400000 이하여야 합니다; 남은 시간(밀리초): 1 이상이어야 합니다"),
    ("PUT", "/api/pair-room/{code}/breaks", {"every": 2},
     "duration is required when every is set", "휴식 간격을 정하면 휴식 길이도 필요합니다"),
    ("POST", "/api/{code}/todos", {"content": " "}, "content: must not be blank", "할 일: 비어 있으면 안 됩니다"),
    ("PATCH", "/api/{code}/category", {"categoryId": 5},
     "categoryId: Input should be a valid string; updatedCategoryName: Field required",
     "카테고리: 문자열이어야 합니다; 새 카테고리 이름: 필수 항목입니다"),
    ("POST", "/api/pair-room/{code}/members", {"name": "x" * 51},
     "name: String should have at most 50 characters", "이름: 최대 50자까지 가능합니다"),
]


@pytest.fixture(scope="module")
def web(start_module_server):
    return start_module_server()


@pytest.mark.parametrize("method, path, body, english, korean", REFUSALS, ids=[r[3][:40] for r in REFUSALS])
def test_validation_messages_name_fields_as_people_read_them(web, method, path, body, english, korean):
    api = Api(web.url)
    code = api.create_room()
    before, count = api.room(code), rooms(web)
    said = {}
    for name, headers in (("ko", KO), ("en", EN), ("none", {})):
        response = api.call(method, path.format(code=code), body, headers={**JSON, **headers})
        assert response.status_code == 400, response.text
        assert list(response.json()) == ["message"]
        said[name] = response.json()["message"]
    assert said == {"ko": korean, "en": english, "none": english}
    assert korean_only(said["ko"]), said["ko"]
    assert api.room(code) == before and rooms(web) == count  # refused: nothing changed


def form_error(html: str) -> str:
    found = re.findall(r'<p class="error" role="alert" id="create-error">(.*?)</p>', html, re.S)
    assert len(found) == 1, html[-2000:]
    return found[0].replace("&#39;", "'")


# (the form, English, Korean): the form's own labels (a mob's first two are its Driver and
# Navigator fields), its turn length in minutes
FORMS = [
    ({"driver": " ", "navigator": "Bob", "minutes": "10"}, "Driver: must not be blank", "드라이버: 비어 있으면 안 됩니다"),
    ({"driver": "Ann", "navigator": "\t", "minutes": "10"}, "Navigator: must not be blank",
     "내비게이터: 비어 있으면 안 됩니다"),
    ({"driver": " ", "navigator": "Bob", "members": ["Cid"], "minutes": "10"}, "Driver: must not be blank",
     "드라이버: 비어 있으면 안 됩니다"),
    ({"driver": "Ann", "navigator": "Bob", "members": ["Cid\x01"], "minutes": "10"},
     "Then: must not contain control characters", "다음: 제어 문자를 포함할 수 없습니다"),
    ({"driver": "Ann", "navigator": "Bob", "members": ["ann"], "minutes": "10"},
     "members: Two members are called 'ann': names must differ",
     "멤버: 이름이 'ann'인 멤버가 둘입니다. 이름은 서로 달라야 합니다"),
    ({"driver": "Ann", "navigator": "Bob", "minutes": "custom", "custom_minutes": "0.001"},
     "Turn length must be from 1 second to 1,440 minutes.", "턴 길이는 1초에서 1,440분 사이여야 합니다."),
    ({"driver": "Ann", "navigator": "Bob", "minutes": "custom", "custom_minutes": "1441"},
     "Turn length must be from 1 second to 1,440 minutes.", "턴 길이는 1초에서 1,440분 사이여야 합니다."),
]


@pytest.mark.parametrize("form, english, korean", FORMS, ids=[f[1][:40] for f in FORMS])
def test_the_home_forms_errors_are_said_with_its_labels(web, form, english, korean):
    api = Api(web.url)
    count = rooms(web)
    said = {}
    for name, headers in (("ko", KO), ("en", EN)):
        response = api.call("POST", "/rooms", data=form, headers=headers, allow_redirects=False)
        assert response.status_code == 400, response.status_code
        assert 'value="Ann"' in response.text or 'value="Bob"' in response.text  # the form again, filled in
        said[name] = form_error(response.text)
    assert said == {"ko": korean, "en": english}
    assert korean_only(said["ko"]), said["ko"]
    assert rooms(web) == count
    fixed = {**form, "driver": "Ann", "navigator": "Bob", "members": ["Cid"], "minutes": "10", "custom_minutes": ""}
    assert api.call("POST", "/rooms", data=fixed, allow_redirects=False).status_code == 303  # the form itself works


def test_werkzeugs_own_refusals_are_said_too(web):
    """A method a page does not take (werkzeug's description was English) and, from
    the API, a server error: a command on the room page shows what the API says."""
    api = Api(web.url)
    page = api.call("GET", "/rooms", headers=KO)
    assert page.status_code == 405 and "여기에서는 GET 메서드를 사용할 수 없습니다" in page.text
    assert "Method GET is not allowed here" in api.call("GET", "/rooms", headers=EN).text
    app = Flask(__name__)
    init_i18n(app)
    register_error_handlers(app)
    app.add_url_rule("/api/boom", "boom", lambda: 1 / 0)
    client = app.test_client()
    ko = client.get("/api/boom", headers=KO)
    assert ko.status_code == 500 and ko.json == {"message": "서버에서 문제가 발생했습니다. 잠시 후 다시 시도하세요"}
    assert client.get("/api/boom").json == {"message": "Something went wrong on the server; try again shortly"}


def message(client: SSEClient) -> str:
    """A refused stream's message (the connection stays open: read its Content-Length)."""
    with client._cond:
        client._cond.wait_for(lambda: client.ended or len(client.body) >= int(
            client.response_headers.get("content-length", 1 << 30)), 2)
    return json.loads(client.body.decode())["message"]


def test_rate_limits_and_stream_caps_are_said_in_the_language(start_server):
    """The room page's EventSource cannot read a refused stream's body (it shows its own
    "reconnecting…"): what a stream refusal says is for other clients, in theirs."""
    server = start_server({"RATE_LIMITS_ENABLED": "true", "ROOM_CREATE_LIMIT": "2 per minute",
                           "MAX_STREAMS": "2", "MAX_STREAMS_PER_CLIENT": "1", "API_THREADS": "4"})
    api = Api(server.url)
    code = api.create_room()
    api.create_room()
    count = rooms(server)
    korean = api.call("POST", "/api/pair-room", {"driver": "A", "navigator": "B", "timerDuration": 60_000},
                      headers=KO)
    assert korean.status_code == 429
    assert korean.json() == {"message": "요청이 너무 많습니다 (1분에 2회). 잠시 후 다시 시도하세요"}
    english = api.call("POST", "/api/pair-room", {"driver": "A", "navigator": "B", "timerDuration": 60_000})
    assert english.json() == {"message": "Too many requests (2 per 1 minute); slow down and try again shortly"}
    form = api.call("POST", "/rooms", data={"driver": "A", "navigator": "B", "minutes": "10"}, headers=KO)
    assert form.status_code == 429 and "요청이 너무 많습니다 (1분에 2회)" in form.text
    assert rooms(server) == count

    first = stream(server.url, code)
    assert first.status == 200
    refused = {lang: SSEClient(server.url, f"/api/{code}/connect", headers=headers).open()
               for lang, headers in (("ko", KO), ("en", {}))}
    assert refused["ko"].status == 429 and refused["en"].status == 429
    assert message(refused["ko"]) == ("한 주소에서 연 실시간 연결이 너무 많습니다 (최대 1개, 서버의 "
                                      "MAX_STREAMS_PER_CLIENT). 탭을 몇 개 닫으세요")
    assert message(refused["en"]) == ("Too many open streams from one address (at most 1, the server's "
                                      "MAX_STREAMS_PER_CLIENT); close some tabs")
    other = stream(server.url, code, **{"X-Forwarded-For": "203.0.113.7"})  # another person: the last slot
    assert other.status == 200
    full = {lang: SSEClient(server.url, f"/api/{code}/connect",
                            headers={"X-Forwarded-For": "203.0.113.8", **headers}).open()
            for lang, headers in (("ko", KO), ("en", {}))}
    assert full["ko"].status == 503 and full["en"].status == 503
    assert message(full["ko"]) == "서버에 실시간 연결을 더 받을 자리가 없습니다. 곧 다시 시도합니다"
    assert message(full["en"]) == "This server has no room for another live stream; retrying shortly"
    for client in (first, other, *refused.values(), *full.values()):
        client.close()
