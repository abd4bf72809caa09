"""The confirmation email, in the subscriber's language: the stdlib builds the message, the
HTML part is MJML in the newsletter's colours."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from pathlib import Path

import jinja2

from mailer.catalogue import JINJA_FILTERS, Catalogue, fill
from mailer.db import utcnow
from mailer.render import mjml_to_html
from mailer.settings import get_settings
from subscribers.i18n import labels
from subscribers.links import confirm_url
from subscribers.models import Subscriber

TEMPLATES = Path(__file__).with_name("templates")


def confirmation_message(subscriber: Subscriber) -> EmailMessage:
    settings = get_settings()
    words = labels(subscriber.language)
    link = confirm_url(subscriber.id, subscriber.link_key)
    greeting = (
        fill(words["mail_greeting"], name=subscriber.name)
        if subscriber.name
        else words["mail_greeting_anonymous"]
    )
    message = EmailMessage()
    message["Subject"] = str(words["mail_subject"])
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
        _html(words, greeting, link), subtype="html", cte="quoted-printable"
    )
    # After set_content, which clears it; the fallback's code if the language has no words.
    message["Content-Language"] = words.language
    return message


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                     autoescape=True, undefined=jinja2.StrictUndefined)
    environment.filters.update(JINJA_FILTERS)
    return environment.get_template("email/confirmation.mjml.j2")


def _html(words: Catalogue, greeting: str, link: str) -> str:
    """The HTML part: MJML (the issue's look, responsive) with styles inlined."""
    mjml = _template().render(t=words, lang=words.language, greeting=greeting, link=link)
    return mjml_to_html(mjml)
