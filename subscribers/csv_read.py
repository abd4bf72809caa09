"""Reading a subscriber CSV as offices save them: its encoding, its separator, its headers.

Encoding: a byte-order mark decides; otherwise a strict UTF-8 check of every line (UTF-8
never puts a newline byte inside a character, so each line is checked alone and a problem
has its line); a file that is not UTF-8 is a legacy 8-bit one, which charset-normalizer
names from its non-ASCII lines (Windows-1252, the default of a French spreadsheet's
"CSV", when in doubt). A file in which some lines are UTF-8 and others are not is refused:
decoding it either way would corrupt names silently.

Dialect: RFC 4180 (fields quoted with `"`, a quote inside doubled); only the separator is
guessed: the one under which a sample of whole lines reads as a table with an email column
(`csv.Sniffer`, which counts separators beside quotes, only breaks a tie).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

import charset_normalizer

from mailer.invisible import hidden_in_name
from mailer.utf16 import utf16_codec
from subscribers.csv_problems import FileRejected, Problem

# header, as written once lower-cased and stripped of accents and punctuation -> field
COLUMNS = {
    "email": "email", "e_mail": "email", "mail": "email", "courriel": "email",
    "adresse_courriel": "email", "adresse_electronique": "email",
    "adresse_e_mail": "email", "email_address": "email",
    "language": "language", "lang": "language", "langue": "language",
    "name": "name", "nom": "name", "nom_complet": "name", "full_name": "name",
    "last_name": "name", "nom_de_famille": "name", "surname": "name",
    # A first name column (French spreadsheets' `Prénom` beside `Nom`) goes before the name.
    "first_name": "first_name", "firstname": "first_name", "given_name": "first_name",
    "prenom": "first_name",
    "consent_date": "consent_at", "consent_at": "consent_at",
    "date_consentement": "consent_at", "date_du_consentement": "consent_at",
    # A signup date, in a list whose people signed up themselves, is the day they consented.
    "date_d_inscription": "consent_at", "date_inscription": "consent_at",
    "signup_date": "consent_at", "subscription_date": "consent_at",
    "consent_source": "consent_source", "source_consentement": "consent_source",
    "source": "consent_source", "origine": "consent_source",
    "consent_text": "consent_text", "texte_consentement": "consent_text",
    "consent_ip": "consent_ip", "ip_consentement": "consent_ip",
    "status": "status", "etat": "status", "statut": "status",
}
# The headings an unknown column's message proposes, in each staff language.
KNOWN = {"known": "email, language, name, first_name, consent_date, consent_source, "
                  "consent_text, status",
         "known_fr": "courriel, langue, nom, prénom, date_consentement, source_consentement, "
                     "texte_consentement, statut"}
# Columns of our own export that an import has no use for: read back without complaint.
IGNORED = {"id", "created_at", "updated_at", "confirmed_at", "unsubscribed_at",
           "bounce_score", "last_bounce_at"}
SEPARATORS = ",;\t|"
SAMPLE_CHARS = 64 * 1024
LEGACY = ["cp1252", "iso8859_15", "mac_roman", "cp850"]  # what offices' tools write
MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx/.ods (zip), .xls (OLE)


def column_key(header: str) -> str:
    """`Adresse électronique` -> `adresse_electronique`: how a header is looked up."""
    plain = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def detect_encoding(path: Path) -> str:
    """The codec of `path`; FileRejected for an empty file, a workbook or mixed encodings."""
    with path.open("rb") as stream:
        head = stream.read(4)
        if not head:
            raise FileRejected(Problem(0, "", "empty"))
        if head.startswith(MAGIC):
            raise FileRejected(Problem(0, "", "workbook"))
        wide = utf16_codec(head)
        if wide:
            return wide
        bom = head.startswith(codecs.BOM_UTF8)
        stream.seek(len(codecs.BOM_UTF8) if bom else 0)
        utf8_line = 0
        legacy: list[bytes] = []
        for number, line in enumerate(stream, 1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                utf8_line = utf8_line or number
            except UnicodeDecodeError as error:
                if bom or utf8_line:
                    raise _mixed(number, line, error, utf8_line, bom) from None
                if sum(map(len, legacy)) < SAMPLE_CHARS:
                    legacy.append(line)
                legacy_line = number
            if legacy and utf8_line:
                raise _mixed(legacy_line, None, None, utf8_line, bom)
    if not legacy:
        return "utf-8-sig" if bom else "utf-8"
    guess = charset_normalizer.from_bytes(b"".join(legacy), cp_isolation=LEGACY).best()
    return guess.encoding if guess is not None else "cp1252"


def _mixed(number: int, line: bytes | None, error, utf8_line: int, bom: bool) -> FileRejected:
    byte = f"0x{line[error.start]:02x}" if line is not None else "not UTF-8"
    if bom and not utf8_line:
        return FileRejected(Problem(number, "", "bad_byte", {"byte": byte,
                                                              "encoding": "UTF-8"}))
    return FileRejected(Problem(number, "", "mixed_encoding", {"other": utf8_line,
                                                                "byte": byte}))


_CR_ALONE = re.compile(r"(?<=\r)(?!\n)(?=.)", re.DOTALL)


def decoded_lines(path: Path, encoding: str) -> Iterator[str]:
    """The file's lines as text, each with its line ending (csv needs them)."""
    if encoding.startswith("utf-16"):  # a newline byte may sit inside a character
        with path.open(encoding=encoding, newline="") as stream:
            yield from stream
        return
    with path.open("rb") as stream:
        for number, line in enumerate(stream, 1):
            try:
                text = line.decode(encoding)
            except UnicodeDecodeError as error:
                raise FileRejected(Problem(number, "", "bad_byte", {
                    "byte": f"0x{line[error.start]:02x}", "encoding": encoding})) from None
            text = text[1:] if number == 1 and text.startswith("\ufeff") else text
            # A classic Mac export ends its lines with CR alone: csv would read the whole
            # file as one line with a line break in a cell.
            yield from _CR_ALONE.split(text) if "\r" in text[:-2] else (text,)


