"""Subscribers: search, one subscriber's event history, CSV import by upload, GDPR erasure."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path

from flask import Response, g, redirect, request, url_for
from sqlalchemy import func, or_, select

from mailer import db
from mailer.console import note_words
from mailer.console.access import audit, requires
from mailer.console.base import bp, found_or_404, language_of_page, page, uploaded_file
from mailer.console.models import Role
from mailer.console.sends import zone_name
from mailer.settings import get_settings
from subscribers.csv_export import Form, export_chunks
from subscribers.csv_import import import_csv, upload_name
from subscribers.csv_problems import FileRejected
from subscribers.models import Status, Subscriber, SubscriberEvent
from subscribers.service import erase

PAGE = 50


@bp.get("/subscribers")
@requires(Role.EDITOR)
def subscribers_search():
    """Every subscriber, or those matching an address or name and a state, by pages of
    PAGE ordered by address; `after` is the last address of the previous page."""
    query = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    after = request.args.get("after", "")
    where = []
    if query:
        # LIKE wildcards typed by the user are matched literally.
        pattern = "%" + query.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        where.append(or_(Subscriber.email.ilike(pattern, escape="\\"),
                         Subscriber.name.ilike(pattern, escape="\\")))
    if status in set(Status):
        where.append(Subscriber.status == status)
    with db.session_scope() as session:
        total = session.scalar(select(func.count()).select_from(Subscriber).where(*where))
        found = session.scalars(select(Subscriber).where(*where, Subscriber.email > after)
                                .order_by(Subscriber.email).limit(PAGE + 1)).all()
    following = found[PAGE - 1].email if len(found) > PAGE else None
    return page("subscribers.html", query=query, status=status, statuses=list(Status),
                 found=found[:PAGE], total=total, after=after, following=following,
                 zone=zone_name(language_of_page()))


@bp.get("/subscribers/<int:subscriber_id>")
@requires(Role.EDITOR)
def subscribers_show(subscriber_id: int):
    with db.session_scope() as session:
        subscriber = found_or_404(session, Subscriber, subscriber_id)
        events = session.scalars(select(SubscriberEvent).where(
            SubscriberEvent.subscriber_id == subscriber_id).order_by(SubscriberEvent.id)).all()
        # why a bounce was held or scored, and what tied it (mailer.bounces.notes), in words
        return page("subscriber.html", subscriber=subscriber, events=events,
                    notes_said=note_words.said, tied=note_words.tied)


@bp.post("/subscribers/import")
@requires(Role.SENDER)
def subscribers_upload():
    """A CSV imported whole or not at all; every outcome audited, problems in the member's
    language and named by the file's own name (never the server's temporary path)."""
    upload = uploaded_file()
    name = upload_name(upload.filename)
    language = language_of_page()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        upload.save(path)
        try:
            report = import_csv(partial(db.session_scope, get_settings().db_url), path,
                                name=name, zone=get_settings().console_timezone)
        except FileRejected as rejected:
            with db.session_scope() as session:
                audit(session, g.staff["email"], "import rejected", file=name,
                      line=rejected.problem.line, reason=rejected.problem.code)
            return page("imported.html", report=None, name=name,
                        error=rejected.problem.located(name, language)), 400
    with db.session_scope() as session:
        audit(session, g.staff["email"], "import", file=name, rows=report.layout.rows,
              subscribed=report.subscribed, pending=report.pending,
              unchanged=report.unchanged, unsubscribed=report.unsubscribed,
              bounced=report.bounced, complained=report.complained,
              rejected=len(report.errors))  # every count the summary shows
    problems = [(p.line, p.field, p.reason(language)) for p in report.errors]
    return page("imported.html", report=report, name=name, problems=problems, error=None)


@bp.get("/subscribers/export.csv")
@requires(Role.SENDER)
def subscribers_export():
    """Every subscriber as CSV for a spreadsheet (UTF-8 with its mark, local times, `;` on
    request), written row by row as the database yields them."""
    separator = ";" if request.args.get("separator") == ";" else ","
    form = Form(separator=separator, bom=True, zone=get_settings().console_timezone)
    with db.session_scope() as session:
        audit(session, g.staff["email"], "export", separator=separator)

    def chunks():
        with db.session_scope() as session:
            yield from export_chunks(session, form)

    return Response(chunks(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=subscribers.csv"})


@bp.post("/subscribers/<int:subscriber_id>/erase")
@requires(Role.ADMIN)
def subscribers_erase(subscriber_id: int):
    with db.session_scope() as session:
        subscriber = found_or_404(session, Subscriber, subscriber_id)
        # Confirmation: the address typed again, so that no stray click erases anyone.
        if request.form.get("confirm", "").strip().lower() != subscriber.email:
            return page("message.html", key="erase_unconfirmed"), 400
        erase(session, subscriber.email)
        audit(session, g.staff["email"], "erase", subscriber=subscriber_id)
    return redirect(url_for(".subscribers_search"))
