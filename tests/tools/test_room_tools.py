"""Todos, reference links and categories: API, live events, cross-room safety."""
import random
import time

import pytest

from page_server import PageServer
from screens import LISTS, shown
from support import Api, stream

EMPTY_JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def pages():
    server = PageServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def tools_server(start_module_server):
    return start_module_server({"LINK_PREVIEW_ALLOW_PRIVATE": "true"})


@pytest.fixture
def tapi(tools_server):
    return Api(tools_server.url)


def previewed(api, code, link_id, timeout=5.0):
    """The link as GET shows it once its preview (fetched after the POST) is saved."""
    deadline = time.monotonic() + timeout
    while True:
        link = next(l for l in api.call("GET", f"/api/{code}/reference-link").json() if l["id"] == link_id)
        if link["headTitle"] != link["url"] or time.monotonic() > deadline:
            return link
        time.sleep(0.05)


def todo_texts(api, code):
    return [t["content"] for t in api.call("GET", f"/api/{code}/todos").json()]


# ----- todos ---------------------------------------------------------------------------------

def test_todo_crud(tapi):
    code = tapi.create_room()
    created = tapi.call("POST", f"/api/{code}/todos", {"content": " write tests "})
    assert created.status_code == 201
    todo = created.json()
    assert todo == {"id": todo["id"], "content": "write tests", "isChecked": False, "order": 0}
    assert len(todo["id"]) >= 16 and not todo["id"].isdigit()
    second = tapi.call("POST", f"/api/{code}/todos", {"content": "ship"}).json()
    assert second["order"] == 1
    assert tapi.call("PATCH", f"/api/todos/{todo['id']}/contents", {"contents": "write more tests"}).status_code == 204
    assert tapi.call("PATCH", f"/api/todos/{second['id']}/contents", {"content": "ship it"}).status_code == 204
    assert tapi.call("PATCH", f"/api/todos/{todo['id']}/checked", headers=EMPTY_JSON).status_code == 204
    todos = tapi.call("GET", f"/api/{code}/todos").json()
    assert [(t["content"], t["isChecked"], t["order"]) for t in todos] == [
        ("write more tests", True, 0), ("ship it", False, 1)]
    tapi.call("PATCH", f"/api/todos/{todo['id']}/checked", headers=EMPTY_JSON)
    assert tapi.call("GET", f"/api/{code}/todos").json()[0]["isChecked"] is False
    assert tapi.call("DELETE", f"/api/todos/{todo['id']}").status_code == 204
    assert todo_texts(tapi, code) == ["ship it"]
    assert tapi.call("DELETE", f"/api/todos/{todo['id']}").status_code == 404


@pytest.mark.parametrize("body", [{}, {"content": ""}, {"content": "   "}, {"content": 5},
                                  {"content": "x" * 501}, {"contents": None}])
def test_bad_todo_bodies_change_nothing(tapi, body):
    code = tapi.create_room()
    todo = tapi.call("POST", f"/api/{code}/todos", {"content": "keep"}).json()
    assert tapi.call("POST", f"/api/{code}/todos", body).status_code == 400
    response = tapi.call("PATCH", f"/api/todos/{todo['id']}/contents", body)
    assert response.status_code == 400 and response.json()["message"]
    assert todo_texts(tapi, code) == ["keep"]


def test_unknown_todo_ids_are_404(tapi):
    for todo_id in ["1", "0", "abcdefghijklmnop", "x" * 200, "..%2f..%2fetc"]:
        for method, path in [("PATCH", "/contents"), ("PATCH", "/checked"), ("PATCH", "/order"),
                             ("DELETE", "")]:
            response = tapi.call(method, f"/api/todos/{todo_id}{path}", {"content": "x", "order": 0})
            assert response.status_code == 404, (todo_id, path)
            assert response.json()["message"]


def test_todo_order_stays_total_and_stable_through_any_moves(tapi):
    code = tapi.create_room()
    ids = [tapi.call("POST", f"/api/{code}/todos", {"content": f"t{n}"}).json()["id"] for n in range(8)]
    model = list(ids)
    rng = random.Random(42)
    moves = [(rng.choice(ids), rng.randrange(8)) for _ in range(40)]
    moves += [(ids[n % 8], 1) for n in range(40)]  # squeezes one gap until it must renumber
    for todo_id, index in moves:
        assert tapi.call("PATCH", f"/api/todos/{todo_id}/order", {"order": index}).status_code == 204
        model.remove(todo_id)
        model.insert(index, todo_id)
    todos = tapi.call("GET", f"/api/{code}/todos").json()
    assert [t["id"] for t in todos] == model
    assert [t["order"] for t in todos] == list(range(8))
    bad = tapi.call("PATCH", f"/api/todos/{ids[0]}/order", {"order": 8})
    assert bad.status_code == 400 and "between 0 and 7" in bad.json()["message"]
    for body in [{"order": -1}, {"order": "2"}, {}, {"order": 1.5}]:
        assert tapi.call("PATCH", f"/api/todos/{ids[0]}/order", body).status_code == 400
    assert [t["id"] for t in tapi.call("GET", f"/api/{code}/todos").json()] == model


