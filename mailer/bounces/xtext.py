"""How a DSN's recipient fields (RFC 3464 2.3.1, 2.3.2) write an address: xtext in an
rfc822 Original-Recipient, RFC 6533's `\\x{HEX}` in a utf-8 one, plain elsewhere.

Original-Recipient carries the ORCPT parameter of the RCPT command (RFC 3461 6.3(d)),
whose address is xtext (RFC 3461 4): a "+" and two upper-case hex digits stand for one
octet, and "+", "=" and anything outside "!".."~" are always so written. A relay adds
ORCPT=rfc822;jean+2Bnews@… for jean+news@… (RFC 3461 5.2.1(d)); what reports carry:

- Sendmail (savemail.c), Exim (deliver.c) and OpenSMTPD write the parameter as it came,
  still xtext: `Original-Recipient: rfc822;jean+2Bnews@…`;
- Postfix decodes it on receipt (smtpd.c, xtext_unquote) and writes it decoded:
  `Original-Recipient: rfc822;lea+2024@…` is the address itself, its `+20` no octet.

Final-Recipient is the address an MTA delivered to, never xtext in today's MTAs (early
Sendmail 8 releases wrote it so), and a literal "+" and two hex digits are common there
(a year as a tag): it is never decoded.
"""

from __future__ import annotations

import re

from mailer.bounces.reading import ADDRESS

# Well-formed xtext: xchars ("!".."~" but "+" and "=") and hexchars, and one hexchar at least.
_XTEXT = re.compile(r"[!-*,-<>-~]*(?:\+[0-9A-F]{2}[!-*,-<>-~]*)+")
_HEXCHAR = re.compile(rb"\+([0-9A-F]{2})")


def _must_encode(code: bytes) -> bool:
    """Whether an encoder writes this octet as a hexchar (RFC 3461 4): "+", "=" and what is
    outside "!".."~". A printable one ("+42", "+2E") is no encoder's: the address's own
    text, as Postfix writes it decoded (a tag reached through an alias); decoding it named
    another subscriber."""
    octet = int(code, 16)
    return octet in (0x2B, 0x3D) or not 0x21 <= octet <= 0x7E
# RFC 6533 3: a utf-8 address writes some characters (its "+" and "=" always) \x{HEX}.
_EMBEDDED = re.compile(r"\\x\{([0-9A-Fa-f]{1,6})\}")


def unxtext(value: str) -> str | None:
    """`value` decoded from xtext (RFC 3461 4); None when it is no well-formed xtext with a
    hexchar, has a hexchar no encoder writes (see _must_encode), or its octets are no
    UTF-8."""
    if not _XTEXT.fullmatch(value) or any(
            not _must_encode(code) for code in _HEXCHAR.findall(value.encode("ascii"))):
        return None
    octets = _HEXCHAR.sub(lambda m: bytes([int(m[1], 16)]), value.encode("ascii"))
    try:
        return octets.decode("utf-8")
    except UnicodeDecodeError:
        return None


def unescape_utf8(value: str) -> str:
    """A utf-8 address (RFC 6533 3) with its \\x{HEX} escapes read; the rest as written
    (raw UTF-8 is allowed as it is)."""
    return _EMBEDDED.sub(lambda m: chr(int(m[1], 16)) if int(m[1], 16) <= 0x10FFFF
                         else m[0], value)


def orcpt_address(written: str, final: str) -> str:
    """The address an rfc822 Original-Recipient names, `written` as it came and `final`
    the same report's Final-Recipient address ("" when none): decoded when it is xtext
    (Sendmail, Exim, OpenSMTPD) unless it is the Final-Recipient as written (then it is
    Postfix's decoded form: the delivered address itself, which no MTA writes in xtext),
    and unless its decoding is no address (a `+20` read as a space, a `+40` as a second
    "@": then it is the address's own text, as Postfix writes it)."""
    if written.lower() == final.lower():
        return written
    decoded = unxtext(written)
    return decoded if decoded is not None and ADDRESS.fullmatch(decoded) else written
