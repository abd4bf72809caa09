"""The confirmation email, in the subscriber's language, built with the stdlib."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from markupsafe import escape

from mailer.settings import get_settings
from subscribers.i18n import labels
from subscribers.links import confirm_url
from subscribers.models import Subscriber, utcnow


def confirmation_message(subscriber: Subscriber) -> EmailMessage:
    settings = get_settings()
    words = labels(subscriber.language)
    link = confirm_url(subscriber.id, subscriber.link_key)
    greeting = (
        words["mail_greeting"].format(name=subscriber.name)
        if subscriber.name
        else words["mail_greeting_anonymous"]
    )
    message = EmailMessage()
    message["Subject"] = words["mail_subject"]
    message["From"] = Address(settings.from_name, addr_spec=settings.from_address)
    # To is written by the sending task, in the form the transport delivers the address.
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=settings.bounce_domain)
    message["Auto-Submitted"] = "auto-generated"
    text = "\n\n".join(
        [greeting, words["mail_body"], link, words["mail_expiry"], words["mail_ignore"]]
    )
    # Quoted-printable keeps every line short (SMTP's 998 limit) whatever the language.
    message.set_content(text + "\n", cte="quoted-printable")
    message.add_alternative(
        _html(words, greeting, link, subscriber.language), subtype="html", cte="quoted-printable"
    )
    message["Content-Language"] = subscriber.language  # after set_content, which clears it
    return message


def _html(words: dict[str, str], greeting: str, link: str, language: str) -> str:
    return (
        f'<!doctype html>\n<html lang="{language}"><body>\n'
        f"<p>{escape(greeting)}</p>\n<p>{escape(words['mail_body'])}</p>\n"
        f'<p><a href="{escape(link)}">{escape(words["mail_button"])}</a></p>\n'
        f"<p>{escape(words['mail_expiry'])}</p>\n<p>{escape(words['mail_ignore'])}</p>\n"
        "</body></html>\n"
    )
