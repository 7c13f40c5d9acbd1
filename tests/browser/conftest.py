"""The browser tests' fixtures (tests/browsing.py): a server, people. The one
Chromium (`browser`, session-wide) comes from tests/conftest.py."""
from browsing import people, web  # noqa: F401 (fixtures)
