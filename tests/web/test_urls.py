"""URLs people type: what is refused (with a 400), what is fixed up, and bodies no
parser should be asked to hold."""
import pytest

from coding_duo.tools.previews import parse_preview
from coding_duo.tools.schemas import CreateLink
from coding_duo.web.errors import BadRequest
from coding_duo.web.validation import validate
from support import Api

MALFORMED = ["http://[::1]x/", "http://[v1.fe]/", "http://%00/", "http://./", "http://.../",
             "http://a..b/", "http://example.com:0/", "http://127.0.0.1\t:80/",
             "http://example.com:99999/", "http://[::1/", "http:// example.com/"]


@pytest.mark.parametrize("url", MALFORMED)
def test_malformed_hosts_are_refused(url):
    with pytest.raises(BadRequest) as refused:
        validate(CreateLink, {"url": url})
    assert "url" in refused.value.message


@pytest.mark.parametrize("url, stored", [("example.com/x", "https://example.com/x"),
                                         ("http://[::1]:8080/x", "http://[::1]:8080/x"),
                                         ("https://ex.example./a?b=1#c", "https://ex.example./a?b=1#c"),
                                         ("https://user@example.com/", "https://user@example.com/")])
def test_good_urls_pass(url, stored):
    assert validate(CreateLink, {"url": url}).url == stored


def test_a_preview_parses_the_head_only():
    """A fast 512 KiB page of nested tags cost 2.5 s of CPU to parse whole."""
    import time
    page = "<html><head><title>T</title><meta property='og:title' content='OG'></head><body>" \
           + "<div>" * 100_000
    started = time.perf_counter()
    preview = parse_preview(page, "https://example.com/")
    assert time.perf_counter() - started < 0.2
    assert (preview.head_title, preview.open_graph_title) == ("T", "OG")
    headless = "<title>Only</title>" + "<div>" * 100_000  # no </head>: the first 64 KiB
    started = time.perf_counter()
    assert parse_preview(headless, "https://example.com/").head_title == "Only"
    assert time.perf_counter() - started < 0.5


def test_json_nested_thousands_deep_is_a_400(server):
    api = Api(server.url)
    code = api.create_room()
    body = '{"content": ' + "[" * 30_000 + "]" * 30_000 + "}"
    for path in (f"/api/{code}/todos", f"/api/{code}/reference-link", "/api/pair-room"):
        answer = api.call("POST", path, data=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400 and "not valid JSON" in answer.json()["message"], path
