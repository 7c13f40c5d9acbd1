"""The retrospective API, in coduo's terms and without accounts (holding the room's
link is membership): POST /api/retrospects, GET and DELETE /api/retrospects/{code},
and GET /api/member/retrospect/{code}/exists; and the room page's, one answer set
per member: GET and PUT /api/{code}/retrospective."""
from flask import g, jsonify

from ..rooms import access_code
from ..rooms.service import load_room, readable_room
from ..web.api import bp
from ..web.errors import N_, NotFound
from ..web.limits import list_writes
from ..web.validation import parse_body
from .questions import questions
from .schemas import AnswerRetrospective, CreateRetrospect
from .service import (add_retrospective, answer_as, delete_retrospectives, has_retrospective,
                      retrospective_json, retrospectives_json)


@bp.post("/retrospects")
@list_writes
def create_retrospect():
    body = parse_body(CreateRetrospect)
    room = load_room(body.accessCode)
    retro = add_retrospective(room, body.answers, body.author)
    return jsonify(accessCode=access_code.display(room.access_code),
                   **retrospective_json(retro)), 201


@bp.get("/retrospects/<code>")
def get_retrospect(code):
    """coduo reads ``answers``: the latest answer set; every set is in ``retrospects``."""
    room = readable_room(code)
    every = retrospectives_json(room)
    if not every:
        g.room_exists = True  # "none yet" in a room the client knows: not a guess
        raise NotFound(N_("The room %(code)s has no retrospective yet"), code=access_code.display(room.access_code))
    return jsonify(**every[-1], retrospects=every)


@bp.delete("/retrospects/<code>")
@list_writes
def delete_retrospect(code):
    delete_retrospectives(load_room(code))
    return "", 204


@bp.get("/member/retrospect/<code>/exists")
def retrospect_exists(code):
    return jsonify(existRetrospect=has_retrospective(readable_room(code)))


@bp.get("/<code>/retrospective")
def get_retrospective(code):
    """The questions (in the request's language) and every answer set, oldest first."""
    room = readable_room(code)
    return jsonify(questions=questions(), retrospectives=retrospectives_json(room))


@bp.put("/<code>/retrospective")
@list_writes
def answer_retrospective(code):
    """A member's answers: written, or edited if that person answered before."""
    room = load_room(code)
    body = parse_body(AnswerRetrospective)
    retro, created = answer_as(room, body.author, body.answers)
    return jsonify(retrospective_json(retro)), 201 if created else 200
