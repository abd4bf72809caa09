"""Issue files through the console: upload one (checked before it is kept), or download one
to edit it. Staff need no access to the server's folder."""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
from pathlib import Path

from flask import g, redirect, request, send_file, url_for

from mailer import db
from mailer.console.access import audit, requires
from mailer.console.base import (
    bp,
    issue_path,
    language_of_page,
    page,
    too_large,
    uploaded_file,
)
from mailer.console.issue_problems import in_words
from mailer.console.models import Role
from mailer.issue import IssueInvalid, load_issue
from mailer.settings import get_settings

# The file name is the issue's slug in every URL: lower case, digits, dashes.
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,80}\.yaml")


@bp.post("/issues")
@requires(Role.EDITOR)
def issue_upload():
    upload = uploaded_file()
    name = Path(upload.filename).name
    if not NAME.fullmatch(name):
        return page("message.html", key="issue_name_invalid"), 400
    folder = Path(get_settings().issues_dir)
    replacing = (folder / name).exists()
    if replacing and not request.form.get("replace"):
        return page("message.html", key="issue_exists"), 409
    # Checked in a file of its own, then renamed into place in one step: the folder never
    # holds a half-written or invalid issue, and a failed upload leaves the old one.
    with tempfile.TemporaryDirectory(dir=folder, prefix=".upload-") as scratch:
        candidate = Path(scratch) / name
        upload.save(candidate)
        if too_large(candidate):
            return page("message.html", key="too_large"), 413
        try:
            load_issue(candidate)
        except IssueInvalid as error:
            language = language_of_page()
            problems = [in_words(dataclasses.replace(p, file=name), language)
                        for p in error.problems]
            return page("issue.html", name=name, problems=problems, uploaded=True), 400
        os.replace(candidate, folder / name)
    with db.session_scope() as session:
        audit(session, g.staff["email"], "issue replaced" if replacing else "issue uploaded",
              issue=name)
    return redirect(url_for("console.issue", name=name))


@bp.get("/issues/<name>/file")
@requires(Role.EDITOR)
def issue_download(name: str):
    # Absolute: Flask reads a relative path from its package, not the working folder
    # (the default issues folder, `issues`, was a 500).
    return send_file(issue_path(name).absolute(), mimetype="text/yaml", as_attachment=True,
                     download_name=name)
