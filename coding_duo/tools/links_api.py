"""The reference-link and category API (/api/{code}/reference-link, /api/{code}/category)."""
from flask import jsonify, request

from ..context import duo
from ..extensions import db
from ..rooms.service import ensure_writable, readable_room
from ..web.api import bp
from ..web.validation import parse_body
from .changes import changing
from .models import Category, ReferenceLink
from .references import (categories_json, category_json, ensure_unique_category, find_category,
                          find_link, link_json, links_json)
from .schemas import CreateCategory, CreateLink, RenameCategory


@bp.get("/<code>/reference-link")
def get_links(code):
    room = readable_room(code)
    category_id = request.args.get("categoryId")
    if category_id:
        find_category(room, category_id)
    return jsonify(links_json(room, category_id or None))


@bp.post("/<code>/reference-link")
def create_link(code):
    room = readable_room(code)
    body = parse_body(CreateLink)
    ensure_writable(room)
    if body.categoryId:
        find_category(room, body.categoryId)
    db.session.commit()  # end the read transaction: the fetch below may take seconds
    preview = duo().previewer.preview(body.url)  # outside the room lock
    link = ReferenceLink(room_id=room.id, url=body.url, category_id=body.categoryId or None,
                         head_title=preview.head_title, open_graph_title=preview.open_graph_title,
                         description=preview.description, image=preview.image)
    with changing(room, "reference-links"):
        if body.categoryId:
            find_category(room, body.categoryId)  # still there after the fetch?
        db.session.add(link)
    return jsonify(link_json(link)), 201


@bp.delete("/<code>/reference-link/<link_id>")
def delete_link(code, link_id):
    room = readable_room(code)
    link = find_link(room, link_id)
    with changing(room, "reference-links"):
        db.session.delete(link)
    return "", 204


@bp.get("/<code>/category")
def get_categories(code):
    return jsonify(categories_json(readable_room(code)))


@bp.post("/<code>/category")
def create_category(code):
    room = readable_room(code)
    body = parse_body(CreateCategory)
    with changing(room, "categories"):
        ensure_unique_category(room, body.value)
        category = Category(room_id=room.id, value=body.value)
        db.session.add(category)
    return jsonify(category_json(category)), 201


@bp.patch("/<code>/category")
def rename_category(code):
    room = readable_room(code)
    body = parse_body(RenameCategory)
    category = find_category(room, body.categoryId)
    with changing(room, "categories", "reference-links"):
        ensure_unique_category(room, body.updatedCategoryName, except_id=category.id)
        category.value = body.updatedCategoryName
    return jsonify(category_json(category))


@bp.delete("/<code>/category/<category_id>")
def delete_category(code, category_id):
    room = readable_room(code)
    category = find_category(room, category_id)
    with changing(room, "categories", "reference-links"):
        for link in db.session.query(ReferenceLink).filter_by(category_id=category.id):
            link.category_id = None  # the links stay, uncategorised
        db.session.delete(category)
    return "", 204
