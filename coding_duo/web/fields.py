"""What a validation message calls a request body's field, and how it lists things,
in the request's language.

English says the JSON name itself, as the API always has (``driver: must not be
blank``: what its clients, and their tests, read). Another language says the name a
person reads from the catalog (``드라이버: 비어 있으면 안 됩니다``): each field is a
message in the context ``field`` whose msgid is the JSON name, so English (no
catalog) gets the JSON name back and nothing else changes for it. A page that
shows a form of its own can name the fields with its own labels instead (see
``validate(..., label=)`` in web/validation.py, and the home page's form).

Lists of names or of allowed values are joined through the catalog too
(``'a', 'b' or 'c'`` as pydantic says it; ``'a', 'b' 또는 'c'``)."""
from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _, pgettext


def _names() -> dict[str, str]:
    """The fields of the API's bodies (every feature's ``schemas``) -> their names here."""
    return {
        "driver": pgettext("field", "driver"),
        "navigator": pgettext("field", "navigator"),
        "members": pgettext("field", "members"),
        "timerDuration": pgettext("field", "timerDuration"),
        "timerRemainingTime": pgettext("field", "timerRemainingTime"),
        "missionUrl": pgettext("field", "missionUrl"),
        "status": pgettext("field", "status"),
        "intent": pgettext("field", "intent"),
        "duration": pgettext("field", "duration"),
        "remainingTime": pgettext("field", "remainingTime"),
        "name": pgettext("field", "name"),
        "position": pgettext("field", "position"),
        "away": pgettext("field", "away"),
        "goal": pgettext("field", "goal"),
        "every": pgettext("field", "every"),
        "content": pgettext("field", "content"),
        "contents": pgettext("field", "contents"),
        "order": pgettext("field", "order"),
        "url": pgettext("field", "url"),
        "categoryId": pgettext("field", "categoryId"),
        "value": pgettext("field", "value"),
        "updatedCategoryName": pgettext("field", "updatedCategoryName"),
        "accessCode": pgettext("field", "accessCode"),
        "answers": pgettext("field", "answers"),
        "author": pgettext("field", "author"),
    }


def field_name(name: str) -> str:
    """``"driver"`` -> ``"driver"`` in English, ``"드라이버"`` in Korean; a field not
    listed keeps its JSON name."""
    return _names().get(name, name)


def location(loc: Sequence[str | int]) -> str:
    """pydantic's location of an error, said: ``members.1`` (``멤버.1``)."""
    names = _names()
    return ".".join(names.get(part, part) if isinstance(part, str) else str(part) for part in loc)


def about(name: str, message: str) -> str:
    """A message about one field: ``members: Two members are called 'a'…``."""
    return f"{field_name(name)}: {message}"


def any_of(items: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b or c`` in the language."""
    if len(items) < 2:
        return "".join(items)
    return _("%(values)s or %(last)s", values=", ".join(items[:-1]), last=items[-1])


def all_of(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` in the language."""
    if len(items) < 2:
        return "".join(items)
    return _("%(values)s and %(last)s", values=", ".join(items[:-1]), last=items[-1])
