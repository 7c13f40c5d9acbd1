"""Request bodies: parsed as JSON and validated by pydantic models, so every
endpoint refuses bad input the same way, with a precise 4xx message.

The field types every feature builds its bodies from live here; each feature's
bodies live in its own ``schemas`` module."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

from flask import request
from flask_babel import force_locale, gettext as _, ngettext
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, ValidationError

from .errors import N_, ApiError, BadRequest
from .fields import any_of, location
from .i18n import DEFAULT

M = TypeVar("M", bound=BaseModel)


def _no_control_characters(value: str) -> str:
    """NUL and other C0 controls (but tab and newline) are never meant as text, and
    PostgreSQL refuses NUL outright: refuse them here, with a 400."""
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError(_("must not contain control characters"))
    return value


def _strip(value: str) -> str:
    value = _no_control_characters(value).strip()
    if not value:
        raise ValueError(_("must not be blank"))
    return value


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d)", re.I)  # "host:8080/x" has no scheme
# user@ (optional), then a bracketed IPv6 literal or a name without spaces, brackets or
# percent signs, then an optional port: anything else is not a host a browser would open.
_NETLOC = re.compile(r"^(?:[^@/\s]*@)?(\[[0-9a-f:.]+\]|[^\s\[\]/:@%]+)(?::\d{1,5})?$", re.I)


def _http_url(value: str, max_length: int) -> str:
    """http(s) only; a link typed without a scheme (``example.com/x``) gets https://."""
    value = _no_control_characters(value).strip()
    if value and not _SCHEME.match(value) and not value.startswith("/"):
        value = "https://" + value
    if value and not value.lower().startswith(("http://", "https://")):
        raise ValueError(_("must be an http(s) URL"))
    if len(value) > max_length:
        raise ValueError(_("must be at most %(max)s characters", max=max_length))
    if value:
        try:  # a port out of range or a malformed IPv6 host raise here, not deep inside
            parts = urlsplit(value)
            parts.port  # noqa: B018 -- parsed lazily: reading it is the check
        except ValueError as error:
            raise ValueError(_("is not a valid URL (%(reason)s)", reason=str(error))) from None
        if not parts.hostname:
            raise ValueError(_("is not a valid URL (no host)"))
        shape = _NETLOC.match(parts.netloc)
        host = shape.group(1) if shape else ""
        if not shape or any(c.isspace() for c in value) or parts.port == 0 or (
                not host.startswith("[") and "" in host.rstrip(".").split(".")):
            raise ValueError(_("is not a valid URL (its host)"))
    return value


NOT_BLANK = r"\S"  # documented in the schema; _strip gives the precise message


def text(max_length: int):
    """A required line of text: no control characters, stripped, not blank."""
    return Annotated[StrictStr, Field(max_length=max_length, pattern=NOT_BLANK),
                     AfterValidator(_strip)]


def url(max_length: int):
    """An http(s) URL (https:// added when no scheme is given), or empty."""
    return Annotated[StrictStr, Field(max_length=max_length),
                     AfterValidator(lambda value: _http_url(value, max_length))]


def free_text(max_length: int):
    """Text a person writes (may be empty, may have line breaks): no other control
    characters, at most ``max_length`` characters."""
    return Annotated[StrictStr, Field(max_length=max_length),
                     AfterValidator(_no_control_characters)]


def required(field):
    """``field``, refused when blank."""
    return Annotated[field, AfterValidator(_strip)]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")  # coduo's client sends e.g. pairId


# pydantic's own messages (English as pydantic says them) for the errors a page's
# input can meet, to say them in the request's language; others stay pydantic's.
PYDANTIC = {
    "missing": N_("Field required"),
    "string_type": N_("Input should be a valid string"),
    "string_too_long": N_("String should have at most %(max_length)s characters"),
    "string_too_short": N_("String should have at least %(min_length)s characters"),
    "string_pattern_mismatch": N_("String should match pattern '%(pattern)s'"),
    "int_type": N_("Input should be a valid integer"),
    "bool_type": N_("Input should be a valid boolean"),
    "list_type": N_("Input should be a valid list"),
    "greater_than": N_("Input should be greater than %(gt)s"),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "less_than": N_("Input should be less than %(lt)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
}


def _pydantic_says(kind: str, ctx: dict) -> str | None:
    """pydantic's message of this kind in the request's language (None: not one of
    ours): the list-length ones with their plurals, the allowed values of a Literal
    listed in the language (pydantic's ``'a', 'b' or 'c'``)."""
    if kind == "literal_error":
        head, sep, last = ctx["expected"].rpartition(" or ")
        values = [*head.split(", "), last] if sep else [ctx["expected"]]
        return _("Input should be %(expected)s", expected=any_of(values))
    if kind == "too_short" and ctx.get("field_type") == "List":
        return ngettext("List should have at least %(num)s item after validation, not %(actual)s",
                        "List should have at least %(num)s items after validation, not %(actual)s",
                        ctx["min_length"], actual=ctx["actual_length"])
    if kind == "too_long" and ctx.get("field_type") == "List":
        return ngettext("List should have at most %(num)s item after validation, not %(actual)s",
                        "List should have at most %(num)s items after validation, not %(actual)s",
                        ctx["max_length"], actual=ctx["actual_length"])
    template = PYDANTIC.get(kind)
    return None if template is None else _(template, **ctx)


def _said(item: dict) -> str:
    """One error's message, in the request's language where the catalog has it (a
    custom validator's ValueError is said in it already). pydantic's own are said
    our way only where that is, in English, just what pydantic said: a pydantic
    that words one differently is shown as it says it."""
    ctx = item.get("ctx") or {}
    if item["type"] == "string_pattern_mismatch" and ctx.get("pattern") == NOT_BLANK:
        return _("must not be blank")
    try:
        with force_locale(DEFAULT):
            english = _pydantic_says(item["type"], ctx)
        if english is not None and english == item["msg"]:
            return _pydantic_says(item["type"], ctx)
    except (KeyError, TypeError, ValueError):
        pass
    return item["msg"].removeprefix("Value error, ")


def _describe(error: ValidationError, label: Callable[[tuple], str | None]) -> str:
    parts = []
    for item in error.errors(include_url=False):
        message = _said(item)
        at = (label(item["loc"]) or location(item["loc"])) if item["loc"] else ""
        parts.append(f"{at}: {message}" if at else message)
    return "; ".join(parts)


def parse_body(model: type[M]) -> M:
    """The request's JSON object validated as ``model``, or a 4xx ApiError."""
    if not request.get_data(cache=True):
        raise BadRequest(N_("A JSON body is required"))
    if not request.is_json:
        raise ApiError(415, N_("Content-Type must be application/json"))
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested thousands deep: not a body anyone means
        data = None
    if data is None:
        raise BadRequest(N_("The body is not valid JSON"))
    if not isinstance(data, dict):
        raise BadRequest(N_("The body must be a JSON object"))
    return validate(model, data)


def parse_optional_body(model: type[M]) -> M:
    """Like ``parse_body``, but no body at all (coduo's empty JSON requests) means
    the model's defaults."""
    if not request.get_data(cache=True):
        return model()
    return parse_body(model)


def validate(model: type[M], data: dict, label: Callable[[tuple], str | None] = lambda loc: None) -> M:
    """``data`` as ``model``, or a BadRequest saying each error at its field: named
    by ``label(loc)`` (a page's own labels for its form's fields), else as
    web/fields.py names it."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise BadRequest(_describe(error, label)) from None
