"""The report as pages: /rooms/{code}/report (printable HTML) and
/rooms/{code}/report.md (Markdown, downloaded as a file), in the reader's language."""
from __future__ import annotations

from flask import Response, render_template

from ..rooms import access_code
from ..rooms.pages import bp
from ..rooms.service import readable_room
from .markdown import report_markdown
from .report import build_report, clock_text, day_text, duration_text, off_text, timeline
from .words import ended_text


@bp.get("/rooms/<code>/report")
def report(code):
    data = build_report(readable_room(code))
    return render_template("report.html", report=data, timeline=timeline(data),
                           duration=duration_text, off=off_text, clock=clock_text, day=day_text,
                           ended=ended_text)


@bp.get("/rooms/<code>/report.md")
def report_md(code):
    room = readable_room(code)
    name = f"coding-duo-{access_code.display(room.access_code)}.md"
    return Response(report_markdown(build_report(room)), mimetype="text/markdown",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
