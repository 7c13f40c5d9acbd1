"""Reference links (with previews) and the categories that group them."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..rooms.models import PairRoom
from ..web.errors import N_, Conflict, NotFound
from .models import Category, ReferenceLink, is_public_id


def list_categories(room: PairRoom) -> list[Category]:
    return list(db.session.execute(
        select(Category).where(Category.room_id == room.id)
        .order_by(Category.created_at, Category.id)).scalars())


def categories_json(room: PairRoom) -> list[dict]:
    return [category_json(c) for c in list_categories(room)]


def category_json(category: Category) -> dict:
    return {"id": category.id, "value": category.value}


def find_category(room: PairRoom, category_id: str, fresh: bool = False) -> Category:
    """A category of this room: another room's id is as unknown as a made-up one.
    ``fresh``: read again (under the room's lock: a racing delete makes this a 404)."""
    category = (db.session.get(Category, category_id, populate_existing=fresh)
                if is_public_id(category_id) else None)
    if category is None or category.room_id != room.id:
        raise NotFound(N_("This room has no category %(id)s"), id=repr(category_id))
    return category


def ensure_unique_category(room: PairRoom, value: str, except_id: str | None = None) -> None:
    clash = db.session.execute(select(Category).where(
        Category.room_id == room.id, Category.value == value)).scalar_one_or_none()
    if clash is not None and clash.id != except_id:
        raise Conflict(N_("This room already has a category %(name)s"), name=repr(value))


def list_links(room: PairRoom, category_id: str | None = None) -> list[ReferenceLink]:
    query = select(ReferenceLink).where(ReferenceLink.room_id == room.id)
    if category_id is not None:
        query = query.where(ReferenceLink.category_id == category_id)
    return list(db.session.execute(
        query.order_by(ReferenceLink.created_at, ReferenceLink.id)).scalars())


def links_json(room: PairRoom, category_id: str | None = None) -> list[dict]:
    return [link_json(link) for link in list_links(room, category_id)]


def link_json(link: ReferenceLink) -> dict:
    return {
        "id": link.id,
        "url": link.url,
        "headTitle": link.head_title,
        "openGraphTitle": link.open_graph_title,
        "description": link.description,
        "image": link.image,
        "categoryId": link.category_id,
        "categoryName": link.category.value if link.category else None,
    }


def find_link(room: PairRoom, link_id: str, fresh: bool = False) -> ReferenceLink:
    link = (db.session.get(ReferenceLink, link_id, populate_existing=fresh)
            if is_public_id(link_id) else None)
    if link is None or link.room_id != room.id:
        raise NotFound(N_("This room has no reference link %(id)s"), id=repr(link_id))
    return link
