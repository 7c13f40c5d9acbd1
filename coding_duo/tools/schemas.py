"""Request bodies of the room's lists: todos, reference links, categories."""
from __future__ import annotations

from typing import Annotated

from flask_babel import gettext as _
from pydantic import Field, StrictInt, StrictStr, model_validator

from ..rooms.schemas import Url
from ..web.fields import about
from ..web.validation import Body, required, text
from .models import CATEGORY_MAX, PUBLIC_ID_PATTERN, TODO_MAX

TodoText = text(TODO_MAX)
CategoryName = text(CATEGORY_MAX)
RequiredUrl = required(Url)
PublicId = Annotated[StrictStr, Field(pattern=PUBLIC_ID_PATTERN)]


class CreateTodo(Body):
    content: TodoText


class EditTodo(Body):
    """coduo's client sends ``contents``; ``content`` is accepted too."""
    content: TodoText | None = None
    contents: TodoText | None = None

    @model_validator(mode="after")
    def _check(self):
        if self.content is None and self.contents is None:
            raise ValueError(about("content", _("Field required")))
        return self

    @property
    def text(self) -> str:
        return self.content if self.content is not None else self.contents


class MoveTodo(Body):
    order: Annotated[StrictInt, Field(ge=0, le=100_000)]


class CreateLink(Body):
    url: RequiredUrl
    categoryId: PublicId | None = None


class CreateCategory(Body):
    value: CategoryName


class RenameCategory(Body):
    categoryId: PublicId
    updatedCategoryName: CategoryName
