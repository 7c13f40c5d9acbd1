"""Request bodies of the timer (and the turn-length fields rooms are created with)."""
from __future__ import annotations

from typing import Annotated

from flask_babel import gettext as _
from pydantic import Field, StrictInt, model_validator

from ..web.validation import Body
from .domain import MAX_DURATION_MS, MIN_DURATION_MS

Duration = Annotated[StrictInt, Field(ge=MIN_DURATION_MS, le=MAX_DURATION_MS)]
Remaining = Annotated[StrictInt, Field(ge=1, le=MAX_DURATION_MS)]


def remaining_within_duration(duration: int, remaining: int | None) -> None:
    if remaining is not None and remaining > duration:
        raise ValueError(_("remainingTime must not exceed the duration"))


class UpdateTimer(Body):
    duration: Duration
    remainingTime: Remaining

    @model_validator(mode="after")
    def _check(self):
        remaining_within_duration(self.duration, self.remainingTime)
        return self
