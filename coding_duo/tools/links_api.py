"""The reference-link and category API (/api/{code}/reference-link, /api/{code}/category).

A new link is saved and answered at once, titled with its URL; its preview is
fetched afterwards, off the API's threads (``preview_jobs``), and the
link is pushed again (a ``reference-links-change``) when it arrives."""
from flask import jsonify, request

from ..context import duo
from ..extensions import db
from ..rooms.service import readable_room
from ..web.api import bp
from ..web.limits import client_key, link_creation, list_writes
from ..web.validation import parse_body
from .changes import changing, ensure_room_for
from .models import Category, ReferenceLink
from .preview_jobs import preview_later
from .previews import untitled
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
@link_creation
@list_writes
def create_link(code):
    room = readable_room(code)
    body = parse_body(CreateLink)
    with changing(room) as lists:
        ensure_room_for(room, ReferenceLink)
        if body.categoryId:
            find_category(room, body.categoryId)
        link = ReferenceLink(room_id=room.id, url=body.url, category_id=body.categoryId or None,
                             head_title=untitled(body.url).head_title)
        db.session.add(link)
        db.session.flush()
        lists.put(link)
        created = link_json(link)  # read before the commit: a racing delete may follow it
    preview_later(duo().previews, room, created, client_key())
    return jsonify(created), 201


@bp.delete("/<code>/reference-link/<link_id>")
@list_writes
def delete_link(code, link_id):
    room = readable_room(code)
    find_link(room, link_id)
    with changing(room) as lists:
        link = find_link(room, link_id, fresh=True)
        lists.remove(link)
        db.session.delete(link)
    return "", 204


@bp.get("/<code>/category")
def get_categories(code):
    return jsonify(categories_json(readable_room(code)))


@bp.post("/<code>/category")
@list_writes
def create_category(code):
    room = readable_room(code)
    body = parse_body(CreateCategory)
    with changing(room) as lists:
        ensure_room_for(room, Category)
        ensure_unique_category(room, body.value)
        category = Category(room_id=room.id, value=body.value)
        db.session.add(category)
        db.session.flush()
        lists.put(category)
        created = category_json(category)  # read before the commit: a racing delete may follow it
    return jsonify(created), 201


@bp.patch("/<code>/category")
@list_writes
def rename_category(code):
    room = readable_room(code)
    body = parse_body(RenameCategory)
    find_category(room, body.categoryId)
    with changing(room) as lists:  # its put renames it in every link on each screen
        category = find_category(room, body.categoryId, fresh=True)
        ensure_unique_category(room, body.updatedCategoryName, except_id=category.id)
        category.value = body.updatedCategoryName
        lists.put(category)
        renamed = category_json(category)  # read before the commit: a racing delete may follow it
    return jsonify(renamed)


@bp.delete("/<code>/category/<category_id>")
@list_writes
def delete_category(code, category_id):
    room = readable_room(code)
    find_category(room, category_id)
    with changing(room) as lists:  # its remove uncategorises its links on each screen
        category = find_category(room, category_id, fresh=True)
        for link in db.session.query(ReferenceLink).filter_by(category_id=category.id):
            link.category_id = None  # the links stay, uncategorised
        lists.remove(category)
        db.session.delete(category)
    return "", 204
