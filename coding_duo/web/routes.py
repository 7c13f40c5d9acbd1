"""Small API routes every client needs: the health check, coduo's sign-in check
and the OpenAPI document."""
from flask import jsonify

from .api import bp


@bp.get("/health-check")
def health_check():
    return jsonify(status="ok")


@bp.get("/sign-in/check")
def sign_in_check():
    """coduo's web client asks this; there are no accounts here."""
    return jsonify(signedIn=False)


@bp.get("/openapi.json")
def openapi_document():
    from .openapi import document
    return jsonify(document())
