"""Request bodies of rooms: creating one, and its status."""
from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from ..timer.schemas import Duration, Remaining, remaining_within_duration
from ..web.validation import Body, text, url
from .models import NAME_MAX, URL_MAX

Name = text(NAME_MAX)
Url = url(URL_MAX)


class CreateRoom(Body):
    driver: Name
    navigator: Name
    timerDuration: Duration
    timerRemainingTime: Remaining | None = None
    missionUrl: Url | None = None

    @model_validator(mode="after")
    def _check(self):
        remaining_within_duration(self.timerDuration, self.timerRemainingTime)
        return self


class UpdateStatus(Body):
    status: Literal["IN_PROGRESS", "COMPLETED"]


class SwapRoles(Body):
    """The body of a swap, optional. ``intent: "new"`` (the room page's *Swap roles*)
    always swaps; without it (coduo's screens send no body) a swap asked for just
    after a time-up is that time-up's swap, already made."""
    intent: Literal["new", "auto"] = "auto"
