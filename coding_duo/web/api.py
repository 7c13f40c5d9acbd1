"""The JSON API's blueprint: every path under /api (see the HTTP contract in the
design brief). Each feature's ``api`` module registers its routes on it, so
endpoint names (``api.<view>``, in metrics and logs) stay one flat namespace."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")
