"""The report API: GET /api/{code}/report, the room's report as JSON (the turns in
order with who drove and navigated, planned and actual length, paused time and how
each ended; breaks; the balance; todos; links; the retrospective)."""
from flask import jsonify

from ..rooms.service import readable_room
from ..web.api import bp
from .report import build_report


@bp.get("/<code>/report")
def get_report(code):
    return jsonify(build_report(readable_room(code)))
