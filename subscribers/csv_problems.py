"""What can be wrong with a subscriber CSV, in the words of each staff language.

A problem is a code with its values, so that the command line prints it in English and the
console in the member's language; `FILE:LINE: field: reason` is the one written form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MESSAGES = {
    "en": {
        # Problems that reject the whole file (nothing is imported).
        "empty": "the file is empty",
        "workbook": "this is a spreadsheet workbook, not CSV; save it as \"CSV UTF-8\"",
        "mixed_encoding": "line {other} is UTF-8 but this line is not ({byte}): the file mixes "
                          "two encodings; save it again as \"CSV UTF-8\"",
        "bad_byte": "byte {byte} is not text in {encoding}; save the file as \"CSV UTF-8\"",
        "no_email_column": "no email column in the header ({header}); name one \"email\" "
                           "or \"courriel\"",
        "unknown_column": "unknown column {column!r}; rename or remove it (known: {known})",
        "duplicate_column": "two columns mean {column!r}; keep one",
        "heading_invisible": "this heading (column {column}) holds an invisible character, "
                             "{char}, at character {position} (pasted from a web page?): "
                             "type the heading again, or delete that character",
        "unclosed_quote": "a quoted cell is never closed (a missing \"); the rest of the file "
                          "would be one cell",
        "text_after_quote": "text after the closing quote of a cell; double a quote inside "
                            "a quoted cell (\"\")",
        "cell_too_long": "a cell longer than {limit} characters (often a quote never closed)",
        "month_first": "dates are written month/day/year here ({value}); write them "
                       "day/month/year or as 2026-11-15",
        # Problems of one row (that row is left out, the others are imported).
        "email_invalid": "not a valid address: {value!r}",
        "email_too_long": "{value!r} is too long before the @ ({length} bytes, at most 64): "
                          "check the address",
        "email_mailto": "{value!r} is a link: write the address alone, {address}",
        "email_display_name": "{value!r} holds a name: write the address alone, {address}, "
                              "and the name in the name column",
        "email_invisible": "an invisible character, {char}, at character {position} of "
                           "'{value}': type the address again",
        "email_quoted": "{value!r} has a quoted part before the @, which most mail servers "
                        "cannot deliver to (nor does the signup form take it): ask the "
                        "person for another address",
        "language_invalid": "{value!r} is not one of {languages}; write one of them, or "
                            "leave the cell empty",
        "name_invalid": "a line break, a control character or more than 200 characters; "
                        "write the name on one line, at most 200 characters",
        "name_invisible": "an invisible character, {char}, at character {position} (pasted "
                          "with the name?): delete it, or type the name again",
        "text_invalid": "a control character or more than {limit} characters; remove the "
                        "character, or shorten the text",
        "source_reserved": "{value!r} marks the sample subscribers `infolettre demo` makes "
                           "up; write where the person consented (a fair, a form, a list)",
        "ip_invalid": "{value!r} is not an IP address; write one (192.0.2.10, 2001:db8::1) "
                      "or leave the cell empty",
        "date_invalid": "{value!r} is not a date; write it day/month/year (15/11/2025), "
                        "2025-11-15 or 15 November 2025",
        "date_partial": "{value!r} lacks its day, month or year; write the whole date, "
                        "e.g. 15/11/2025",
        "date_too_old": "{value!r} is before 1970, too old for a consent date (01/01/1900 is "
                        "how a spreadsheet shows an empty date); write the day the person "
                        "consented, or leave the cell empty (the row is then "
                        "imported as pending)",
        "date_future": "{value!r} is in the future; write the day the person consented",
        "status_invalid": "{value!r} is not one of {statuses}; write one of them, or leave "
                          "the cell empty",
        "duplicate": "same address as line {first} ({value}): this row is left out; merge "
                     "the two rows, or delete this one",
        "too_many_cells": "{cells} cells where the header has {columns}; quote a cell that "
                          "holds the separator",
    },
    "fr": {
        "empty": "le fichier est vide",
        "workbook": "c'est un classeur de tableur, pas un CSV ; enregistrez-le en "
                    "« CSV UTF-8 »",
        "mixed_encoding": "la ligne {other} est en UTF-8 mais pas celle-ci ({byte}) : le "
                          "fichier mélange deux encodages ; enregistrez-le à nouveau en "
                          "« CSV UTF-8 »",
        "bad_byte": "l'octet {byte} n'est pas du texte en {encoding} ; enregistrez le fichier "
                    "en « CSV UTF-8 »",
        "no_email_column": "aucune colonne d'adresse dans l'en-tête ({header}) ; nommez-en "
                           "une « courriel » ou « email »",
        "unknown_column": "colonne inconnue « {column} » ; renommez-la ou supprimez-la "
                          "(colonnes connues : {known_fr})",
        "duplicate_column": "deux colonnes signifient « {column} » ; gardez-en une",
        "heading_invisible": "cet en-tête (colonne {column}) contient un caractère "
                             "invisible, {char}, au caractère {position} (collé depuis une "
                             "page web ?) : retapez l'en-tête, ou supprimez ce caractère",
        "unclosed_quote": "une cellule entre guillemets n'est jamais fermée (un \" manque) ; "
                          "le reste du fichier ne formerait qu'une cellule",
        "text_after_quote": "du texte suit le guillemet fermant d'une cellule ; doublez un "
                            "guillemet à l'intérieur d'une cellule (\"\")",
        "cell_too_long": "une cellule de plus de {limit} caractères (souvent un guillemet "
                         "jamais fermé)",
        "month_first": "les dates sont écrites mois/jour/année ({value}) ; écrivez-les "
                       "jour/mois/année ou 2026-11-15",
        "email_invalid": "adresse non valide : « {value} »",
        "email_too_long": "« {value} » est trop longue avant le @ ({length} octets, 64 au "
                          "plus) : vérifiez l'adresse",
        "email_mailto": "« {value} » est un lien : écrivez l'adresse seule, {address}",
        "email_display_name": "« {value} » contient un nom : écrivez l'adresse seule, "
                              "{address}, et le nom dans la colonne du nom",
        "email_invisible": "un caractère invisible, {char}, au caractère {position} de "
                           "« {value} » : retapez l'adresse",
        "email_quoted": "« {value} » met entre guillemets la partie avant le @, que la "
                        "plupart des serveurs de courriel ne savent pas livrer (le formulaire "
                        "d'inscription la refuse aussi) : demandez une autre adresse à la "
                        "personne",
        "language_invalid": "« {value} » n'est pas l'une des langues {languages} ; "
                            "écrivez l'une d'elles, ou laissez la cellule vide",
        "name_invalid": "un saut de ligne, un caractère de contrôle ou plus de 200 "
                        "caractères ; écrivez le nom sur une ligne, en 200 caractères au plus",
        "name_invisible": "un caractère invisible, {char}, au caractère {position} (collé "
                          "avec le nom ?) : supprimez-le, ou retapez le nom",
        "text_invalid": "un caractère de contrôle ou plus de {limit} caractères ; "
                        "supprimez le caractère, ou raccourcissez le texte",
        "source_reserved": "« {value} » désigne les abonné·es d'exemple qu'invente "
                           "`infolettre demo` ; écrivez où la personne a consenti (un salon, "
                           "un formulaire, une liste)",
        "ip_invalid": "« {value} » n'est pas une adresse IP ; écrivez-en une (192.0.2.10, "
                      "2001:db8::1) ou laissez la cellule vide",
        "date_invalid": "« {value} » n'est pas une date ; écrivez-la jour/mois/année "
                        "(15/11/2025), 2025-11-15 ou 15 novembre 2025",
        "date_partial": "il manque à « {value} » le jour, le mois ou l'année ; écrivez la "
                        "date entière, par exemple 15/11/2025",
        "date_too_old": "« {value} » est antérieure à 1970, trop ancienne pour une date de "
                        "consentement (01/01/1900 est la façon dont un tableur montre une date "
                        "vide) ; écrivez le jour du consentement, ou laissez la cellule vide (la "
                        "ligne est alors importée en attente)",
        "date_future": "« {value} » est dans le futur ; écrivez le jour du consentement",
        "status_invalid": "« {value} » n'est pas l'un des états {statuses} ; écrivez l'un "
                          "d'eux, ou laissez la cellule vide",
        "duplicate": "même adresse qu'à la ligne {first} ({value}) : cette ligne est ignorée ; "
                     "fusionnez les deux lignes, ou supprimez celle-ci",
        "too_many_cells": "{cells} cellules alors que l'en-tête en a {columns} ; mettez entre "
                          "guillemets une cellule qui contient le séparateur",
    },
}


@dataclass(frozen=True)
class Problem:
    """One problem: its line (0: the whole file), the column it concerns, a code of
    MESSAGES and the values its message names."""

    line: int
    field: str
    code: str
    values: dict = field(default_factory=dict, compare=False, hash=False)

    def reason(self, language: str = "en") -> str:
        messages = MESSAGES.get(language, MESSAGES["en"])
        return messages.get(self.code, MESSAGES["en"][self.code]).format(**self.values)

    def located(self, file: str, language: str = "en") -> str:
        """`FILE:LINE: field: reason`, the form of every problem the project reports."""
        where = f"{file}:{self.line}" if self.line else file
        column = f" {self.field}:" if self.field else ""
        return f"{where}:{column} {self.reason(language)}"


class FileRejected(ValueError):
    """The file cannot be imported at all; nothing of it was saved."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.located("file"))
        self.problem = problem
