"""Subscriber CSV files as the world writes them: whole or not at all, every row its line.

The files in tests/data came from the field (a spreadsheet's "CSV (Windows)", RFC 4180
quotes, international addresses); the others are built here after the ways other systems
failed: a bad byte far down a big file, mixed encodings, an unclosed quote, a huge cell, a
workbook instead of a CSV, month-first dates, formulas.
"""

from __future__ import annotations

import codecs
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mailer import db
from subscribers.csv_import import import_csv, survey
from subscribers.csv_problems import FileRejected
from subscribers.models import Status, Subscriber

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _settings(tmp_path, monkeypatch):
    from mailer.settings import get_settings

    monkeypatch.setenv("INFOLETTRE_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def names(url: str) -> dict[str, str | None]:
    with db.session_scope(url) as session:
        return dict(session.execute(select(Subscriber.email, Subscriber.name)).all())


def count(url: str) -> int:
    with db.session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(Subscriber))


def rejected(url: str, path: Path) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        import_csv(partial(db.session_scope, url), path)
    assert count(url) == 0  # nothing of a rejected file is saved
    return caught.value


def test_a_spreadsheets_windows_1252_file_imports_whole(sqlite_url):
    report = import_csv(partial(db.session_scope, sqlite_url),
                        DATA / "windows1252-accent-row-650.csv")
    assert (report.subscribed, report.errors) == (700, [])
    assert report.layout.encoding_name == "Windows-1252" and report.layout.separator == ";"
    assert names(sqlite_url)["p0650@example.org"] == "José García"


def test_rfc_4180_quotes_and_commas(sqlite_url):
    report = import_csv(partial(db.session_scope, sqlite_url), DATA / "rfc4180-doubled-quotes.csv")
    assert (report.subscribed, report.errors) == (3, [])
    assert names(sqlite_url) == {"jean.dupont@example.org": 'Jean "JJ" Dupont',
                                 "marie.curie@example.org": "Curie, Marie",
                                 "o.neil@example.org": "Siobhán \"Shiv\" O'Neil, PhD"}


def test_international_addresses_are_kept_as_written(sqlite_url):
    report = import_csv(partial(db.session_scope, sqlite_url),
                        DATA / "international-addresses.csv")
    assert (report.subscribed, report.errors) == (4, [])
    assert {"zoé.lefèvre@example.org", "lea@bücher.example"} <= set(names(sqlite_url))


def big_file(path: Path, bad_row: int, bad: bytes, rows: int = 100_000,
             accent: bytes = b"") -> Path:
    with path.open("wb") as out:
        out.write(b"email,name,language,consent_date\n")
        for n in range(1, rows + 1):
            name = bad if n == bad_row else (accent if n == 10 else b"Person %d" % n)
            out.write(b"p%d@example.org,%s,fr,2026-01-15\n" % (n, name))
    return path


def test_an_accent_near_row_95000_imports_all_100000_rows(sqlite_url, tmp_path):
    path = big_file(tmp_path / "big.csv", 95_000, "Hélène".encode("cp1252"))
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert (report.subscribed, report.errors) == (100_000, [])
    with db.session_scope(sqlite_url) as session:
        assert session.scalar(select(Subscriber.name).where(
            Subscriber.email == "p95000@example.org")) == "Hélène"


@pytest.mark.parametrize(("bad", "accent", "code"), [
    # UTF-8 names above, one Windows-1252 byte far below: decoding either way corrupts one.
    ("Hélène".encode("cp1252"), "Zoé".encode(), "mixed_encoding"),
    (b'"Never closed', b"", "cell_too_long"),  # the rest of the file would be one cell
    (b'"Closed" then text', b"", "text_after_quote"),
])
def test_a_fatal_problem_near_row_95000_saves_nothing(sqlite_url, tmp_path, bad, accent, code):
    path = big_file(tmp_path / "big.csv", 95_000, bad, accent=accent)
    problem = rejected(sqlite_url, path).problem
    assert (problem.code, problem.line) == (code, 95_001)
    assert problem.located("big.csv").startswith("big.csv:95001: ")


def test_a_quote_never_closed_at_the_end(sqlite_url, tmp_path):
    path = tmp_path / "open.csv"
    path.write_text('email,name\na@example.org,A\nb@example.org,"B\nc@example.org,C\n')
    problem = rejected(sqlite_url, path).problem
    assert (problem.code, problem.line) == ("unclosed_quote", 3)


