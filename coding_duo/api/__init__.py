"""The JSON API under /api (see the HTTP contract in the design brief)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from . import health, links, rooms, stream, timer, todos  # noqa: E402,F401  (routes register on bp)
