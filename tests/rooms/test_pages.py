"""Server-rendered pages."""
import re

from support import Api


def test_home_page_offers_presets_and_join(server):
    page = Api(server.url).call("GET", "/")
    assert page.status_code == 200
    for minutes in ("10", "15", "30"):
        assert f'value="{minutes}"' in page.text
    assert 'name="custom_minutes"' in page.text and 'action="/join"' in page.text


def test_create_from_the_form_redirects_to_the_room(server):
    api = Api(server.url)
    response = api.http.post(server.url + "/rooms", data={
        "driver": "Ann", "navigator": "<script>x</script>", "minutes": "15"}, allow_redirects=False)
    assert response.status_code == 303
    location = response.headers["Location"]
    code = location.rsplit("/", 1)[1]
    assert api.room(code)["duration"] == 15 * 60_000
    page = api.http.get(server.url + location)
    assert page.status_code == 200
    assert "&lt;script&gt;x&lt;/script&gt;" in page.text and "<script>x</script>" not in page.text
    assert "15:00" in page.text and code in page.text
    assert re.search(r'<script type="module" src="/static/room/main\.js\?v=[0-9a-f]{12}">', page.text)
    assert "onclick" not in page.text


def test_room_modules_are_revalidated_while_the_versioned_entry_is_cached(server):
    """asset() versions the entry module only; the modules it imports by relative URL
    carry no version, so they are served no-cache (ETag) and a release reaches browsers."""
    api = Api(server.url)
    page = api.http.get(server.url + f"/rooms/{api.create_room()}")
    entry = api.http.get(server.url + re.search(r'src="(/static/room/main\.js\?v=\w+)"', page.text).group(1))
    assert "max-age=31536000" in entry.headers["Cache-Control"]
    imported = set(re.findall(r'^import .* from "\./([\w.]+)";$', entry.text, re.M))
    assert {"state.js", "clock.js", "timer.js", "lists.js", "alerts.js", "stream.js"} <= imported
    for name in sorted(imported):
        module = api.http.get(f"{server.url}/static/room/{name}")
        assert module.status_code == 200 and "javascript" in module.headers["Content-Type"], name
        assert "no-cache" in module.headers["Cache-Control"] and "max-age" not in module.headers["Cache-Control"]
        again = api.http.get(module.url, headers={"If-None-Match": module.headers["ETag"]})
        assert again.status_code == 304, name

def test_custom_length_and_form_errors(server):
    api = Api(server.url)
    ok = api.http.post(server.url + "/rooms", data={
        "driver": "Ann", "navigator": "Bob", "minutes": "10", "custom_minutes": "0.5"},
        allow_redirects=False)
    assert ok.status_code == 303
    code = ok.headers["Location"].rsplit("/", 1)[1]
    assert api.room(code)["duration"] == 30_000
    bad = api.http.post(server.url + "/rooms", data={"driver": "", "navigator": "Bob", "minutes": "10"})
    assert bad.status_code == 400 and "driver" in bad.text
    bad = api.http.post(server.url + "/rooms", data={"driver": "A", "navigator": "B", "custom_minutes": "x"})
    assert bad.status_code == 400 and "minutes" in bad.text


def test_join_by_code(server):
    api = Api(server.url)
    code = api.create_room()
    joined = api.http.get(server.url + "/join", params={"code": code.lower().replace("-", "")},
                          allow_redirects=False)
    assert joined.status_code == 302 and joined.headers["Location"].endswith(f"/rooms/{code}")
    unknown = api.http.get(server.url + "/join", params={"code": "ZZZZZ-ZZZZZ"})
    assert unknown.status_code == 404 and "No room has the code" in unknown.text


def test_unknown_room_page_is_a_real_404(server):
    page = Api(server.url).http.get(server.url + "/rooms/ZZZZZ-ZZZZZ")
    assert page.status_code == 404
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Not found" in page.text
    assert Api(server.url).http.get(server.url + "/no/such/page").status_code == 404


def test_join_by_a_pasted_invite_link(server):
    api = Api(server.url)
    code = api.create_room()
    for pasted in (f"{server.url}/rooms/{code}", f" https://duo.example/rooms/{code.lower()}?x=1#top ",
                   f"duo.example/rooms/{code.replace('-', '')}/"):
        joined = api.http.get(server.url + "/join", params={"code": pasted}, allow_redirects=False)
        assert joined.status_code == 302 and joined.headers["Location"].endswith(f"/rooms/{code}"), pasted
    for bad in ("https://duo.example/rooms/", "not a code", "x" * 3000):
        refused = api.http.get(server.url + "/join", params={"code": bad})
        assert refused.status_code == 400 and 'id="join-error"' in refused.text, bad
        assert "not an access code" in refused.text
    unknown = api.http.get(server.url + "/join", params={"code": f"{server.url}/rooms/ZZZZZ-ZZZZZ"})
    assert unknown.status_code == 404 and 'id="join-error"' in unknown.text
