"""A subscriber's name and language corrected by the staff (a person asked by email), and a
complaint undone (one that was not the person's): each change is in the person's history
and in the audit log, with who made it."""

from __future__ import annotations

from flask import g, redirect, request, url_for

from mailer import db
from mailer.bounces import undo
from mailer.catalogue import fill
from mailer.console.access import audit, requires
from mailer.console.base import bp, found_or_404, labels, language_of_page, page
from mailer.console.models import Role
from subscribers.models import EventKind, Status, Subscriber
from subscribers.optout import change_language
from subscribers.service import log_event
from subscribers.validation import InvalidInput, check_language, check_name


@bp.post("/subscribers/<int:subscriber_id>/edit")
@requires(Role.SENDER)
def subscribers_edit(subscriber_id: int):
    with db.session_scope() as session:
        subscriber = found_or_404(session, Subscriber, subscriber_id)
        try:
            name = check_name(request.form.get("name"))
            language = check_language(request.form.get("language"))
        except InvalidInput as error:
            return page("message.html", key=error.label, detail=_where(error),
                        back=url_for("console.subscribers_show",
                                     subscriber_id=subscriber_id)), 400
        changed = []
        if name != subscriber.name:
            log_event(session, subscriber, EventKind.NAME_CHANGED, by=g.staff["email"])
            subscriber.name, changed = name, [*changed, "name"]
        if language != subscriber.language:
            change_language(session, subscriber, language)
            changed.append("language")
        if changed:
            audit(session, g.staff["email"], "subscriber edited", subscriber=subscriber_id,
                  fields=changed)
    return redirect(url_for("console.subscribers_show", subscriber_id=subscriber_id))


def _where(error: InvalidInput) -> str | None:
    """The refused character and its place, in the console's words (the label says the
    rule; the check's own detail is the public form's, in English), or None."""
    if "char" not in error.values:
        return None
    return str(fill(labels(language_of_page())["character_at"], **error.values))


@bp.post("/subscribers/<int:subscriber_id>/undo-complaint")
@requires(Role.SENDER)
def subscribers_undo_complaint(subscriber_id: int):
    """Subscribe again a person a complaint removed, only once the staff member ticked that
    it was not theirs (undo.COMPLAINT_WARNING, shown beside the button and kept in the
    audit entry)."""
    back = url_for("console.subscribers_show", subscriber_id=subscriber_id)
    with db.session_scope() as session:
        subscriber = found_or_404(session, Subscriber, subscriber_id)
        if request.form.get("sure") != "yes":
            return page("message.html", key="undo_complaint_unconfirmed", back=back), 400
        if subscriber.status == Status.COMPLAINED:
            scope = undo.Scope(email=subscriber.email, complaints=True)
            undo.restore(session, undo.suppressed(session, scope), g.staff["email"], scope)
    return redirect(back)