def test_a_screen_applying_each_move_and_append_ends_on_the_list_get_shows(tapi, tools_server):
    """A move and an append say where the todo now is without reading the list back
    (tools/todos.move_todo, the create's count): the index each change event carries
    must be the true one, through a renumbering too."""
    code = tapi.create_room()
    ids = [tapi.call("POST", f"/api/{code}/todos", {"content": f"t{n}"}).json()["id"] for n in range(6)]
    screen = stream(tools_server.url, code)
    try:
        screen.wait_event("todos")
        rng = random.Random(7)
        for step in range(60):
            if step % 10 == 9:
                created = tapi.call("POST", f"/api/{code}/todos", {"content": f"new {step}"})
                assert created.status_code == 201
                assert created.json()["order"] == len(ids)
                ids.append(created.json()["id"])
            todo_id = ids[step % 3] if step < 30 else rng.choice(ids)  # squeezes one gap first
            index = 1 if step < 30 else rng.randrange(len(ids))
            assert tapi.call("PATCH", f"/api/todos/{todo_id}/order", {"order": index}).status_code == 204
        want = tapi.call("GET", f"/api/{code}/todos").json()
        screen.wait_for(lambda events: shown(events)["todos"] == want, timeout=5)
    finally:
        screen.close()

# ----- categories and links ----------------------------------------------------------------

def test_categories_and_links(tapi, pages):
    pages.html("/doc", '<title>Doc page</title><meta property="og:title" content="The Doc">'
                       '<meta name="description" content="Read me">')
    code = tapi.create_room()
    cat = tapi.call("POST", f"/api/{code}/category", {"value": "docs"})
    assert cat.status_code == 201
    cat = cat.json()
    assert tapi.call("POST", f"/api/{code}/category", {"value": "docs"}).status_code == 409
    other = tapi.call("POST", f"/api/{code}/category", {"value": "tools"}).json()
    link = tapi.call("POST", f"/api/{code}/reference-link",
                     {"url": pages.url("/doc"), "categoryId": cat["id"]})
    assert link.status_code == 201
    link = link.json()  # answered at once, titled with its URL; the preview comes after
    assert link["headTitle"] == pages.url("/doc") and link["openGraphTitle"] == ""
    link = previewed(tapi, code, link["id"])
    assert link["headTitle"] == "Doc page" and link["openGraphTitle"] == "The Doc"
    assert link["description"] == "Read me" and link["categoryName"] == "docs"
    plain = tapi.call("POST", f"/api/{code}/reference-link", {"url": "http://127.0.0.1:9/x"}).json()
    assert plain["headTitle"] == "http://127.0.0.1:9/x" and plain["categoryName"] is None
    time.sleep(0.3)  # its preview fails (nothing listens on port 9): the URL stays its title
    assert previewed(tapi, code, plain["id"], timeout=0)["headTitle"] == "http://127.0.0.1:9/x"
    assert len(tapi.call("GET", f"/api/{code}/reference-link").json()) == 2
    filtered = tapi.call("GET", f"/api/{code}/reference-link?categoryId={cat['id']}").json()
    assert [l["id"] for l in filtered] == [link["id"]]
    assert tapi.call("GET", f"/api/{code}/reference-link?categoryId=nope").status_code == 404
    renamed = tapi.call("PATCH", f"/api/{code}/category",
                        {"categoryId": cat["id"], "updatedCategoryName": "manuals"})
    assert renamed.status_code == 200 and renamed.json()["value"] == "manuals"
    assert tapi.call("PATCH", f"/api/{code}/category",
                     {"categoryId": cat["id"], "updatedCategoryName": "tools"}).status_code == 409
    assert tapi.call("GET", f"/api/{code}/reference-link").json()[0]["categoryName"] == "manuals"
    assert tapi.call("DELETE", f"/api/{code}/category/{cat['id']}").status_code == 204
    assert [c["value"] for c in tapi.call("GET", f"/api/{code}/category").json()] == [other["value"]]
    links = tapi.call("GET", f"/api/{code}/reference-link").json()
    assert len(links) == 2 and links[0]["categoryName"] is None  # the link stays
    assert tapi.call("DELETE", f"/api/{code}/reference-link/{link['id']}").status_code == 204
    assert len(tapi.call("GET", f"/api/{code}/reference-link").json()) == 1


