from flask import jsonify

from . import bp


@bp.get("/health-check")
def health_check():
    return jsonify(status="ok")


@bp.get("/sign-in/check")
def sign_in_check():
    """coduo's web client asks this; there are no accounts here."""
    return jsonify(signedIn=False)


@bp.get("/openapi.json")
def openapi_document():
    from ..openapi import document
    return jsonify(document())
