"""An address as it goes on the wire: internationalised domains (RFC 5890) in IDNA 2008
A-labels, a non-ASCII local part only where the transport carries UTF-8 (SMTPUTF8,
RFC 6531). Whether an address is acceptable at all is decided once, at the door
(subscribers.validation.check_email, with email-validator); this only translates it.
"""

from __future__ import annotations

import unicodedata

import idna

# What an address without quotes never holds (RFC 5321 4.1.2, RFC 5322 3.2.3): a row stored
# before today's checks with one of these would break the envelope or inject a header.
_SPECIALS = frozenset('<>()[]\\,;:@"')


def _stray(part: str) -> str | None:
    """The first character of `part` that no unquoted address holds, named."""
    for char in part:
        if char in _SPECIALS:
            return repr(char)
        if unicodedata.category(char)[0] in "CZ":  # controls, format marks, spaces, lines
            return f"U+{ord(char):04X} ({unicodedata.name(char, 'a control character')})"
    return None


class Undeliverable(ValueError):
    """This one address cannot be sent to by this transport; the message says why."""


def wire_form(address: str, utf8: bool) -> str:
    """`local@domain` with the domain in A-labels (`lea@xn--bcher-kva.example`).

    `utf8`: the transport accepts a UTF-8 local part (SMTPUTF8). Raises Undeliverable for
    a domain that is not a valid IDNA 2008 name, or a non-ASCII local part without UTF-8.
    """
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise Undeliverable(f"{address!r} is not an address (local@domain)")
    stray = _stray(local) or _stray(domain)
    if stray:
        raise Undeliverable(f"{address!r} is not an address (local@domain): it holds {stray}")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise Undeliverable(f"{address}: the domain is not a valid IDNA 2008 name "
                                f"({error})") from None
    if not local.isascii() and not utf8:
        raise Undeliverable(f"{address}: a non-ASCII local part needs a relay that offers "
                            "SMTPUTF8 (RFC 6531), and this relay does not")
    return f"{local}@{domain}"
