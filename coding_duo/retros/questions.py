"""The retrospective's six questions, as coduo asks them when a session ends, in
the page's language (the Korean catalog has them): the answers are stored in this
order."""
from __future__ import annotations

from flask_babel import lazy_gettext

QUESTIONS = (
    lazy_gettext("When did you accept your partner's idea over your own, and why?"),
    lazy_gettext("How well could you explain your own ideas?"),
    lazy_gettext("Was there code of your partner's you did not understand? What helped?"),
    lazy_gettext("What would you do better next time?"),
    lazy_gettext("What went well?"),
    lazy_gettext("Anything else?"),
)


def questions() -> list[str]:
    """The questions in the current request's language."""
    return [str(question) for question in QUESTIONS]
