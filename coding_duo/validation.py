"""Request bodies: parsed as JSON and validated by pydantic models, so every
endpoint refuses bad input the same way, with a precise 4xx message."""
from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from flask import request
from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr,
                      ValidationError, model_validator)

from .errors import ApiError, BadRequest
from .models import CATEGORY_MAX, NAME_MAX, PUBLIC_ID_PATTERN, TODO_MAX, URL_MAX
from .timer import MAX_DURATION_MS, MIN_DURATION_MS

M = TypeVar("M", bound=BaseModel)


def _no_control_characters(value: str) -> str:
    """NUL and other C0 controls (but tab and newline) are never meant as text, and
    PostgreSQL refuses NUL outright: refuse them here, with a 400."""
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("must not contain control characters")
    return value


def _strip(value: str) -> str:
    value = _no_control_characters(value).strip()
    if not value:
        raise ValueError("must not be blank")
    return value


def _http_url(value: str) -> str:
    value = _no_control_characters(value).strip()
    if value and not value.lower().startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL")
    return value


NOT_BLANK = r"\S"  # documented in the schema; _strip gives the precise message
Name = Annotated[StrictStr, Field(max_length=NAME_MAX, pattern=NOT_BLANK), AfterValidator(_strip)]
Duration = Annotated[StrictInt, Field(ge=MIN_DURATION_MS, le=MAX_DURATION_MS)]
Remaining = Annotated[StrictInt, Field(ge=1, le=MAX_DURATION_MS)]
Url = Annotated[StrictStr, Field(max_length=URL_MAX), AfterValidator(_http_url)]
RequiredUrl = Annotated[Url, AfterValidator(_strip)]
TodoText = Annotated[StrictStr, Field(max_length=TODO_MAX, pattern=NOT_BLANK), AfterValidator(_strip)]
CategoryName = Annotated[StrictStr, Field(max_length=CATEGORY_MAX, pattern=NOT_BLANK),
                         AfterValidator(_strip)]
PublicId = Annotated[StrictStr, Field(pattern=PUBLIC_ID_PATTERN)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")  # coduo's client sends e.g. pairId


def _remaining_within_duration(duration: int, remaining: int | None) -> None:
    if remaining is not None and remaining > duration:
        raise ValueError("remainingTime must not exceed the duration")


class CreateRoom(_Body):
    driver: Name
    navigator: Name
    timerDuration: Duration
    timerRemainingTime: Remaining | None = None
    missionUrl: Url | None = None

    @model_validator(mode="after")
    def _check(self):
        _remaining_within_duration(self.timerDuration, self.timerRemainingTime)
        return self


class UpdateTimer(_Body):
    duration: Duration
    remainingTime: Remaining

    @model_validator(mode="after")
    def _check(self):
        _remaining_within_duration(self.duration, self.remainingTime)
        return self


class UpdateStatus(_Body):
    status: Literal["IN_PROGRESS", "COMPLETED"]


class CreateTodo(_Body):
    content: TodoText


class EditTodo(_Body):
    """coduo's client sends ``contents``; ``content`` is accepted too."""
    content: TodoText | None = None
    contents: TodoText | None = None

    @model_validator(mode="after")
    def _check(self):
        if self.content is None and self.contents is None:
            raise ValueError("content: Field required")
        return self

    @property
    def text(self) -> str:
        return self.content if self.content is not None else self.contents


class MoveTodo(_Body):
    order: Annotated[StrictInt, Field(ge=0, le=100_000)]


class CreateLink(_Body):
    url: RequiredUrl
    categoryId: PublicId | None = None


class CreateCategory(_Body):
    value: CategoryName


class RenameCategory(_Body):
    categoryId: PublicId
    updatedCategoryName: CategoryName


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "string_pattern_mismatch" and item.get("ctx", {}).get("pattern") == NOT_BLANK:
            message = "must not be blank"
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def parse_body(model: type[M]) -> M:
    """The request's JSON object validated as ``model``, or a 4xx ApiError."""
    if not request.get_data(cache=True):
        raise BadRequest("A JSON body is required")
    if not request.is_json:
        raise ApiError(415, "Content-Type must be application/json")
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("The body is not valid JSON")
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object")
    return validate(model, data)


def validate(model: type[M], data: dict) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise BadRequest(_describe(error)) from None
