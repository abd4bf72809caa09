"""One message for one delivery, or the reason it cannot be made (poison isolation).

Whatever goes wrong with one message (its edition, its signed links and headers, an
address the transport cannot carry, a value the assembly chokes on, a DKIM signature that
fails) is that message's alone: it becomes Poison, its delivery fails with the reason, and
the batch goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from sqlalchemy import select

from mailer.dkim import DkimSigner
from mailer.message import PreparedEdition, Recipient
from mailer.transport import Sender, Undeliverable
from subscribers import links
from workers.models import Campaign, CampaignEdition


class Poison(Exception):
    """This one message cannot be sent: its delivery fails with this reason."""


@lru_cache(maxsize=32)
def prepared(url: str, campaign_id: int, language: str) -> PreparedEdition:
    """The edition of a campaign, read and prepared once per worker process, with the links
    that are the same for all its recipients already in it."""
    from mailer.db import get_engine
    from mailer.settings import get_settings

    with get_engine(url).connect() as conn:
        row = conn.execute(
            select(CampaignEdition.subject, CampaignEdition.html, CampaignEdition.text,
                   Campaign.slug, Campaign.test)
            .join(Campaign, Campaign.id == CampaignEdition.campaign_id)
            .where(CampaignEdition.campaign_id == campaign_id,
                   CampaignEdition.language == language)
        ).one_or_none()
    if row is None:  # a row whose language the campaign was not rendered in
        raise Poison(f"the campaign has no edition in the language {language!r}")
    view_online = links.view_online_url(row.slug, language)
    shared = {"view_online_url": view_online}
    if row.test:  # a test send: demonstration pages that change nothing, the same for all
        shared |= links.demo_links(language)
    return PreparedEdition(get_settings(), row.subject, row.html, row.text, test=row.test,
                           shared=shared)


def recipient(edition: PreparedEdition, delivery, campaign_id: int) -> Recipient:
    """One delivery's envelope: its address and the signed links that carry the campaign."""
    if delivery.subscriber_id is None:  # a test send: its links are in the edition
        return Recipient(delivery.email, None, {}, {}, edition.new_message_id())
    if delivery.link_key is None:  # the subscriber's row is gone: erased since planning
        raise LookupError("the subscriber was erased")
    urls, headers = links.campaign_links(delivery.subscriber_id, delivery.link_key,
                                         campaign_id)
    return Recipient(delivery.email, None, urls, headers, edition.new_message_id())


def personal(make: Callable[..., Recipient], *args) -> Recipient:
    """`make(*args)`: one recipient's envelope with their signed links and headers, or
    Poison saying why it cannot be made (a token that cannot be signed, a URL or a header
    value that cannot be built, a subscriber erased since the batch began)."""
    try:
        return make(*args)
    except Exception as error:  # noqa: BLE001 - whatever it is, it is this recipient's alone
        raise Poison(f"links or headers could not be made: {type(error).__name__}: "
                     f"{error}") from error


def build(edition: PreparedEdition, message: Recipient, outbox: Sender) -> tuple[bytes, str]:
    """The message, not yet signed, and the address it goes to, or Poison saying why it
    cannot be made. TemporaryFailure (the relay, asked about SMTPUTF8) passes through."""
    try:
        address = outbox.address(message.email)
    except Undeliverable as error:
        raise Poison(str(error)) from error
    try:
        raw = edition.assemble(message, address)
    except Exception as error:  # noqa: BLE001 - whatever it is, it is this message's alone
        raise Poison(f"message could not be built: {type(error).__name__}: {error}") from error
    return raw, address


def sign(signer: DkimSigner | None, raw: bytes) -> bytes:
    """The message with its DKIM signature (as it is without a signer), or Poison. Safe to
    run in several threads (`hashlib` lets go of the GIL while it hashes the body, and
    `cryptography` while it signs)."""
    if signer is None:
        return raw
    try:
        return signer.sign(raw)
    except Exception as error:  # noqa: BLE001
        raise Poison(f"DKIM signature failed: {type(error).__name__}: {error}") from error
