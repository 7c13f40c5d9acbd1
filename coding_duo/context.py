"""``duo()``: this process's machinery (registries, scheduler service, bus, stream
cap), as built by the application factory. It imports nothing of the app, so
any layer may ask for it without an import cycle."""
from __future__ import annotations

from flask import current_app


def duo():
    """The ``coding_duo.duo.Duo`` of the current application."""
    return current_app.extensions["coding_duo"]
