"""The report as Markdown (``/rooms/{code}/report.md``), from the report's JSON: in
the reader's language, every piece of text a person wrote escaped so that it reads
as they wrote it (a name with a ``|`` does not break the table, a todo with ``*``
is not made bold, ``&copy;`` is not taken for ©, a name ending in ``#`` keeps it in
its heading, a line of ``===`` does not make the line above it a heading)."""
from __future__ import annotations

import re

from flask_babel import gettext as _

from .report import clock_text, day_text, duration_text, off_text, timeline
from .words import ended_text

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&])")
_LINE_START = (re.compile(r"^(\s*)([>+=-])"), re.compile(r"^(\s*\d+)([.)])"))


def escape(text: str) -> str:
    """One line of a person's text, safe inline (line breaks become spaces)."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _quote(text: str) -> list[str]:
    """A person's answer as a block quote, its line breaks kept."""
    quoted = []
    for line in str(text).splitlines() or [""]:
        line = _SPECIAL.sub(r"\\\1", line)
        for start in _LINE_START:  # a heading, a list or a quote of its own: as typed
            line = start.sub(r"\1\\\2", line)
        quoted.append("> " + line if line.strip() else ">")
    return quoted


def _url(url: str) -> str:
    return url.replace("\\", "\\\\").replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


def _row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def _head(room: dict, generated: int) -> list[str]:
    members = ", ".join(escape(m["name"]) + (" " + _("(away)") if m["away"] else "")
                        for m in room["members"])
    lines = [f"# {_('Coding Duo report')}: {room['accessCode']}", ""]
    if room["goal"]:
        lines.append(f"- {_('Goal')}: {escape(room['goal'])}")
    lines += [f"- {_('Status')}: {_('completed') if room['status'] == 'COMPLETED' else _('in progress')}",
              f"- {_('Members, in the order of turns')}: {members}",
              f"- {_('Turns completed')}: {room['turnsCompleted']} · {_('Time paired')}: "
              f"{duration_text(room['pairedMs'])}",
              f"- {_('Report made')}: {day_text(generated)}", ""]
    return lines


def _timeline(report: dict) -> list[str]:
    items = timeline(report)
    lines = [f"## {_('Timeline')}", ""]
    if not items:
        return lines + [_("No turn yet."), ""]
    mob = any(len(item["roster"]) > 2 for item in items)
    head = ["#", _("Driver"), _("Navigator"), _("Planned"), _("Actual"), _("Paused"),
            _("Started (UTC)"), _("Ended (UTC)"), _("How it ended")] + ([_("Order of turns")] if mob else [])
    lines += [_row(head), _row(["---"] * len(head))]
    for item in items:
        turn = item["kind"] == "turn"
        cells = [str(item["number"]) if turn else _("Break %(number)s", number=item["number"]),
                 escape(item["driver"]) if turn else "—", escape(item["navigator"]) if turn else "—",
                 duration_text(item["plannedMs"]), duration_text(item["actualMs"]),
                 duration_text(item["pausedMs"]), clock_text(item["startedAt"]),
                 clock_text(item["endedAt"]), ended_text(item["ended"])]
        if mob:
            cells.append(" → ".join(escape(name) for name in item["roster"]))
        lines.append(_row(cells))
    return lines + [""]


def _balance(balance: dict) -> list[str]:
    lines = [f"## {_('Balance')}", "",
             _row([_("Person"), _("Drove"), _("Navigated"), _("Turns driven"), _("From even")]),
             _row(["---"] * 5)]
    for person in balance["people"]:
        lines.append(_row([escape(person["name"]), duration_text(person["driveMs"]),
                           duration_text(person["navigateMs"]), str(person["turnsDriven"]),
                           off_text(person["offEvenMs"])]))
    lines += ["", _("Most minus least driving: %(time)s; turns driven: %(turns)s apart.",
                    time=duration_text(balance["spreadMs"]), turns=balance["turnSpread"]), ""]
    return lines


def _lists(report: dict) -> list[str]:
    done, open_ = report["todos"]["done"], report["todos"]["open"]
    lines = [f"## {_('Todos')}", "", f"### {_('Done')} ({len(done)})", ""]
    lines += [f"- [x] {escape(t['content'])}" for t in done] or [_("None.")]
    lines += ["", f"### {_('Open')} ({len(open_)})", ""]
    lines += [f"- [ ] {escape(t['content'])}" for t in open_] or [_("None.")]
    lines += ["", f"## {_('Reference links')}", ""]
    for link in report["links"]:
        extra = f" — {escape(link['description'])}" if link["description"] else ""
        category = f" ({escape(link['categoryName'])})" if link["categoryName"] else ""
        lines.append(f"- [{escape(link['title'])}](<{_url(link['url'])}>){category}{extra}")
    if not report["links"]:
        lines.append(_("None."))
    return lines + [""]


def _retrospective(retro: dict) -> list[str]:
    lines = [f"## {_('Retrospective')}", ""]
    if not retro["answers"]:
        return lines + [_("Nobody has answered yet."), ""]
    for answer in retro["answers"]:
        lines += [f"### {escape(answer['author']) if answer['author'] else _('Someone')}", ""]
        for question, text in zip(retro["questions"], answer["answers"]):
            if text.strip():  # a question left unanswered is left out
                lines += [f"**{escape(question)}**", ""] + _quote(text) + [""]
    return lines


def report_markdown(report: dict) -> str:
    lines = _head(report["room"], report["generatedAt"]) + _timeline(report)
    lines += _balance(report["balance"]) + _lists(report) + _retrospective(report["retrospective"])
    return "\n".join(lines).rstrip() + "\n"
