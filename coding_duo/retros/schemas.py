"""The bodies of a retrospective: coduo's ``{"accessCode", "answers"}`` (six
strings) with an optional author name, and the room page's per-member answers."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictStr

from ..rooms.models import NAME_MAX
from ..web.validation import Body, free_text, text
from .models import ANSWER_MAX, QUESTIONS

Answer = free_text(ANSWER_MAX)


class CreateRetrospect(Body):
    accessCode: Annotated[StrictStr, Field(max_length=32)]
    answers: Annotated[list[Answer], Field(min_length=QUESTIONS, max_length=QUESTIONS)]
    author: text(NAME_MAX) | None = None


class AnswerRetrospective(Body):
    """A member's answers, from the room page: ``author`` must be one of the room's
    members (any case); a second PUT by the same person edits their answers."""
    author: text(NAME_MAX)
    answers: Annotated[list[Answer], Field(min_length=QUESTIONS, max_length=QUESTIONS)]
