"""Request bodies of the roster and the goal (the API's; the ``mob`` command line's
are in ``mob.cli``)."""
from __future__ import annotations

from typing import Annotated

from flask_babel import gettext as _
from pydantic import AfterValidator, Field, StrictBool, StrictInt, model_validator

from ..rooms.models import GOAL_MAX, NAME_MAX
from ..timer.domain import MAX_DURATION_MS
from ..web.validation import Body, free_text, text
from ..timer.schemas import Duration
from .breaks import EVERY_MAX
from .roster import MAX_MEMBERS

Name = text(NAME_MAX)
Position = Annotated[StrictInt, Field(ge=0, lt=MAX_MEMBERS)]
MemberId = Annotated[StrictInt, Field(ge=1)]
MINUTES_MAX = MAX_DURATION_MS // 60_000
Minutes = Annotated[StrictInt, Field(ge=1, le=MINUTES_MAX)]  # the mob tool's whole minutes


def _one_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError(_("must be one line"))
    return value.strip()


Goal = Annotated[free_text(GOAL_MAX), AfterValidator(_one_line)]


class AddMember(Body):
    name: Name
    position: Position | None = None  # in the order of turns (0 drives now); default last


class UpdateMember(Body):
    name: Name | None = None
    away: StrictBool | None = None
    position: Position | None = None

    @model_validator(mode="after")
    def _check(self):
        if self.name is None and self.away is None and self.position is None:
            raise ValueError(_("give name, away or position"))
        return self


class Rotate(Body):
    """No body: skip to the next present member; ``driver``: that member drives."""
    driver: MemberId | None = None


class SetGoal(Body):
    goal: Goal


class BreakSettings(Body):
    """A break of ``duration`` ms after every ``every`` turns; ``every: 0`` turns them off."""
    every: Annotated[StrictInt, Field(ge=0, le=EVERY_MAX)]
    duration: Duration | None = None

    @model_validator(mode="after")
    def _check(self):
        if self.every and self.duration is None:
            raise ValueError(_("duration is required when every is set"))
        return self


class StartBreak(Body):
    duration: Duration | None = None  # default: the room's break length