def sniff_separator(path: Path, encoding: str) -> str:
    """The separator of `path`: of SEPARATORS, the one that reads up to SAMPLE_CHARS of
    whole lines best, by _fit (quotes understood, so a quoted `"a;b"` cell cannot vote);
    `csv.Sniffer`'s guess breaks a tie. Without an email column in any reading, the one
    that reads the rest best: header_fields then names the header's unknown columns."""
    sample = []
    size = 0
    for line in decoded_lines(path, encoding):
        sample.append(line)
        size += len(line)
        if size > SAMPLE_CHARS:
            break
    text = "".join(sample)[: 2 * SAMPLE_CHARS]  # one endless line stays a sample
    hint = _SEP_HINT.fullmatch(sample[0].rstrip("\r\n")) if sample else None
    if hint and hint[1] in SEPARATORS:
        return hint[1]
    guess = ","
    with contextlib.suppress(csv.Error):  # one column, or too few lines to tell
        guess = csv.Sniffer().sniff(text, SEPARATORS).delimiter
    fits = {separator: _fit(text, separator, whole=size <= SAMPLE_CHARS)
            for separator in SEPARATORS}
    return max(SEPARATORS, key=lambda separator: (fits[separator], separator == guess))


def _fit(text: str, separator: str, whole: bool) -> tuple[bool, bool, int, int]:
    """How well `separator` reads `text`, best highest: whether its header names an email
    column (in a cell without another separator: `email;` read with `,` is no header),
    whether every record is well formed, how many records have no more cells than the
    header, and the header's width (a separator the header holds beats one it lacks).
    csv.Sniffer alone counts separators beside quotes, and `"a;b"` fooled it."""
    reader = csv.reader(io.StringIO(text), delimiter=separator, strict=True)
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), [])
    except csv.Error:
        return False, False, 0, 0
    named = any(COLUMNS.get(column_key(cell)) == "email" and not set(cell) & set(SEPARATORS)
                for cell in header)
    fitting, formed = 0, True
    try:
        for row in reader:
            fitting += not any(cell.strip() for cell in row[len(header):])
    except csv.Error:  # a sample cut inside a quoted cell is no fault of the separator
        formed = not whole and reader.line_num >= text.count("\n")
    return named, formed, fitting, len(header)


# Excel's separator hint, a first line `sep=;` (quoted by some tools): Excel opens the
# file with that separator, and writes the line when saving it again.
_SEP_HINT = re.compile(r'"?sep=(.)"?', re.IGNORECASE)


def header_row(rows: Iterator[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    """The first record with a cell that is not blank (blank lines above a header are
    common in exports) and that is not Excel's `sep=` line, as (line, cells); (1, []) for
    a file without one."""
    for line, row in rows:
        cells = [cell for cell in row if cell.strip()]
        if cells and not (line == 1 and len(cells) == 1 and
                          re.fullmatch(r"sep=.?", cells[0], re.IGNORECASE)):
            return line, row
    return 1, []


def records(lines: Iterable[str], separator: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each record, RFC 4180; FileRejected for a broken structure."""
    reader = csv.reader(lines, delimiter=separator, quotechar='"', doublequote=True,
                        skipinitialspace=False, strict=True)
    end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileRejected(_structure(end + 1, str(error))) from None
        # A quoted cell may span lines: a row is named by the line where it starts.
        start, end = end + 1, reader.line_num
        yield start, row


def _structure(line: int, message: str) -> Problem:
    if "field larger than field limit" in message:
        return Problem(line, "", "cell_too_long", {"limit": f"{csv.field_size_limit():,}"})
    if "expected after" in message:
        return Problem(line, "", "text_after_quote")
    return Problem(line, "", "unclosed_quote")


def header_fields(header: list[str], line: int) -> list[str | None]:
    """Each column's field (None: a column of ours the import ignores); FileRejected for
    a heading that is unknown, given twice or holds an invisible character."""
    fields: list[str | None] = []
    for number, cell in enumerate(header, 1):
        _visible(cell.strip(), number, line)
        key = column_key(cell)
        if key in IGNORED or (not key and not cell.strip()):
            fields.append(None)
        elif key in COLUMNS:
            if COLUMNS[key] in fields:
                raise FileRejected(Problem(line, "", "duplicate_column", {"column": cell}))
            fields.append(COLUMNS[key])
        else:
            raise FileRejected(Problem(line, "", "unknown_column",
                                       {"column": cell, **KNOWN}))
    if "email" not in fields:
        raise FileRejected(Problem(line, "", "no_email_column", {"header": ", ".join(header)}))
    return fields


def _visible(heading: str, number: int, line: int) -> None:
    """FileRejected for a heading that holds a character that shows nothing (a soft hyphen,
    a zero-width space: pasted from a web page). column_key dropped them, or they made
    `Adresse\u00adélectronique` an unknown column named as it looks; the file is refused
    with the column, the character and its place, not imported with a column guessed."""
    hidden = hidden_in_name(heading)
    if hidden:
        index, char = hidden
        shown = "".join(c for c in heading if not hidden_in_name(c))
        raise FileRejected(Problem(line, shown, "heading_invisible", {
            "column": number, "char": char, "position": index + 1}))
