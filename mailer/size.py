"""One measure of an issue's size: its HTML part as a subscriber receives it.

Gmail clips a message whose HTML is over 102 KB behind "[Message clipped]", and with it
the unsubscribe link at the bottom. It counts the HTML as sent: personalised (every
per-recipient link filled, each a signed token of a hundred characters or more) and
decoded (UTF-8 bytes, not the longer quoted-printable form). `validate`, `render`, `send`
and the console's issue and launch pages all measure with this.
"""

from __future__ import annotations

from mailer.edition import Edition
from mailer.placeholders import Template

GMAIL_CLIP_BYTES = 102 * 1024
_SAMPLE_ID = 10_000_000  # a subscriber and campaign id as long as a large list's
_SAMPLE_KEY = "k" * 16  # a subscriber's link key (it signs the link; it is not in it)


def html_bytes(edition: Edition) -> int:
    """Bytes (UTF-8) of the edition's HTML part with a recipient's links filled in."""
    from subscribers import links  # the links are the web app's; imported when measured

    values = {"view_online_url": links.view_online_url(edition.slug, edition.language),
              "unsubscribe_url": links.unsubscribe_url(_SAMPLE_ID, _SAMPLE_KEY, _SAMPLE_ID),
              "preferences_url": links.preferences_url(_SAMPLE_ID, _SAMPLE_KEY, _SAMPLE_ID)}
    return len(Template(edition.html).fill(values).encode("utf-8"))


def kilobytes(size: int) -> float:
    """KB as Gmail's limit counts them (1024 bytes), to one decimal."""
    return round(size / 1024, 1)


def too_large(editions: dict[str, Edition]) -> dict[str, float]:
    """{language: KB} for the editions whose HTML part Gmail would clip."""
    sizes = {code: html_bytes(edition) for code, edition in editions.items()}
    return {code: kilobytes(size) for code, size in sizes.items() if size > GMAIL_CLIP_BYTES}


def warning(file: str, language: str, kb: float) -> str:
    return (f"{file}: {language}: warning: the HTML part is {kb} KB as sent, over Gmail's "
            f"102 KB: Gmail will clip it and hide the unsubscribe link; shorten the issue")
