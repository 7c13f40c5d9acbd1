"""Link previews and the SSRF guard, without any network but 127.0.0.1."""
import pytest

from coding_duo.tools.previews import LinkPreviewer, is_public_address, parse_preview
from page_server import PageServer

PUBLIC = "93.184.216.34"  # stands for "somewhere on the internet"; dialled to 127.0.0.1 here

OG_PAGE = """<!doctype html><html><head>
<title>  The   Page  </title>
<meta property="og:title" content="OG Title">
<meta property="og:description" content="What it is about">
<meta property="og:image" content="/img/cover.png">
</head><body>hi</body></html>"""


@pytest.fixture
def pages():
    server = PageServer()
    yield server
    server.close()


def previewer_via_public_name(pages, **kwargs):
    """A guarded previewer for which "public.test" is a public address that is
    really our local page server."""
    dialled = []

    def resolver(host, port):
        return [host] if host[0].isdigit() else [PUBLIC]  # IP literals stay themselves

    def dialer(address):
        dialled.append(address)
        return "127.0.0.1" if address == PUBLIC else address
    previewer = LinkPreviewer(resolver=resolver, dialer=dialer, **kwargs)
    return previewer, dialled


def test_parse_preview_reads_open_graph_and_title():
    preview = parse_preview(OG_PAGE, "https://site.test/a/b")
    assert preview.head_title == "The Page"
    assert preview.open_graph_title == "OG Title"
    assert preview.description == "What it is about"
    assert preview.image == "https://site.test/img/cover.png"
    assert parse_preview('<meta property="og:image" content="javascript:alert(1)">', "https://x.test/").image == ""
    assert parse_preview("<title>x" * 10_000, "https://x.test/").head_title.startswith("x")


@pytest.mark.parametrize("address, public", [
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("::1", False),
    ("fe80::1", False), ("fc00::1", False), ("::ffff:127.0.0.1", False), ("224.0.0.1", False),
    ("93.184.216.34", True), ("2606:4700::1111", True),
])
def test_public_address_rule(address, public):
    assert is_public_address(address) is public


def test_a_public_page_gets_its_preview(pages):
    pages.html("/page", OG_PAGE)
    previewer, dialled = previewer_via_public_name(pages)
    preview = previewer.preview(f"http://public.test:{pages.port}/page")
    assert preview.open_graph_title == "OG Title" and preview.head_title == "The Page"
    assert preview.image == f"http://public.test:{pages.port}/img/cover.png"
    assert dialled == [PUBLIC]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/secret", "http://10.0.0.7:{port}/secret",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]:{port}/secret",
    "http://localhost:{port}/secret",
])
def test_the_guard_refuses_private_loopback_and_link_local_targets(pages, url):
    pages.html("/secret", "<title>secret</title>")
    previewer = LinkPreviewer()  # the real resolver, guard on
    preview = previewer.preview(url.format(port=pages.port))
    assert preview.head_title != "secret" and preview.open_graph_title == ""
    assert pages.requests == []  # nothing was even sent


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/secret", "http://169.254.169.254/x",
                                    "http://10.0.0.1/x"])
def test_a_redirect_to_a_private_address_is_refused(pages, target):
    pages.html("/secret", "<title>secret</title>")
    pages.redirect("/go", target.format(port=pages.port))
    previewer, dialled = previewer_via_public_name(pages)
    preview = previewer.preview(f"http://public.test:{pages.port}/go")
    assert preview.head_title == "public.test"
    assert pages.requests == ["/go"]
    assert dialled == [PUBLIC]


def test_redirects_between_public_pages_are_followed_but_not_for_ever(pages):
    pages.html("/final", OG_PAGE)
    pages.redirect("/r1", "/r2")
    pages.redirect("/r2", "/final")
    previewer, _ = previewer_via_public_name(pages)
    assert previewer.preview(f"http://public.test:{pages.port}/r1").open_graph_title == "OG Title"
    pages.redirect("/loop", "/loop")
    assert previewer.preview(f"http://public.test:{pages.port}/loop").head_title == "public.test"
    assert len([p for p in pages.requests if p == "/loop"]) == 4  # first try + 3 redirects


def test_slow_huge_and_non_html_pages(pages):
    pages.html("/slow", OG_PAGE, delay=2)
    pages.html("/huge", "<title>big</title>" + "x" * 3_000_000)
    pages.html("/pdf", "%PDF", content_type="application/pdf")
    pages.html("/gone", "", status=500)
    previewer, _ = previewer_via_public_name(pages, timeout=0.5, max_bytes=64 * 1024)
    base = f"http://public.test:{pages.port}"
    assert previewer.preview(base + "/slow").head_title == "public.test"
    assert previewer.preview(base + "/huge").head_title == "big"
    assert previewer.preview(base + "/pdf").head_title == "public.test"
    assert previewer.preview(base + "/gone").head_title == "public.test"
    assert previewer.preview("ftp://public.test/x").head_title == "public.test"
