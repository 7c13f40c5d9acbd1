"""One error shape for the whole API: ``{"message": ...}`` with a 4xx/5xx status."""
from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

DATABASE_RETRY_SECONDS = 5  # what a 503 for a database outage asks clients to wait


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class NotFound(ApiError):
    def __init__(self, message: str):
        super().__init__(404, message)


class Conflict(ApiError):
    def __init__(self, message: str):
        super().__init__(409, message)


class BadRequest(ApiError):
    def __init__(self, message: str):
        super().__init__(400, message)


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
        if not _wants_json():
            return error_page(error.code, error.description if error.code != 404 else
                              _("There is nothing at this address."))
        messages = {
            404: "Not found",
            405: f"Method {request.method} is not allowed here",
            413: "Request body too large",
        }
        return json_error(error.code, messages.get(error.code, error.description))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def handle_database_down(error):
        log.error("database unavailable: %s", error.orig)
        retry = {"Retry-After": str(DATABASE_RETRY_SECONDS)}
        if not _wants_json():
            body, status = error_page(503, _("The database is unavailable; try again shortly."))
            return body, status, retry
        return json_error(503, "The database is unavailable; try again shortly", retry)