def test_a_cell_longer_than_the_csv_limit_is_named_with_its_line(sqlite_url, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("email,name\na@example.org,A\nb@example.org," + "x" * 200_000 + "\n")
    problem = rejected(sqlite_url, path).problem
    assert (problem.code, problem.line) == ("cell_too_long", 3)
    assert "131,072" in problem.reason()


def test_what_a_french_office_produces(sqlite_url, tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes(
        "Courriel;Nom;Langue;Date_consentement;Source consentement\r\n"
        "helene@example.org;Hélène Bérard;français;15/11/2025;Salon de Lyon\r\n"
        "tom@example.org;Tom;anglais;03/04/2025 14:30;\r\n"
        "pas-une-adresse;Élise;fr;01/02/2025;\r\n"
        "zoe@example.org;Zoé;fr;31/02/2025;\r\n".encode("cp1252"))
    report = import_csv(partial(db.session_scope, sqlite_url), path, name="liste.csv",
                        zone="Europe/Paris")
    assert report.subscribed == 2
    with db.session_scope(sqlite_url) as session:
        helene, tom = session.scalars(select(Subscriber).order_by(Subscriber.email)).all()
        assert (helene.name, helene.language, helene.consent_source) == (
            "Hélène Bérard", "fr", "Salon de Lyon")
        assert helene.consent_at.isoformat() == "2025-11-14T23:00:00+00:00"
        assert tom.language == "en" and tom.consent_at.isoformat() == "2025-04-03T12:30:00+00:00"
        assert tom.consent_source == "import:liste.csv"
    assert [p.located("liste.csv", "fr") for p in report.errors] == [
        "liste.csv:4: Courriel: adresse non valide : « pas-une-adresse »",
        "liste.csv:5: Date_consentement: « 31/02/2025 » n'est pas une date ; écrivez-la "
        "jour/mois/année (15/11/2025), 2025-11-15 ou 15 novembre 2025"]


def test_month_first_dates_reject_the_file(sqlite_url, tmp_path):
    path = tmp_path / "us.csv"
    path.write_text("email,consent_date\na@example.org,03/04/2025\nb@example.org,11/15/2025\n")
    problem = rejected(sqlite_url, path).problem
    assert (problem.code, problem.line, problem.field) == ("month_first", 3, "consent_date")


def test_dates_beyond_the_calendar_after_their_zone_reject_their_row(sqlite_url, tmp_path):
    # 0001-01-01 in Paris is before year 1 in UTC: astimezone raised OverflowError.
    path = tmp_path / "edges.csv"
    path.write_text("email,consent_date\na@example.org,0001-01-01\n"
                    "b@example.org,9999-12-31T23:00:00-05:00\nc@example.org,2025-01-02\n")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert [(p.line, p.field, p.code) for p in report.errors] == [
        (2, "consent_date", "date_too_old"), (3, "consent_date", "date_future")]
    assert list(names(sqlite_url)) == ["c@example.org"]


def test_an_offset_of_a_day_or_more_is_its_rows_bad_date(sqlite_url, tmp_path):
    # dateutil reads +25:00, which no datetime can use: its ValueError ("offset must be a
    # timedelta strictly between ...") was taken for a problem code, a KeyError after the
    # good rows were saved.
    path = tmp_path / "e3.csv"
    path.write_text("email,language,consent_date\ngood1@example.org,fr,2026-11-15\n"
                    "bad1@example.org,fr,2026-11-15T10:00+25:00\n"
                    "good2@example.org,fr,2026-11-15\nbad2@example.org,fr,2025-11-15 -2400\n")
    report = import_csv(partial(db.session_scope, sqlite_url), path, name="e3.csv")
    assert [p.located("e3.csv") for p in report.errors] == [
        "e3.csv:3: consent_date: '2026-11-15T10:00+25:00' is not a date; write it "
        "day/month/year (15/11/2025), 2025-11-15 or 15 November 2025",
        "e3.csv:5: consent_date: '2025-11-15 -2400' is not a date; write it "
        "day/month/year (15/11/2025), 2025-11-15 or 15 November 2025"]
    assert sorted(names(sqlite_url)) == ["good1@example.org", "good2@example.org"]


def test_unambiguous_dates_are_read_and_the_others_say_what_is_wrong(sqlite_url, tmp_path):
    # 2025/11/15, month names and a spreadsheet's serial 45976 were "not a date"; so was
    # 01/01/1900, which is only too old.
    path = tmp_path / "dates.csv"
    path.write_text("email,consent_date\n"
                    "a@example.org,2025/11/15\nb@example.org,15 novembre 2025\n"
                    "c@example.org,15 November 2025\nd@example.org,45976\n"
                    "e@example.org,le 1er décembre 2024\nf@example.org,15 janv. 2025 14h30\n"
                    "g@example.org,01/01/1900\nh@example.org,novembre 2025\n"
                    "i@example.org,2025/15/11\nj@example.org,31 février 2025\n"
                    "k@example.org,15/11/2099\n", encoding="utf-8")
    report = import_csv(partial(db.session_scope, sqlite_url), path, name="dates.csv",
                        zone="Europe/Paris")
    with db.session_scope(sqlite_url) as session:
        read = dict(session.execute(select(Subscriber.email, Subscriber.consent_at)).all())
    assert {email[0]: f"{moment:%Y-%m-%d %H:%M}" for email, moment in read.items()} == {
        "a": "2025-11-14 23:00", "b": "2025-11-14 23:00", "c": "2025-11-14 23:00",
        "d": "2025-11-14 23:00", "e": "2024-11-30 23:00", "f": "2025-01-15 13:30"}
    assert [p.located("dates.csv") for p in report.errors] == [
        "dates.csv:8: consent_date: '01/01/1900' is before 1970, too old for a consent date "
        "(01/01/1900 is how a spreadsheet shows an empty date); write the day the person "
        "consented, or leave the cell empty (the row is then imported as pending)",
        "dates.csv:9: consent_date: 'novembre 2025' lacks its day, month or year; write the "
        "whole date, e.g. 15/11/2025",
        "dates.csv:10: consent_date: '2025/15/11' is not a date; write it day/month/year "
        "(15/11/2025), 2025-11-15 or 15 November 2025",
        "dates.csv:11: consent_date: '31 février 2025' is not a date; write it day/month/year "
        "(15/11/2025), 2025-11-15 or 15 November 2025",
        "dates.csv:12: consent_date: '15/11/2099' is in the future; write the day the person "
        "consented"]
    assert [p.located("dates.csv", "fr") for p in report.errors] == [
        "dates.csv:8: consent_date: « 01/01/1900 » est antérieure à 1970, trop ancienne pour "
        "une date de consentement (01/01/1900 est la façon dont un tableur montre une date "
        "vide) ; écrivez le jour du consentement, ou laissez la cellule vide (la ligne est "
        "alors importée en attente)",
        "dates.csv:9: consent_date: il manque à « novembre 2025 » le jour, le mois ou l'année ; "
        "écrivez la date entière, par exemple 15/11/2025",
        "dates.csv:10: consent_date: « 2025/15/11 » n'est pas une date ; écrivez-la "
        "jour/mois/année (15/11/2025), 2025-11-15 ou 15 novembre 2025",
        "dates.csv:11: consent_date: « 31 février 2025 » n'est pas une date ; écrivez-la "
        "jour/mois/année (15/11/2025), 2025-11-15 ou 15 novembre 2025",
        "dates.csv:12: consent_date: « 15/11/2099 » est dans le futur ; écrivez le jour du "
        "consentement"]


@pytest.mark.parametrize(("encoding", "separator"), [
    ("utf-8-sig", ","), ("utf-16", "\t"), ("cp1252", "\t"), ("utf-8", "|")])
def test_encodings_and_separators_of_spreadsheets(sqlite_url, tmp_path, encoding, separator):
    path = tmp_path / "list.csv"
    lines = [["email", "name", "language"], ["ana@example.org", "Ana, Łucja" if
              encoding != "cp1252" else "Ana, Noël", "fr"], ["ben@example.org", "Ben", "en"]]
    text = "\r\n".join(separator.join(f'"{cell}"' if "," in cell else cell for cell in line)
                       for line in lines)
    path.write_bytes(text.encode(encoding))
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert (report.pending, report.errors) == (2, [])
    assert names(sqlite_url)["ana@example.org"].startswith("Ana, ")


def test_a_workbook_or_an_empty_file_is_refused_in_words(sqlite_url, tmp_path):
    workbook = tmp_path / "list.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    assert rejected(sqlite_url, workbook).problem.code == "workbook"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert rejected(sqlite_url, empty).problem.code == "empty"


def test_a_utf8_file_marked_as_such_with_a_bad_byte_is_refused(sqlite_url, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"email,name\na@example.org,Ana\nb@example.org,Ren\xe9\n")
    problem = rejected(sqlite_url, path).problem
    assert (problem.code, problem.line) == ("bad_byte", 3)
    assert "0xe9" in problem.reason()


def test_control_characters_reject_the_row_on_every_database(database_url, tmp_path):
    path = tmp_path / "nul.csv"
    path.write_text("email,name,consent_source\nnul@example.org,A\x00B,x\n"
                    "ok@example.org,Ok,\x07salon\nfine@example.org,Fine,\n")
    report = import_csv(partial(db.session_scope, database_url), path)
    assert [(p.line, p.field) for p in report.errors] == [(2, "name"), (3, "consent_source")]
    assert list(names(database_url)) == ["fine@example.org"]


def test_the_demos_mark_is_refused_as_a_consent_source(sqlite_url, tmp_path):
    """"demo data" marks the samples `infolettre demo` makes up (and mails): a real person
    imported under it would be taken for one."""
    path = tmp_path / "mark.csv"
    path.write_text("email,name,consent_date,consent_source\n"
                    "a@example.net,A,2025-11-15,demo data\n"
                    "b@example.net,B,2025-11-15, Demo  DATA\n"
                    "c@example.net,C,2025-11-15,demo day in Lyon\n")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert [(p.line, p.field, p.code) for p in report.errors] == [
        (2, "consent_source", "source_reserved"), (3, "consent_source", "source_reserved")]
    assert "infolettre demo" in report.errors[0].reason("fr")
    assert list(names(sqlite_url)) == ["c@example.net"]


def test_the_survey_of_a_big_file_is_one_quick_pass(tmp_path):
    path = big_file(tmp_path / "big.csv", 95_000, b"Person")
    layout = survey(path)
    assert (layout.rows, layout.encoding, layout.separator) == (100_000, "utf-8", ",")


def test_a_status_column_keeps_people_who_left_out(sqlite_url, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("id,email,status,consent_at\n1,a@example.org,pending,2025-01-01\n"
                    "2,b@example.org,unsubscribed,2025-01-01\n3,c@example.org,bounced,\n"
                    "4,d@example.org,subscribed,\n5,e@example.org,gone,\n")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    # The bounced row is suppressed too: counted as such, not as "kept unsubscribed".
    assert (report.subscribed, report.pending, report.unsubscribed, report.bounced,
            report.complained) == (0, 2, 1, 1, 0)
    assert [(p.line, p.code) for p in report.errors] == [(6, "status_invalid")]
    with db.session_scope(sqlite_url) as session:
        statuses = dict(session.execute(select(Subscriber.email, Subscriber.status)).all())
    assert statuses == {"a@example.org": Status.PENDING, "b@example.org": Status.UNSUBSCRIBED,
                        "c@example.org": Status.BOUNCED, "d@example.org": Status.PENDING}


def test_a_status_column_in_french(sqlite_url, tmp_path):
    # French headings were read, but désabonné, rebond… refused as statuses.
    said = {"a": ("Abonné·e", Status.SUBSCRIBED), "b": ("désabonné(e)", Status.UNSUBSCRIBED),
            "c": ("rebond", Status.BOUNCED), "d": ("plainte", Status.COMPLAINED),
            "e": ("en attente", Status.PENDING)}
    rows = [f"{who}@example.org;{word};2025-01-01" for who, (word, _) in said.items()]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(["courriel;statut;date_consentement", *rows]), encoding="utf-8")
    assert import_csv(partial(db.session_scope, sqlite_url), path).errors == []
    with db.session_scope(sqlite_url) as session:
        statuses = dict(session.execute(select(Subscriber.email, Subscriber.status)).all())
    assert statuses == {f"{who}@example.org": status for who, (_, status) in said.items()}


def test_a_signup_during_the_import_leaves_that_address_alone(sqlite_url, tmp_path, monkeypatch):
    from subscribers import csv_import

    with db.session_scope(sqlite_url) as session:
        session.add(Subscriber(email="race@example.org", language="en", status=Status.PENDING))
    real, calls = csv_import._known, []

    def late(session, emails):  # as if the signup committed just after the lookup
        calls.append(emails)
        return set() if len(calls) == 1 else real(session, emails)

    monkeypatch.setattr(csv_import, "_known", late)
    path = tmp_path / "race.csv"
    path.write_text("email,language,consent_date\nrace@example.org,fr,2025-01-01\n"
                    "new@example.org,fr,2025-01-01\n")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert (report.subscribed, report.unchanged, len(calls)) == (1, 1, 2)
    with db.session_scope(sqlite_url) as session:
        assert session.scalar(select(Subscriber.language).where(
            Subscriber.email == "race@example.org")) == "en"


def test_an_address_twice_in_one_file_names_the_first_line(sqlite_url, tmp_path):
    # Compared as stored: the domain's IDNA forms, its case, the local part's Unicode form.
    path = tmp_path / "twice.csv"
    path.write_text("email,name,language,consent_date\n"
                    "lea@bücher.example,Léa,fr,2025-01-01\n"
                    "LEA@xn--bcher-kva.example,Léa B,fr,2025-01-01\n"
                    "l\u00e9a@example.org,Léa,fr,2025-01-01\n"
                    "le\u0301a@EXAMPLE.org,Léa,fr,2025-01-01\n"
                    "zed@example.org,Zed,en,2025-01-01\n", encoding="utf-8")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert [p.located("twice.csv") for p in report.errors] == [
        "twice.csv:3: email: same address as line 2 (lea@bücher.example): this row is left "
        "out; merge the two rows, or delete this one",
        "twice.csv:5: email: same address as line 4 (léa@example.org): this row is left out; "
        "merge the two rows, or delete this one"]
    assert report.errors[0].reason("fr").startswith("même adresse qu'à la ligne 2")
    assert (report.subscribed, report.unchanged) == (3, 0)
    assert names(sqlite_url)["lea@bücher.example"] == "Léa"  # the first row's name


def test_an_address_twice_far_apart_is_found_across_batches(sqlite_url, tmp_path):
    from subscribers import csv_import

    path = tmp_path / "far.csv"
    rows = [f"p{n}@example.org,fr,2025-01-01" for n in range(csv_import.BATCH + 10)]
    path.write_text("email,language,consent_date\n" + "\n".join(rows)
                    + "\nP3@Example.org,fr,2025-01-01\n")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert [(p.line, p.code, p.values["first"]) for p in report.errors] == [
        (csv_import.BATCH + 12, "duplicate", 5)]


def test_a_name_with_an_invisible_character_is_left_out_saying_which(sqlite_url, tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("email,name,language,consent_date\n"
                    "eve@example.org,Eve \u202eroot,fr,2025-01-01\n"
                    "shirin@example.org,\u0634\u06cc\u0631\u06cc\u0646\u200c\u062f\u062e\u062a,"
                    "fr,2025-01-01\n", encoding="utf-8")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert [p.located("names.csv") for p in report.errors] == [
        "names.csv:2: name: an invisible character, U+202E, at character 5 (pasted with the "
        "name?): delete it, or type the name again"]
    assert report.errors[0].reason("fr").startswith("un caractère invisible, U+202E, au "
                                                    "caractère 5")
    assert report.subscribed == 1  # a Persian name joined by U+200C is a name


@pytest.mark.parametrize(("data", "imported"), [
    # A classic Mac "CSV (Macintosh)" export: lines end with CR alone. It was refused as
    # "a quoted cell is never closed".
    (b"email,name\rh@example.org,H\ri@example.org,I\r", 2),
    # Blank lines above the header, and a `;` file whose first line is blank.
    (b"\n\nemail,name\no@example.org,O\n", 1),
    (b"\n;\nemail;name\nr@example.org;R, S\n", 1),
])
def test_cr_line_ends_and_blank_lines_above_the_header_import(sqlite_url, tmp_path, data,
                                                               imported):
    path = tmp_path / "mac.csv"
    path.write_bytes(data)
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert (report.pending, report.errors) == (imported, [])


def test_an_address_pasted_from_a_mail_client_says_what_to_write(sqlite_url, tmp_path):
    path = tmp_path / "pasted.csv"
    path.write_text("email,name\nmailto:l@example.org,L\nLéa B <lea@example.org>,\n"
                    "j\u200b@example.org,J\n", encoding="utf-8")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert [p.located("pasted.csv") for p in report.errors] == [
        "pasted.csv:2: email: 'mailto:l@example.org' is a link: write the address alone, "
        "l@example.org",
        "pasted.csv:3: email: 'Léa B <lea@example.org>' holds a name: write the address "
        "alone, lea@example.org, and the name in the name column",
        "pasted.csv:4: email: an invisible character, U+200B, at character 2 of "
        "'j\\u200b@example.org': type the address again"]


def test_a_control_character_at_the_end_of_an_address_is_named(sqlite_url, tmp_path):
    """A vertical tab or form feed after the address (pasted from a word processor) is
    whitespace to str.strip(): the refusal must still show it, not call the address as
    written invalid with nothing wrong to see."""
    path = tmp_path / "ends.csv"
    path.write_bytes(b"email,name\nc2@example.org\x0b,X\n\x0cc3@example.org,Y\n")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert [p.located("ends.csv") for p in report.errors] == [
        "ends.csv:2: email: an invisible character, U+000B, at character 15 of "
        "'c2@example.org\\x0b': type the address again",
        "ends.csv:3: email: an invisible character, U+000C, at character 1 of "
        "'\\x0cc3@example.org': type the address again"]


def test_a_first_name_column_beside_the_name_is_joined_to_it(sqlite_url, tmp_path):
    """French offices keep `Prénom` and `Nom` apart: both are kept, first name first (it
    refused the whole file as an unknown column)."""
    path = tmp_path / "contacts.csv"
    path.write_bytes("Courriel;Prénom;Nom;Langue\nzoe@example.org;Zoé;Lefèvre;fr\n"
                     "ann@example.org;;Smith;en\nmo@example.org;Mo;;en\n".encode("cp1252"))
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert report.errors == [] and count(sqlite_url) == 3  # no consent date: pending
    assert names(sqlite_url) == {"zoe@example.org": "Zoé Lefèvre",
                                 "ann@example.org": "Smith", "mo@example.org": "Mo"}


@pytest.mark.parametrize("text", [
    # A French spreadsheet's export: `;`, a header with an empty column after the address,
    # a quoted address holding `;` (RFC 4180: the cell quoted, its quotes doubled). The
    # sniffer, counting separators beside quotes, gave up; `,` was tried next, `Courriel;`
    # read as the email header, and the quoted cell then refused the whole file.
    'Courriel;\r\nlea@example.org;\r\n"""jean;dupont""@example.org";\r\nbob@example.org;Bob\r\n',
    'Courriel;\r\n"""jean;dupont""@example.org";\r\nlea@example.org;\r\n'
    'bob@example.org;"Martin; Bob"\r\n',
    # With a name column, which the sniffer read right, and a cell holding `;` and `,`.
    'Courriel;Nom\r\nlea@example.org;"Martin; Léa"\r\n"""jean;dupont""@example.org";'
    '"Dupont, Jean"\r\nbob@example.org;Bob\r\n',
])
def test_a_quoted_address_with_a_semicolon_does_not_fool_the_separator(sqlite_url, tmp_path,
                                                                        text):
    path = tmp_path / "liste.csv"
    path.write_bytes(text.encode("cp1252"))
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert report.layout.separator == ";" and report.pending == 2
    assert set(names(sqlite_url)) == {"lea@example.org", "bob@example.org"}
    # Quoted local parts are valid (RFC 5321) but refused here, as by the signup form: the
    # row says so, and what to do.
    [problem] = report.errors
    line = next(number for number, row in enumerate(text.split("\r\n"), 1)
                if row.startswith('"""jean'))
    assert problem.located("liste.csv") == (
        f"liste.csv:{line}: Courriel: '\"jean;dupont\"@example.org' has a quoted part before "
        "the @, which most mail servers cannot deliver to (nor does the signup form take it): "
        "ask the person for another address")


@pytest.mark.parametrize(("head", "separator"), [
    ("sep=;\r\n", ";"), ("SEP=|\r\n", "|"),
    ('\ufeff"sep=,"\r\n', ","),  # quoted, after a byte-order mark, as some tools write it
])
def test_excels_separator_hint_line_is_followed_not_read_as_a_header(sqlite_url, tmp_path,
                                                                      head, separator):
    # `sep=;` was read as the header: "unknown column 'sep='", the whole file refused.
    path = tmp_path / "excel.csv"
    rows = [["email", "nom"], ["lea@example.org", "Léa; Martin, Dr"], ["bad", "x"]]
    text = head + "\r\n".join(separator.join(f'"{cell}"' for cell in row) for row in rows)
    path.write_text(text + "\r\n", encoding="utf-8")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert (report.layout.separator, report.pending) == (separator, 1)
    assert names(sqlite_url) == {"lea@example.org": "Léa; Martin, Dr"}
    assert [(problem.line, problem.field) for problem in report.errors] == [(4, "email")]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_byte_order_mark_is_read(sqlite_url, tmp_path, encoding):
    # Read as Windows-1252: "unknown column 'e\x00m\x00a\x00i\x00l\x00'".
    path = tmp_path / "unicode.csv"
    path.write_bytes("email\tname\r\nzoé@example.org\tZoé Łucja\r\n".encode(encoding))
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert (report.layout.encoding_name, report.pending, report.errors) == ("UTF-16", 1, [])
    assert names(sqlite_url) == {"zoé@example.org": "Zoé Łucja"}


def test_a_language_with_its_region_is_its_language(sqlite_url, tmp_path):
    # CRMs and browsers write fr-FR, en_GB: each row was refused ("not one of fr, en").
    path = tmp_path / "crm.csv"
    path.write_text("email,language\na@example.org,fr-FR\nb@example.org,en_GB\n"
                    "c@example.org,FR-ca\nd@example.org,de-DE\n", encoding="utf-8")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert [(problem.line, problem.field) for problem in report.errors] == [(5, "language")]
    with db.session_scope(sqlite_url) as session:
        assert dict(session.execute(select(Subscriber.email, Subscriber.language)).all()) == {
            "a@example.org": "fr", "b@example.org": "en", "c@example.org": "fr"}


def test_an_address_typed_in_full_width_is_its_ascii_address(sqlite_url, tmp_path):
    # An input method left in full-width mode: `ｌｅａ@example.org` was kept as another
    # mailbox than `lea@example.org` (the domain alone was mapped, by IDNA).
    path = tmp_path / "ime.csv"
    path.write_text("email\nｌｅａ＠ｅｘａｍｐｌｅ．ｏｒｇ\nlea@example.org\nｂｏｂ@example.org\n",
                    encoding="utf-8")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert set(names(sqlite_url)) == {"lea@example.org", "bob@example.org"}
    assert [(problem.line, problem.code, problem.values["first"])
            for problem in report.errors] == [(3, "duplicate", 2)]


def test_an_address_too_long_before_the_at_names_the_limit(sqlite_url, tmp_path):
    # RFC 5321 4.5.3.1.1: 64 octets; 65 letters were imported.
    path = tmp_path / "long.csv"
    path.write_text(f"email\n{'a' * 65}@example.org\n{'b' * 64}@example.org\n")
    report = import_csv(partial(db.session_scope, sqlite_url), path, name="long.csv")
    assert [p.located("long.csv") for p in report.errors] == [
        f"long.csv:2: email: '{'a' * 65}@example.org' is too long before the @ (65 bytes, at "
        "most 64): check the address"]
    assert [p.located("long.csv", "fr") for p in report.errors] == [
        f"long.csv:2: email: « {'a' * 65}@example.org » est trop longue avant le @ (65 "
        "octets, 64 au plus) : vérifiez l'adresse"]
    assert list(names(sqlite_url)) == [f"{'b' * 64}@example.org"]


def test_each_problem_names_the_files_own_heading_and_the_fix(sqlite_url, tmp_path):
    # The messages named our fields (consent_at, name…), not the columns staff see.
    path = tmp_path / "inscrits.csv"
    path.write_text(
        "Adresse électronique;Prénom;Nom;Langue;Date d'inscription;IP consentement;Statut\n"
        "a@example.org;Léa;Roux;fr;31/02/2025;;\n"
        "b@example.org;Tom;Ba\x07r;en;15/11/2025;;\n"
        "c@example.org;Zoé;Roy;klingon;15/11/2025;;\n"
        "d@example.org;Ana;Gil;fr;15/11/2025;999.1.1.1;\n"
        "e@example.org;Eve;Lin;fr;15/11/2025;;radiée\n"
        "f@example.org;Ok;Ok;fr;15/11/2025;192.0.2.1;\n"
        "F@Example.org;Ok;Ok;fr;15/11/2025;;\n", encoding="utf-8")
    report = import_csv(partial(db.session_scope, sqlite_url), path, name="inscrits.csv",
                        zone="Europe/Paris")
    assert report.subscribed == 1
    assert [p.located("inscrits.csv") for p in report.errors] == [
        "inscrits.csv:2: Date d'inscription: '31/02/2025' is not a date; write it "
        "day/month/year (15/11/2025), 2025-11-15 or 15 November 2025",
        "inscrits.csv:3: Prénom + Nom: a line break, a control character or more than 200 "
        "characters; write the name on one line, at most 200 characters",
        "inscrits.csv:4: Langue: 'klingon' is not one of fr, en; write one of them, or leave "
        "the cell empty",
        "inscrits.csv:5: IP consentement: '999.1.1.1' is not an IP address; write one "
        "(192.0.2.10, 2001:db8::1) or leave the cell empty",
        "inscrits.csv:6: Statut: 'radiée' is not one of pending, subscribed, unsubscribed, "
        "bounced, complained; write one of them, or leave the cell empty",
        "inscrits.csv:8: Adresse électronique: same address as line 7 (f@example.org): this "
        "row is left out; merge the two rows, or delete this one"]
    assert [p.located("inscrits.csv", "fr") for p in report.errors] == [
        "inscrits.csv:2: Date d'inscription: « 31/02/2025 » n'est pas une date ; écrivez-la "
        "jour/mois/année (15/11/2025), 2025-11-15 ou 15 novembre 2025",
        "inscrits.csv:3: Prénom + Nom: un saut de ligne, un caractère de contrôle ou plus de "
        "200 caractères ; écrivez le nom sur une ligne, en 200 caractères au plus",
        "inscrits.csv:4: Langue: « klingon » n'est pas l'une des langues fr, en ; écrivez "
        "l'une d'elles, ou laissez la cellule vide",
        "inscrits.csv:5: IP consentement: « 999.1.1.1 » n'est pas une adresse IP ; écrivez-en "
        "une (192.0.2.10, 2001:db8::1) ou laissez la cellule vide",
        "inscrits.csv:6: Statut: « radiée » n'est pas l'un des états pending, subscribed, "
        "unsubscribed, bounced, complained ; écrivez l'un d'eux, ou laissez la cellule vide",
        "inscrits.csv:8: Adresse électronique: même adresse qu'à la ligne 7 (f@example.org) : "
        "cette ligne est ignorée ; fusionnez les deux lignes, ou supprimez celle-ci"]


def test_month_first_dates_and_unknown_columns_speak_the_files_words(sqlite_url, tmp_path):
    path = tmp_path / "us.csv"
    path.write_text("E-mail,Signup date\na@example.org,03/04/2025\nb@example.org,11/15/2025\n")
    assert rejected(sqlite_url, path).problem.located("us.csv") == (
        "us.csv:3: Signup date: dates are written month/day/year here (11/15/2025); write "
        "them day/month/year or as 2026-11-15")
    path.write_text("Courriel,Ville\na@example.org,Lyon\n")
    problem = rejected(sqlite_url, path).problem
    assert problem.reason("fr") == (
        "colonne inconnue « Ville » ; renommez-la ou supprimez-la (colonnes connues : "
        "courriel, langue, nom, prénom, date_consentement, source_consentement, "
        "texte_consentement, statut)")
    assert problem.reason() == (
        "unknown column 'Ville'; rename or remove it (known: email, language, name, "
        "first_name, consent_date, consent_source, consent_text, status)")


@pytest.mark.parametrize(("header", "heading", "column", "char", "position"), [
    # A soft hyphen was dropped where it split a word (`Cour­riel`) and made an unknown
    # column, named as it looks, where it stood for a space; a zero-width space was dropped.
    ("Cour\u00adriel;Nom", "Courriel", 1, "U+00AD (soft hyphen)", 5),
    ("Adresse\u00adélectronique;Nom", "Adresseélectronique", 1, "U+00AD (soft hyphen)", 8),
    ("Courriel;\u200bNom", "Nom", 2, "U+200B (zero-width space)", 1),
    ("Courriel;Nom\u2060", "Nom", 2, "U+2060 (word joiner)", 4),
])
def test_a_heading_with_an_invisible_character_rejects_the_file_saying_which(
        sqlite_url, tmp_path, header, heading, column, char, position):
    path = tmp_path / "collé.csv"
    path.write_text(f"{header}\na@example.org;Léa Roux\nb@example.org;Tom Ba\n",
                    encoding="utf-8")
    problem = rejected(sqlite_url, path).problem
    assert problem.located("collé.csv") == (
        f"collé.csv:1: {heading}: this heading (column {column}) holds an invisible "
        f"character, {char}, at character {position} (pasted from a web page?): type the "
        "heading again, or delete that character")
    assert problem.reason("fr") == (
        f"cet en-tête (colonne {column}) contient un caractère invisible, {char}, au "
        f"caractère {position} (collé depuis une page web ?) : retapez l'en-tête, ou "
        "supprimez ce caractère")


def test_a_heading_typed_again_imports_whole(sqlite_url, tmp_path):
    # What the refusal above asks for; a no-break space (a visible space) is a space.
    path = tmp_path / "retapé.csv"
    path.write_text("\ufeffCourriel;Nom\u00a0\na@example.org;Léa Roux\nb@example.org;Tom Ba\n",
                    encoding="utf-8")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert (report.subscribed + report.pending, report.errors) == (2, [])
