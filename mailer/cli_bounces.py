"""`infolettre bounces poll | report | undo`: read the bounce mailbox, see what came back,
restore the subscribers that bounces (or, asked for explicitly, complaints) suppressed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import click
from sqlalchemy import func, select

from mailer import db
from mailer.counting import how_many
from mailer.errors import ROW_ID, UserError
from mailer.settings import get_settings


@click.group("bounces")
def bounces() -> None:
    """Bounces, complaints and mailto unsubscribes from the bounce mailbox."""


@bounces.command("poll")
def poll() -> None:
    """Read the bounce mailbox once (INFOLETTRE_BOUNCE_IMAP_URL)."""
    from mailer.bounces import imap

    url = get_settings().bounce_imap_url
    if not url:
        raise UserError("INFOLETTRE_BOUNCE_IMAP_URL is not set (imap://user:pass@host/INBOX)")
    db.upgrade()
    try:
        counts = imap.poll(url)
    except (OSError, imap.imaplib.IMAP4.error, ValueError) as error:
        raise UserError(f"bounce mailbox: {error}") from None
    summary = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())) or "nothing new"
    click.echo(f"{how_many(sum(counts.values()), 'message', 'messages')}: {summary}")


def _table(title: str, rows) -> None:
    """Two aligned columns: the names at least 40 wide, the counts 6, wider for wider."""
    click.echo(title)
    rows = [(key or "-", f"{count:,}") for key, count in rows]
    names = max((len(key) for key, _count in rows), default=0)
    counts = max((len(count) for _key, count in rows), default=0)
    for key, count in rows:
        click.echo(f"  {key:<{max(40, names)}} {count:>{max(6, counts)}}")


def _day(moment: dt.datetime) -> str:
    """The day as 2026-11-15, its year in four digits even before 1000 (strftime's %Y
    writes year 1 as "1" on glibc)."""
    return moment.date().isoformat()


@bounces.command("report")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only from this day on.")
def report(since: dt.datetime | None) -> None:
    """What changed on the list, then the reports received: counts by class and reason,
    per campaign and per receiving domain."""
    from mailer.bounces import changes
    from mailer.bounces.models import BounceEvent as Event

    db.upgrade()
    with db.session_scope() as session:
        start = since.replace(tzinfo=dt.UTC) if since else None
        where = [Event.received_at >= start] if start else []

        def grouped(*columns):
            query = select(*columns, func.count()).where(*where).group_by(*columns)
            return session.execute(query.order_by(func.count().desc())).all()

        # What happened to subscribers first: a report is what came back, and many change
        # nobody (an address off the list, a sender's refusal, a forged unsubscribe).
        changed = changes.changed(session, start)
        period = f" since {_day(since)}" if since else ""
        if changed:
            _table(f"changed on the list{period}:",
                   [(words, changed[key]) for key, words in changes.KINDS.items()
                    if changed[key]])
        else:
            click.echo(f"changed on the list{period}: nobody")
        by_kind = Counter(dict(grouped(Event.kind)))
        click.echo(how_many(sum(by_kind.values()), "message", "messages") + " received"
                   + period + ": what they reported, not what changed on the list")
        _table("by class (reports seen, not suppressions):", by_kind.most_common())
        _table("by class and status:",
               [(f"{kind} {status or ''}", n) for kind, status, n in grouped(Event.kind,
                                                                             Event.status)])
        _table("by campaign:",
               [(f"campaign {cid} {kind}", n) for cid, kind, n in
                grouped(Event.campaign_id, Event.kind) if cid])
        _table("by reason (whose fault):",
               [(f"{cause} ({fault})", n) for cause, fault, n in
                grouped(Event.cause, Event.fault) if cause])
        senders = [(domain, cause, n) for domain, cause, fault, n in
                   grouped(Event.domain, Event.cause, Event.fault) if fault in ("sender", "path")]
        if senders:
            click.echo("refused for the sender's or the network's reasons (held against "
                       "no subscriber):")
            from mailer.bounces.counts import Refusals
            from mailer.console import bounce_words

            words = bounce_words.labels(bounce_words.COMMAND_LINE)
            for domain, cause, n in senders[:20]:
                click.echo("  " + bounce_words.refused(words, Refusals(domain, cause, n)))
        _table("by receiving domain:",
               [(f"{domain} {kind}", n) for domain, kind, n in grouped(Event.domain, Event.kind)
                if domain])
        review = session.execute(
            select(Event.received_at, Event.key, Event.reason, Event.notes)
            .where(Event.kind.in_(("unknown", "held")), *where)
            .order_by(Event.received_at.desc()).limit(20)).all()
        if review:
            from mailer.bounces.notes import is_held
            from mailer.console.note_words import in_english

            click.echo(f"needs review ({by_kind['unknown'] + by_kind['held']}, in the mailbox "
                       f"folder 'needs-review'; newest first):")
            for received_at, key, why, notes in review:
                held = is_held(notes) or (not notes and (why or "").startswith("held"))
                click.echo(f"  {_day(received_at)} {received_at:%H:%M}  {key}" + (
                    f"  {in_english(notes, why)[:120]}" if held else ""))


@bounces.command("undo")
@click.option("--campaign", "campaign_id", type=ROW_ID, help="Only the bounces of this campaign.")
@click.option("--reason", help="Only this reason: 'user unknown', 'host unknown', "
              "'account disabled' (hard bounces); 'soft' (a soft bounce score), or a reason "
              "of its bounces: 'mailbox full', 'expired', 'unknown'.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only from this day on (UTC).")
@click.option("--email", help="Only this address.")
@click.option("--complaints", is_flag=True,
              help="Undo complaints (spam reports) instead of bounces: only ones you know "
                   "were forged or stray, or whose person asked to come back.")
@click.option("--dry-run", is_flag=True, help="Show who would be restored; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def undo(campaign_id: int | None, reason: str | None, since: dt.datetime | None,
         email: str | None, complaints: bool, dry_run: bool, yes: bool) -> None:
    """Subscribe again those whom bounces suppressed (complaints only with --complaints;
    never unsubscribes or erasures): how many is shown first, and the change is written in
    the audit log."""
    import getpass

    from mailer.bounces import undo as undoing
    from mailer.bounces.reasons import FAULT, Fault, Reason
    from subscribers.models import normalise_email

    if complaints and not (email or "").strip():
        # A real complaint must never be undone: one person at a time, whom staff know
        # did not complain (the console's button is per person too), never a whole period.
        raise UserError("--complaints: name the person with --email ADDRESS; a complaint is "
                        "undone one address at a time, only when you know it was not theirs")
    if reason is not None:  # "Mailbox Full", " user  unknown ": the reason, as written
        reason = " ".join(reason.lower().split())
    if reason is not None and complaints:
        raise UserError("--reason: complaints have no reason to choose; leave it out")
    # Only the recipient's reasons (and unknown words) ever suppress: the sender's and the
    # network's count against the campaign, never a subscriber (mailer.bounces.policy).
    suppressing = [str(r) for r in Reason if FAULT[r] in (Fault.RECIPIENT, Fault.UNKNOWN)]
    if reason is not None and reason not in {*suppressing, "soft"}:
        said = (f"{reason!r} is a refusal of ours or of the network, which never "
                "suppresses a subscriber: nothing to undo" if reason in {*Reason}
                else f"unknown reason {reason!r}")
        raise UserError(f"--reason: {said}; one of: " + ", ".join([*suppressing, "soft"]))
    if campaign_id is None and since is None and email is None:  # after what is wrong
        raise UserError("say which bounces to undo: --campaign N, --since YYYY-MM-DD "
                        "and/or --email ADDRESS")
    scope = undoing.Scope(campaign_id, since.replace(tzinfo=dt.UTC) if since else None, reason,
                          normalise_email(email) if email else None, complaints)
    what = "complaints" if complaints else "bounces"
    db.upgrade()
    with db.session_scope() as session:
        people = undoing.suppressed(session, scope)
        hint = None if people else _why_not(session, scope)
        if hint:  # the options name nothing there is to undo: a user error, said alone
            raise UserError(hint)
        click.echo(f"{how_many(len(people), 'subscriber', 'subscribers')} suppressed by these "
                   f"{what}")
        for subscriber in people[:20]:
            click.echo(f"  {subscriber.email}")
        if len(people) > 20:
            click.echo(f"  … and {len(people) - 20} more")
        if dry_run or not people:
            return
        if complaints:
            click.echo(f"Warning: {undoing.COMPLAINT_WARNING}", err=True)
        if not yes:
            click.confirm(f"Subscribe {how_many(len(people), 'subscriber', 'subscribers')} again?",
                          abort=True)
        undoing.restore(session, people, f"cli:{getpass.getuser()}", scope)
    click.echo(f"{len(people)} subscribed again (see the audit log)")


def _why_not(session, scope) -> str | None:
    """Why undoing found nobody, when there is more to say than "0": no such campaign; for
    one address, not on the list, suppressed by the other kind (a complaint asked for as a bounce,
    or the reverse), or not suppressed at all."""
    from subscribers.models import Status
    from subscribers.service import find_by_email
    from workers.models import Campaign

    if scope.campaign_id is not None and session.get(Campaign, scope.campaign_id) is None:
        return f"there is no campaign {scope.campaign_id} (infolettre campaign list)"
    if scope.email is None:
        return None
    person = find_by_email(session, scope.email)
    if person is None:
        return f"{scope.email} is not on the list"
    if person.status == Status.COMPLAINED and not scope.complaints:
        return (f"{scope.email} was suppressed by a complaint, not a bounce: only "
                f"`--complaints --email {scope.email}` undoes it, and only when you know "
                "the complaint was not theirs")
    if person.status == Status.BOUNCED and scope.complaints:
        return (f"{scope.email} was suppressed by bounces, not a complaint: leave out "
                "--complaints")
    if person.status not in (Status.BOUNCED, Status.COMPLAINED):
        return f"{scope.email} is {person.status}: no bounce or complaint to undo"
    return None