@pytest.mark.parametrize("path, body", [
    ("/reference-link", {}), ("/reference-link", {"url": ""}), ("/reference-link", {"url": "ftp://x"}),
    ("/reference-link", {"url": "javascript:alert(1)"}), ("/reference-link", {"url": 7}),
    ("/reference-link", {"url": "https://x.test/" + "a" * 2100}),
    ("/reference-link", {"url": "https://x.test/", "categoryId": 5}),
    ("/category", {}), ("/category", {"value": ""}), ("/category", {"value": "x" * 31}),
])
def test_bad_link_and_category_bodies(tapi, path, body):
    code = tapi.create_room()
    response = tapi.call("POST", f"/api/{code}{path}", body)
    assert response.status_code == 400 and response.json()["message"]
    assert tapi.call("GET", f"/api/{code}/reference-link").json() == []
    assert tapi.call("GET", f"/api/{code}/category").json() == []


def test_nothing_of_one_room_can_be_changed_through_another(tapi):
    mine, theirs = tapi.create_room(), tapi.create_room()
    cat = tapi.call("POST", f"/api/{theirs}/category", {"value": "secret"}).json()
    link = tapi.call("POST", f"/api/{theirs}/reference-link",
                     {"url": "http://127.0.0.1:9/", "categoryId": cat["id"]}).json()
    assert tapi.call("DELETE", f"/api/{mine}/reference-link/{link['id']}").status_code == 404
    assert tapi.call("DELETE", f"/api/{mine}/category/{cat['id']}").status_code == 404
    assert tapi.call("PATCH", f"/api/{mine}/category",
                     {"categoryId": cat["id"], "updatedCategoryName": "mine"}).status_code == 404
    assert tapi.call("POST", f"/api/{mine}/reference-link",
                     {"url": "http://127.0.0.1:9/", "categoryId": cat["id"]}).status_code == 404
    assert tapi.call("GET", f"/api/{mine}/reference-link?categoryId={cat['id']}").status_code == 404
    assert len(tapi.call("GET", f"/api/{theirs}/reference-link").json()) == 1
    assert tapi.call("GET", f"/api/{theirs}/category").json() == [cat]
    assert tapi.call("GET", f"/api/{mine}/reference-link").json() == []


def test_guarded_server_saves_private_links_without_fetching(server, pages):
    api = Api(server.url)  # the default server: LINK_PREVIEW_ALLOW_PRIVATE unset
    pages.html("/private", "<title>internal</title>")
    before = list(pages.requests)
    link = api.call("POST", f"/api/{api.create_room()}/reference-link", {"url": pages.url("/private")})
    assert link.status_code == 201 and link.json()["headTitle"] == pages.url("/private")
    time.sleep(0.3)
    assert pages.requests == before


# ----- live events -------------------------------------------------------------------------

@pytest.mark.solo  # a latency bound: run alone (pytest.ini)
def test_every_change_reaches_both_clients_within_100_ms(tools_server, tapi, pages):
    """Each change reaches both streams as a small ``*-change`` event (identical on
    both), and the lists a screen builds from them are the database's after each."""
    pages.html("/fast", "<title>Fast</title>")
    code = tapi.create_room()
    a, b = stream(tools_server.url, code), stream(tools_server.url, code)
    try:
        for client in (a, b):
            client.wait_event("categories")
            assert client.named("todos")[-1].data == "[]"  # lists come with the first state
        latencies = []

        def change(name, method, path, body=None, check=None, compare=True):
            """Make a change; both clients get ``name``-change (with identical data),
            and what they show is then what GET says, the full-list events never
            sent again."""
            marks = (len(a.events), len(b.events))
            sent = time.time()
            response = tapi.call(method, path, body, headers=EMPTY_JSON)
            assert response.status_code < 300, response.text
            got = [c.wait_event(f"{name}-change", after=m) for c, m in zip((a, b), marks)]
            assert got[0].data == got[1].data
            assert len(got[0].data) < 6000  # one item, not the list
            latencies.extend(e.at - sent for e in got)
            for client in (a, b):
                assert not compare or shown(client.events)[name] == tapi.call("GET", LIST_PATHS[name] % code).json()
                assert all(e.event not in LISTS for e in client.events[marks[0 if client is a else 1]:])
            if check:
                assert check(shown(a.events)[name])
            return response

        todo = change("todos", "POST", f"/api/{code}/todos", {"content": "one"},
                      lambda items: [t["content"] for t in items] == ["one"]).json()
        change("todos", "POST", f"/api/{code}/todos", {"content": "two"})
        change("todos", "PATCH", f"/api/todos/{todo['id']}/checked",
               check=lambda items: items[0]["isChecked"] is True)
        change("todos", "PATCH", f"/api/todos/{todo['id']}/contents", {"content": "uno"})
        change("todos", "PATCH", f"/api/todos/{todo['id']}/order", {"order": 1},
               check=lambda items: [(t["content"], t["order"]) for t in items] == [("two", 0), ("uno", 1)])
        change("todos", "DELETE", f"/api/todos/{todo['id']}")
        cat = change("categories", "POST", f"/api/{code}/category", {"value": "docs"}).json()
        link = change("reference-links", "POST", f"/api/{code}/reference-link",
                      {"url": pages.url("/fast"), "categoryId": cat["id"]},
                      compare=False).json()  # its preview may land between the two reads
        for client in (a, b):  # the preview arrives after the POST and is pushed again
            client.wait_for(lambda events: [e for e in events if e.event == "reference-links-change"
                                            and '"headTitle":"Fast"' in e.data])
        change("reference-links", "POST", f"/api/{code}/reference-link", {"url": "http://127.0.0.1:9/"})
        change("categories", "PATCH", f"/api/{code}/category",  # renames it in its link too
               {"categoryId": cat["id"], "updatedCategoryName": "refs"})
        assert [l["categoryName"] for l in shown(a.events)["reference-links"]] == ["refs", None]
        assert shown(a.events)["reference-links"] == tapi.call("GET", f"/api/{code}/reference-link").json()
        change("categories", "DELETE", f"/api/{code}/category/{cat['id']}",  # uncategorises it
               check=lambda items: items == [])
        assert [l["categoryId"] for l in shown(b.events)["reference-links"]] == [None, None]
        assert shown(b.events)["reference-links"] == tapi.call("GET", f"/api/{code}/reference-link").json()
        change("reference-links", "DELETE", f"/api/{code}/reference-link/{link['id']}")
        print(f"\nchange -> event at both clients: max {max(latencies)*1000:.1f} ms")
        assert max(latencies) < 0.1
    finally:
        a.close(), b.close()


