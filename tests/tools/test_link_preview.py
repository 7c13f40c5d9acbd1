"""Link previews and the SSRF guard, without any network but 127.0.0.1."""
import socket
import threading
import time

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


@pytest.fixture(scope="module")
def page_server():
    server = PageServer()
    yield server
    server.close()


@pytest.fixture
def pages(page_server):
    """The module's page server, with no routes and no requests yet."""
    for table in (page_server.routes, page_server.trickles, page_server.requests):
        table.clear()
    return page_server


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
    # IPv6 forms that carry an IPv4 address: refused when that IPv4 is not public
    ("64:ff9b::a00:1", False), ("64:ff9b::7f00:1", False), ("64:ff9b::a9fe:a9fe", False),
    ("64:ff9b::5db8:d822", True),  # NAT64 to a public IPv4: fine
    ("64:ff9b:1::a00:1", False), ("64:ff9b:1::5db8:d822", False),  # local-use NAT64: refused outright
    ("2002:7f00:1::", False), ("2002:a00:1::1", False), ("2002:c0a8:101::1", False),
    ("2002:5db8:d822::1", True),  # 6to4 of a public IPv4
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False), ("2001:0:a00:1::", False),  # Teredo
    ("::ffff:10.0.0.1", False), ("::ffff:169.254.169.254", False), ("::ffff:93.184.216.34", True),
    ("::a00:1", False), ("::7f00:1", False), ("::0.0.0.1", False),  # IPv4-compatible
    ("::ffff:0:a00:1", False), ("::ffff:0:7f00:1", False),  # IPv4-translated (SIIT)
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


@pytest.mark.parametrize("address", [
    "64:ff9b::a00:1", "64:ff9b::7f00:1", "64:ff9b:1::a00:1", "2002:7f00:1::", "2002:a00:1::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", "::ffff:127.0.0.1", "::7f00:1", "::ffff:0:7f00:1",
])
def test_embedded_private_ipv4_is_refused_without_a_request(pages, address):
    """A host name resolving to an address that embeds a private IPv4: the guard
    refuses it before connecting (the dialer would route it to our page server)."""
    pages.html("/secret", "<title>secret</title>")
    dialled = []

    def dialer(a):
        dialled.append(a)
        return "127.0.0.1"
    previewer = LinkPreviewer(resolver=lambda host, port: [address], dialer=dialer)
    url = f"http://sneaky.test:{pages.port}/secret"
    assert previewer.preview(url).head_title == url
    assert dialled == [] and pages.requests == []


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/secret", "http://169.254.169.254/x",
                                    "http://10.0.0.1/x"])
def test_a_redirect_to_a_private_address_is_refused(pages, target):
    pages.html("/secret", "<title>secret</title>")
    pages.redirect("/go", target.format(port=pages.port))
    previewer, dialled = previewer_via_public_name(pages)
    preview = previewer.preview(f"http://public.test:{pages.port}/go")
    assert preview.head_title == f"http://public.test:{pages.port}/go"
    assert pages.requests == ["/go"]
    assert dialled == [PUBLIC]


def test_redirects_between_public_pages_are_followed_but_not_for_ever(pages):
    pages.html("/final", OG_PAGE)
    pages.redirect("/r1", "/r2")
    pages.redirect("/r2", "/final")
    previewer, _ = previewer_via_public_name(pages)
    assert previewer.preview(f"http://public.test:{pages.port}/r1").open_graph_title == "OG Title"
    pages.redirect("/loop", "/loop")
    loop = f"http://public.test:{pages.port}/loop"
    assert previewer.preview(loop).head_title == loop
    assert len([p for p in pages.requests if p == "/loop"]) == 4  # first try + 3 redirects


def test_slow_huge_and_non_html_pages(pages):
    pages.html("/slow", OG_PAGE, delay=2)
    pages.html("/huge", "<title>big</title>" + "x" * 3_000_000)
    pages.html("/pdf", "%PDF", content_type="application/pdf")
    pages.html("/gone", "", status=500)
    previewer, _ = previewer_via_public_name(pages, timeout=0.5, max_bytes=64 * 1024)
    base = f"http://public.test:{pages.port}"
    assert previewer.preview(base + "/slow").head_title == base + "/slow"
    assert previewer.preview(base + "/huge").head_title == "big"
    assert previewer.preview(base + "/pdf").head_title == base + "/pdf"
    assert previewer.preview(base + "/gone").head_title == base + "/gone"
    assert previewer.preview("ftp://public.test/x").head_title == "ftp://public.test/x"
    for url in ["http://public.test:99999/", "http://[::1/", "http://:80/"]:
        assert previewer.preview(url).head_title == url  # never an exception


# ----- the hard deadline --------------------------------------------------------------------

DEADLINE = 1.0


