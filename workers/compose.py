"""One message for one delivery, or the reason it cannot be made (poison isolation).

Whatever goes wrong with one message (its edition, its signed links and headers, an
address the transport cannot carry, a value the assembly chokes on, a DKIM signature that
fails) is that message's alone: it becomes Poison, its delivery fails with the reason, and
the batch goes on.
"""

from __future__ import annotations

from collections.abc import Callable

from mailer.dkim import DkimSigner
from mailer.message import PreparedEdition, Recipient
from mailer.transport import Sender, Undeliverable


class Poison(Exception):
    """This one message cannot be sent: its delivery fails with this reason."""


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
    run in another thread: `cryptography` and `hashlib` let go of the GIL while they work."""
    if signer is None:
        return raw
    try:
        return signer.sign(raw)
    except Exception as error:  # noqa: BLE001
        raise Poison(f"DKIM signature failed: {type(error).__name__}: {error}") from error
