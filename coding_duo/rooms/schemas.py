"""Request bodies of rooms: creating one, and its status."""
from __future__ import annotations

from typing import Annotated, Literal

from flask_babel import gettext as _
from pydantic import Field, model_validator

from ..mob.roster import MAX_MEMBERS, MIN_MEMBERS, RosterError, from_names

from ..timer.schemas import Duration, Remaining, remaining_within_duration
from ..web.fields import about, all_of, field_name
from ..web.validation import Body, text, url
from .models import NAME_MAX, URL_MAX

Name = text(NAME_MAX)
Url = url(URL_MAX)


class CreateRoom(Body):
    """A pair (``driver``, ``navigator``) or a mob (``members``: 2 to 12 names in the
    order of turns, the first drives; ``driver``/``navigator`` may then be left out)."""
    driver: Name | None = None
    navigator: Name | None = None
    members: Annotated[list[Name], Field(min_length=MIN_MEMBERS, max_length=MAX_MEMBERS)] \
        | None = None
    timerDuration: Duration
    timerRemainingTime: Remaining | None = None
    missionUrl: Url | None = None

    @model_validator(mode="after")
    def _check(self):
        remaining_within_duration(self.timerDuration, self.timerRemainingTime)
        if self.members is None:
            missing = [f for f in ("driver", "navigator") if getattr(self, f) is None]
            if missing:
                raise ValueError(_("%(fields)s required (or %(members)s: %(min)s to %(max)s names)",
                                   fields=all_of([field_name(f) for f in missing]),
                                   members=field_name("members"), min=MIN_MEMBERS, max=MAX_MEMBERS))
        elif (self.driver or self.members[0]) != self.members[0] or \
                (self.navigator or self.members[1]) != self.members[1]:
            raise ValueError(_("driver and navigator must be the first two members"))
        else:
            try:
                from_names(self.members)
            except RosterError as error:
                raise ValueError(about("members", _(error.template, **error.params))) from None
        return self

    @property
    def names(self) -> list[str]:
        return self.members if self.members is not None else [self.driver, self.navigator]


class UpdateStatus(Body):
    status: Literal["IN_PROGRESS", "COMPLETED"]


class SwapRoles(Body):
    """The body of a swap, optional. ``intent: "new"`` (the room page's *Swap roles*)
    always swaps; without it (coduo's screens send no body) a swap asked for just
    after a time-up is that time-up's swap, already made."""
    intent: Literal["new", "auto"] = "auto"
