"""One error shape for the whole API: ``{"message": ...}`` with a 4xx/5xx status."""
from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import InterfaceError, InternalError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

DATABASE_RETRY_SECONDS = 5  # what a 503 for a database outage asks clients to wait
# SQLSTATEs of a transaction the database ended on its own (idle in transaction past
# ROW_LOCK_IDLE_MS or the connection's limit; PostgreSQL 17's transaction_timeout):
# psycopg raises them as InternalError, but they are database trouble like a lost link.
TRANSACTION_ENDED = {"25P03", "25P04"}


def ended_by_database(error: BaseException) -> bool:
    """The database ended the transaction on its own, before any COMMIT reached it
    (it was idle, or too long): nothing of it was written."""
    return (isinstance(error, InternalError)
            and getattr(error.orig, "sqlstate", None) in TRANSACTION_ENDED)


def N_(message: str) -> str:
    """Marks a message for the catalog (pybabel extract knows ``N_``); it is translated
    where it is said, in the request's language."""
    return message


class ApiError(Exception):
    """``message`` is said in the request's language (``Accept-Language`` for the API,
    see web/i18n.py; English outside a request): raise sites give the English
    template, marked ``N_(...)``, and its ``%(name)s`` params, e.g.
    ``NotFound(N_("No such todo %(id)s"), id=todo_id)``."""

    def __init__(self, status: int, message: str, headers: dict | None = None, **params):
        self.template = message
        self.params = params
        super().__init__(message % params if params else message)
        self.status = status
        self.headers = headers or {}

    @property
    def message(self) -> str:
        return _(self.template, **self.params)


class NotFound(ApiError):
    def __init__(self, message: str, **params):
        super().__init__(404, message, **params)


class Conflict(ApiError):
    def __init__(self, message: str, **params):
        super().__init__(409, message, **params)


class BadRequest(ApiError):
    def __init__(self, message: str, **params):
        super().__init__(400, message, **params)


def json_error(status: int, message: str, headers: dict | None = None):
    response = jsonify(message=message)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_page(status: int, message: str):
    return render_template("error.html", status=status, message=message), status


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        if not _wants_json():
            return error_page(error.status, error.message)
        return json_error(error.status, error.message, error.headers)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        # werkzeug's descriptions are English: what a page or its scripts can meet is said here
        messages = {
            400: _("The request was not understood"),
            404: _("Not found"),
            405: _("Method %(method)s is not allowed here", method=request.method),
            413: _("Request body too large"),
            500: _("Something went wrong on the server; try again shortly"),
        }
        if not _wants_json():
            return error_page(error.code, _("There is nothing at this address.") if error.code == 404
                              else messages.get(error.code, error.description))
        return json_error(error.code, messages.get(error.code, error.description))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def handle_database_down(error):
        log.error("database unavailable: %s", error.orig)
        retry = {"Retry-After": str(DATABASE_RETRY_SECONDS)}
        if not _wants_json():
            body, status = error_page(503, _("The database is unavailable; try again shortly."))
            return body, status, retry
        return json_error(503, _("The database is unavailable; try again shortly"), retry)

    @app.errorhandler(InternalError)
    def handle_transaction_ended(error):
        if not ended_by_database(error):
            raise error  # a real internal error: the usual 500
        return handle_database_down(error)
