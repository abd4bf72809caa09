"""Image upload from the editor: the file is checked and resized by mailer.images, and the
page gets the public URL to write into the issue."""

from __future__ import annotations

from flask import g, jsonify

from mailer import db
from mailer.console.access import audit, requires
from mailer.console.base import bp, labels, language_of_page, uploaded_file
from mailer.console.models import Role
from mailer.images import ImageRefused, store


@bp.post("/images")
@requires(Role.EDITOR)
def image_upload():
    upload = uploaded_file()
    try:
        stored = store(upload.read())
    except ImageRefused as refused:
        return jsonify(error=labels(language_of_page())[refused.reason]), 400
    with db.session_scope() as session:
        audit(session, g.staff["email"], "image uploaded", url=stored["url"])
    return jsonify(stored)