def timed_preview(previewer, url):
    started = time.monotonic()
    preview = previewer.preview(url)
    return preview, time.monotonic() - started


@pytest.mark.parametrize("in_headers", [False, True], ids=["body", "headers"])
def test_a_page_trickling_one_byte_per_half_second_keeps_the_deadline(pages, in_headers):
    pages.trickle("/drip", interval=0.5, in_headers=in_headers)
    previewer, _ = previewer_via_public_name(pages, timeout=DEADLINE)
    url = f"http://public.test:{pages.port}/drip"
    preview, took = timed_preview(previewer, url)
    assert pages.requests == ["/drip"]
    assert preview.head_title == url and preview.open_graph_title == ""
    assert DEADLINE - 0.1 < took < DEADLINE + 0.5, took


@pytest.fixture
def dripping_tcp():
    """A TCP server that accepts and sends one byte per 0.5 s, never a TLS handshake."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    def drip(conn):
        with conn:
            try:
                while not stop.is_set():
                    conn.sendall(b"\x16")
                    time.sleep(0.5)
            except OSError:
                pass
    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()


def test_a_tls_handshake_that_trickles_keeps_the_deadline(dripping_tcp):
    previewer = LinkPreviewer(allow_private=True, timeout=DEADLINE)
    url = f"https://127.0.0.1:{dripping_tcp}/"
    preview, took = timed_preview(previewer, url)
    assert preview.head_title == url
    assert took < DEADLINE + 0.5, took


def test_a_dns_lookup_that_never_answers_is_abandoned_at_the_deadline_and_bounded():
    release = threading.Event()
    asked = []

    def blocking_resolver(host, port):
        asked.append(host)
        release.wait(30)
        return ["93.184.216.34"]
    previewer = LinkPreviewer(resolver=blocking_resolver, timeout=DEADLINE, max_lookups=2)
    try:
        results = []
        threads = [threading.Thread(target=lambda n=n: results.append(
            timed_preview(previewer, f"http://hang{n}.test/"))) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
        assert len(results) == 2 and len(asked) == 2
        for preview, took in results:
            assert preview.head_title.startswith("http://hang") and took < DEADLINE + 0.5, took
        # Both abandoned lookups still hang and hold their slots: the next fails at once.
        preview, took = timed_preview(previewer, "http://third.test/")
        assert preview.head_title == "http://third.test/" and took < 0.2, took
        assert len(asked) == 2
    finally:
        release.set()
    time.sleep(0.2)  # the lookups end and give their slots back
    refused = []
    previewer.lookups.resolver = lambda host, port: refused.append(host) or ["10.0.0.1"]
    assert previewer.preview("http://fourth.test/").head_title == "http://fourth.test/"
    assert refused == ["fourth.test"]


def test_one_rooms_hung_lookups_take_only_its_share_of_the_dns_slots():
    """8 slots, a quarter each: one room (or one client) whose names never resolve
    holds 2 of them, and its next preview fails at once without asking DNS; other
    rooms still get theirs, until all 8 are taken."""
    release = threading.Event()
    asked = []

    def resolver(host, port):
        asked.append(host)
        if host.startswith("hang"):
            release.wait(30)
        return ["10.0.0.1"]  # refused by the address rule: no fetch follows
    previewer = LinkPreviewer(resolver=resolver, timeout=0.3, max_lookups=8)
    try:
        def hang(n, room, client):
            return threading.Thread(target=previewer.preview, args=(f"http://hang{n}.test/",),
                                    kwargs={"owners": (("room", room), ("client", client))})
        threads = [hang(n, "R1", f"c{n}") for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
        assert len(asked) == 2  # both abandoned at their deadline, both still hold a slot
        started = time.monotonic()
        preview = previewer.preview("http://next.test/", owners=(("room", "R1"), ("client", "c9")))
        assert preview.head_title == "http://next.test/" and time.monotonic() - started < 0.1
        assert "next.test" not in asked  # refused before any lookup
        # One client spread over rooms is held to its share as well.
        threads = [hang(10 + n, f"R{10 + n}", "c-many") for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
        assert len(asked) == 4
        # Another room and client: a slot of its own, the lookup runs.
        previewer.preview("http://other.test/", owners=(("room", "R2"), ("client", "c2")))
        assert asked[-1] == "other.test"
        # Until every slot is taken (4 more rooms with hung names: 8): then anyone's fails at once.
        threads = [hang(20 + n, f"R{20 + n}", f"c{20 + n}") for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
        assert previewer.lookups._taken == 8
        previewer.preview("http://late.test/", owners=(("room", "R3"), ("client", "c3")))
        assert "late.test" not in asked
    finally:
        release.set()
    time.sleep(0.2)
    assert previewer.lookups._taken == 0 and not previewer.lookups._owners
