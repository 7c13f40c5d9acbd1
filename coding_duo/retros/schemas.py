"""The body of a retrospective: coduo's ``{"accessCode", "answers"}`` (six
strings), and an optional author name."""
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
