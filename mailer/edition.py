"""What rendering produces and sending consumes: one language of one issue."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edition:
    """One language of one issue, rendered once.

    `html` and `text` hold the markers of mailer.placeholders where the per-recipient
    URLs go; sending fills them per message without rendering again.
    """

    slug: str  # the issue file's name without extension, e.g. "083"
    language: str
    subject: str
    preheader: str
    html: str  # the email body, styles inlined
    text: str  # the plain-text alternative
    web_html: str  # the "view in browser" page
