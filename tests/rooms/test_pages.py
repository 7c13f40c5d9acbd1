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
    assert re.search(r'<script src="/static/room\.js\?v=[0-9a-f]{12}" defer>', page.text)
    assert "onclick" not in page.text


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
