"""Console pages that send: a test send, and the launch with its confirmation (the
campaign's own page is in campaign_page.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import get_timezone, get_timezone_name
from flask import abort, g, redirect, request, url_for

from mailer import db
from mailer.console.access import audit, requires
from mailer.console.base import bp, issue_path, language_of_page, page
from mailer.console.models import Role
from mailer.dkim import key_problem
from mailer.issue import IssueInvalid
from mailer.same_issue import number_line
from mailer.send_time import out_of_range
from mailer.settings import get_settings
from mailer.size import too_large
from subscribers.validation import InvalidInput, check_email
from workers import campaigns
from workers.audience import audience_counts, will_receive
from workers.issue_sent import sent_before
from workers.launcher import queued


def _editions(name: str):
    from mailer.rendered import editions_of

    try:
        return editions_of(issue_path(name))
    except IssueInvalid:
        abort(409)


def _start(session, editions, test_to=None, at=None, same_issue=False) -> tuple[int, dict]:
    """The campaign created and committed, then its start queued (a scheduled one is
    started by the sweep when its time comes); its id, and what to say on its page: the
    `error` "not_queued" when the broker did not take the start."""
    key = key_problem(get_settings())  # a key that cannot sign stops every message
    if key:
        raise InvalidInput("dkim", "dkim_key", key)
    campaign = campaigns.create(session, editions, test_to, at, same_issue)
    session.commit()
    said = {} if at is not None or queued(campaign.id) else {"error": "not_queued"}
    return campaign.id, said


@bp.post("/issues/<name>/test")
@requires(Role.EDITOR)
def test_send(name: str):
    editions = _editions(name)
    language = request.form.get("language", "all")
    if language != "all":
        editions = {language: editions[language]} if language in editions else abort(400)
    try:
        recipients = _test_recipients(request.form.get("addresses", ""))
    except InvalidInput as error:
        return page("message.html", key=error.label, detail=error.detail,
                    back=url_for("console.issue", name=name)), 400
    with db.session_scope() as session:
        try:
            campaign_id, said = _start(session, editions, recipients)
        except InvalidInput as error:  # the DKIM key: nothing created
            return page("message.html", key=error.label, detail=error.detail,
                        back=url_for("console.issue", name=name)), 409
        audit(session, g.staff["email"], "test send", issue=name, language=language,
              to=recipients)
    return redirect(url_for("console.campaign", campaign_id=campaign_id, **said))


def _test_recipients(field: str) -> list[str]:
    """The listed addresses (comma or space separated, 20 at most), or the signed-in person."""
    listed = [part for part in field.replace(",", " ").split() if part]
    addresses = []
    for typed in listed[:20]:
        try:
            addresses.append(check_email(typed))
        except InvalidInput:
            raise InvalidInput("addresses", "test_address_invalid", typed) from None
    return addresses or [g.staff["email"]]


@bp.route("/issues/<name>/launch", methods=["GET", "POST"])
@requires(Role.SENDER)
def launch(name: str):
    """The audience per language and a confirmation; the send now, or at a chosen time.
    An issue whose number went out before (from any file) reaches only those it did not
    reach; under another title it is refused unless the member confirms it is the same."""
    editions = _editions(name)
    first = next(iter(editions.values()))
    number, slug = first.number or None, first.slug
    same = request.method == "POST" and request.form.get("same_issue") == "1"
    with db.session_scope() as session:
        running, error = campaigns.live_campaign(session, number, slug), None
        before = sent_before(session, number, slug)
        retitled = before.retitled(editions) if before else None
        if request.method == "POST" and running is None and (retitled is None or same):
            try:
                at = send_time(request.form.get("at", ""))
                if at is None and not sum(will_receive(session, number, slug).values()):
                    # As `infolettre send`: a send now to nobody creates nothing. A
                    # scheduled one chooses its audience at its time: allowed.
                    raise InvalidInput("at", "nobody_now")
                campaign_id, said = _start(session, editions, at=at, same_issue=same)
            except InvalidInput as invalid:
                error = invalid
            except campaigns.AlreadySending as busy:  # launched elsewhere at the same instant
                running = busy.campaign_id
            except campaigns.OtherIssue as other:  # sent elsewhere meanwhile, retitled
                before, retitled = other.before, other.language
            else:
                audit(session, g.staff["email"], "schedule" if at else "launch", issue=name,
                      campaign=campaign_id, **({"at": at.isoformat()} if at else {}),
                      **({"same_issue_as": before.campaign_id} if same and retitled else {}))
                return redirect(url_for("console.campaign", campaign_id=campaign_id, **said))
        refused = running or (retitled and not same)
        status = 409 if refused and request.method == "POST" else 400 if error else 200
        return page("launch.html", name=name, editions=editions, number=number,
                    audience=audience_counts(session), now=will_receive(session, number, slug),
                    running=running, before=before, error=error, same=same,
                    retitled=before.titles.get(retitled) if retitled else None,
                    sent_on=_local_date(before.on) if before else None,
                    number_line=number_line(issue_path(name)),
                    zone=zone_name(language_of_page()), too_large=too_large(editions)), status


def _local_date(moment: dt.datetime) -> dt.date:
    """The day of `moment` in the console's time zone."""
    return moment.astimezone(ZoneInfo(get_settings().console_timezone)).date()


def zone_name(language: str) -> str:
    """The console's time zone as people say it ("heure d'Europe centrale"), from Babel."""
    return get_timezone_name(get_timezone(get_settings().console_timezone), "long",
                             locale=language)


def send_time(typed: str) -> dt.datetime | None:
    """The time typed in the form (the console's zone) in UTC; None for "now". InvalidInput
    for one unreadable, that the zone skips or has twice, past, or more than a year ahead
    (mailer.send_time.out_of_range)."""
    if not typed.strip():
        return None
    try:
        local = dt.datetime.fromisoformat(typed.strip())
    except ValueError:
        raise InvalidInput("at", "at_invalid") from None
    try:
        at = _in_zone(local, get_settings().console_timezone)
    except OverflowError:  # 9999-12-31 23:59 west of Greenwich: past the last UTC year
        raise InvalidInput("at", "at_far") from None
    wrong = out_of_range(at)  # as `infolettre send --at`
    if wrong:
        raise InvalidInput("at", f"at_{wrong}")
    return at


def _in_zone(local: dt.datetime, zone_id: str) -> dt.datetime:
    """A wall-clock time of the zone in UTC; InvalidInput for a time the zone skips (the
    clocks go forward) or has twice (they go back), rather than a guess."""
    zone = ZoneInfo(zone_id)
    first, second = (local.replace(tzinfo=zone, fold=fold) for fold in (0, 1))
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
        raise InvalidInput("at", "at_twice" if back == local else "at_missing", zone_id)
    return first.astimezone(dt.UTC)
