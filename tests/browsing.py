"""Playwright driving Debian's Chromium: the browser, the server and the people
(one browser context each) that the browser tests share (tests/test_browser.py,
tests/browser/)."""
from __future__ import annotations

import os

import pytest

from databases import missing
from support import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--autoplay-policy=user-gesture-required"]
SHOTS = os.path.join(ROOT, "tests", "artifacts", "screenshots")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def readme_shot(name: str) -> str:
    """Where a screenshot that README shows is saved: docs/ when asked for
    (``UPDATE_DOCS_SCREENSHOTS=1``), else beside the other test screenshots, so
    that a test run leaves the checkout as it found it."""
    folder = (os.path.join(ROOT, "docs") if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1"
              else SHOTS)
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, name)


def furnished_room(api, duration_ms: int = 600_000, todos=("Write the failing test", "Make it pass"),
                   category: str = "docs") -> str:
    """A room with what its page lists: todos (the first done), a category and a link."""
    code = api.create_room(duration_ms)
    for content in todos:
        assert api.call("POST", f"/api/{code}/todos", {"content": content}).status_code == 201
    todo = api.call("GET", f"/api/{code}/todos").json()[0]
    assert api.call("PATCH", f"/api/todos/{todo['id']}/checked", {"isChecked": True}).status_code in (200, 204)
    made = api.call("POST", f"/api/{code}/category", {"value": category}).json()
    link = {"url": "http://127.0.0.1:9/guide", "categoryId": made["id"]}
    assert api.call("POST", f"/api/{code}/reference-link", link).status_code == 201
    return code


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        missing(f"{CHROMIUM} is missing (scripts/test installs it with apt-get)")
    from playwright.sync_api import sync_playwright
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="module")
def web(start_module_server):
    return start_module_server()


class Person:
    """One browser context: a person with the room open."""

    def __init__(self, browser, base_url: str, viewport=DESKTOP, **options):
        self.context = browser.new_context(viewport=viewport, base_url=base_url, **options)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", lambda m: self.problems.append(m.text)
                     if "Content Security Policy" in m.text or m.type == "error" else None)


    def open(self, code: str):
        self.page.goto(f"/rooms/{code}")
        self.wait_live()
        return self

    def wait_live(self, timeout: float = 5):
        self.page.wait_for_selector('#connection[data-state="live"]', timeout=timeout * 1000)

    def text(self, selector: str) -> str:
        return self.page.inner_text(selector).strip()

    def close(self):
        self.context.close()


@pytest.fixture
def people(browser, request):
    opened = []

    def person(viewport=DESKTOP, server=None, **options):
        # the module's server only when no other is given: a test with its own starts one
        p = Person(browser, (server or request.getfixturevalue("web")).url, viewport, **options)
        opened.append(p)
        return p
    yield person
    for p in opened:
        problems = [m for m in p.problems if "favicon" not in m and "ERR_CONNECTION_REFUSED" not in m
                    and "503" not in m and "net::" not in m]
        p.close()
        assert not problems, problems
