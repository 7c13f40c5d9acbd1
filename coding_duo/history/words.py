"""What the report says about a turn, in the reader's language (the Korean catalog
has it): how a turn ended, and what kind it was."""
from __future__ import annotations

from flask_babel import lazy_gettext

from .models import BREAK, COMPLETED, DELETED, RESET, RESTARTED, SKIPPED, TIME_UP

ENDED = {
    TIME_UP: lazy_gettext("time's up"),
    SKIPPED: lazy_gettext("handed over"),
    RESTARTED: lazy_gettext("restarted"),
    BREAK: lazy_gettext("a break began"),
    RESET: lazy_gettext("reset"),
    COMPLETED: lazy_gettext("room completed"),
    DELETED: lazy_gettext("room deleted"),
}


def ended_text(ended: str | None) -> str:
    """How it ended, or that it is under way (the open turn)."""
    if ended is None:
        return str(lazy_gettext("under way"))
    return str(ENDED.get(ended, ended))
