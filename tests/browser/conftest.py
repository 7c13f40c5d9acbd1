"""The browser tests' fixtures (tests/browsing.py): Chromium, a server, people."""
from browsing import browser, people, web  # noqa: F401 (fixtures)
