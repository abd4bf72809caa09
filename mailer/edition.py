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
    # The length rule (mailer.length): titles of the articles the email summarises because
    # in full it would be `full_size` bytes as sent, over `budget`; empty when all fit.
    summarised: tuple[str, ...] = ()
    full_size: int = 0
    sent_size: int = 0  # as sent once the articles are summarised
    budget: int = 0
    # The number (`number:` in the file): what makes two files, or two sends, one
    # issue. 0 only for an edition built without its issue (the length rule's scratch).
    number: int = 0

    def length_note(self) -> str:
        """Which articles the email summarises and why, for `validate` and `render`."""
        if not self.budget:
            return ""
        note = (f"{self.language}: in full the email would weigh {self.full_size / 1024:.0f} KB"
                f" as sent, over the {self.budget / 1024:.0f} KB budget (Gmail clips at 102 KB)")
        if self.full_size <= self.budget:  # summarised as another language is: none says less
            note = (f"{self.language}: in full the email would weigh {self.full_size / 1024:.0f}"
                    f" KB as sent, within the {self.budget / 1024:.0f} KB budget, but another "
                    "language's is over it and every language summarises the same articles")
        if self.summarised:
            note += (f", so it shows {len(self.summarised)} article(s) summarised with a link "
                     f"to the web version, longest first: {'; '.join(self.summarised)}")
        if self.sent_size > self.budget:
            note += (f"; it still weighs {self.sent_size / 1024:.0f} KB: shorten the issue or "
                     "split it in two")
        return note