LIST_PATHS = {"todos": "/api/%s/todos", "reference-links": "/api/%s/reference-link",
              "categories": "/api/%s/category"}


# ----- completion --------------------------------------------------------------------------

def test_completing_a_room_stops_the_timer_tells_everyone_and_freezes_it(tools_server, tapi):
    code = tapi.create_room(2_000)
    todo = tapi.call("POST", f"/api/{code}/todos", {"content": "done thing"}).json()
    tapi.call("POST", f"/api/{code}/todos", {"content": "open thing"})
    tapi.call("PATCH", f"/api/todos/{todo['id']}/checked", headers=EMPTY_JSON)
    client = stream(tools_server.url, code)
    try:
        tapi.start(code)
        client.wait_event("timer", "stop", timeout=4)  # one full turn
        tapi.start(code)
        time.sleep(0.6)
        assert tapi.call("PATCH", f"/api/pair-room/{code}/status",
                         {"status": "COMPLETED"}).status_code == 204
        done = client.wait_for(lambda ev: [e for e in ev if e.event == "room"
                                           and e.json()["status"] == "COMPLETED"])[0].json()
        assert done["timer"]["status"] == "PAUSED"
        assert done["turnsCompleted"] == 1
        assert 2_500 < done["pairedMs"] < 3_000
        assert [e.data for e in client.named("timer")][-2:] == ["pause", "complete"]
    finally:
        client.close()
    for method, path, body in [("POST", f"/api/{code}/todos", {"content": "x"}),
                               ("PATCH", f"/api/todos/{todo['id']}/checked", None),
                               ("POST", f"/api/{code}/category", {"value": "x"}),
                               ("PATCH", f"/api/{code}/timer/start", None)]:
        response = tapi.call(method, path, body, headers=EMPTY_JSON)
        assert response.status_code == 409 and "completed" in response.json()["message"]
    page = tapi.http.get(f"{tools_server.url}/rooms/{code}")
    assert "Room completed" in page.text and "1 turn" in page.text and "1 of 2 todos done" in page.text


def test_a_link_typed_without_a_scheme_gets_https(tapi):
    code = tapi.create_room()
    link = tapi.call("POST", f"/api/{code}/reference-link", {"url": " 127.0.0.1:9/x?a=1 "})
    assert link.status_code == 201 and link.json()["url"] == "https://127.0.0.1:9/x?a=1"
    for bad in ("ftp://127.0.0.1/x", "javascript:alert(1)", "mailto:a@b.test", "/relative"):
        refused = tapi.call("POST", f"/api/{code}/reference-link", {"url": bad})
        assert refused.status_code == 400 and "http(s)" in refused.json()["message"], bad
    too_long = tapi.call("POST", f"/api/{code}/reference-link", {"url": "a.test/" + "x" * 2040})
    assert too_long.status_code == 400 and "2048" in too_long.json()["message"]
    assert len(tapi.call("GET", f"/api/{code}/reference-link").json()) == 1
