"""Bad requests answered in the reader's language: a 4xx page, never a 500, never a path.

Guards for the whole app. A URL longer than MAX_URL is refused (414) before anything
reads it (a request line past gunicorn's bound, 8,190 bytes, gets gunicorn's own 414
first). A form field whose bytes are not UTF-8 (`name=%ff%fe`, posted by hand or by a
client in another charset) is refused naming it (400): Werkzeug would re-quote the bytes
(`%FF%FE`, urlencoded) or replace them with U+FFFD (multipart), and the view would store
that as if typed. Text with a NUL or another C0 control character (but tab and line breaks) in the
path, the query or a form is refused before any view runs: PostgreSQL refuses NUL in
text, so such a value would otherwise fail deep inside a query.
A number in a URL (`<int:…>`) beyond a row id's 64 bits is an unknown page. And every
HTTP error no view handled itself (an unknown page, a wrong method, a body too large, a
malformed form) is a page of the console or of the public site in the page's language, or
JSON under /api/. Webhooks answer their callers themselves.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from flask import Flask, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException, RequestURITooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter

from mailer.catalogue import fill
from mailer.errors import ROW_ID_MAX

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# status -> (console label, public label); anything else in 4xx is a bad request
KEYS = {403: ("forbidden", "bad_request"), 404: ("not_found", "page_missing"),
        409: ("conflict", "bad_request"), 413: ("bad_request", "too_large"),
        414: ("bad_request", "too_long"), 429: ("bad_request", "too_many")}
# Bytes of a URL's path and query: gunicorn's former bound of the whole request line. Our
# links are a few hundred; the request line itself may be up to 8,190 (mailer.cli_web).
MAX_URL = 4096


def refuse_long_urls() -> None:
    """414 for a URL longer than MAX_URL, before its query is parsed (WSGI's PATH_INFO and
    QUERY_STRING are bytes as latin-1 text: their lengths are bytes)."""
    environ = request.environ
    if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) > MAX_URL:
        raise RequestURITooLarge()


def refuse_control_characters() -> None:
    if request.path.startswith("/webhooks/"):
        return
    values = [request.path, *request.args.values(), *request.args.keys()]
    if request.mimetype in FORMS:
        values += [*request.form.values(), *request.form.keys()]
    if any(CONTROL.search(value) for value in values):
        raise BadRequest("control character in the request")


class NotUtf8(BadRequest):
    """A form field (`field`, as named in the form) whose value is not UTF-8 text."""

    def __init__(self, field: str) -> None:
        super().__init__(f"the form field {field!r} is not UTF-8 text")
        self.field = field


def refuse_undecodable_fields() -> None:
    """NotUtf8 for the first form field whose name or value is not UTF-8 (WHATWG URL's
    application/x-www-form-urlencoded and HTML's multipart forms are UTF-8 from our pages).
    An urlencoded body is read by the standard library's parser byte for byte (latin-1),
    each field then decoded strictly; a multipart one is Werkzeug's, whose U+FFFD marks
    where bytes were replaced, and a part's headers (a field or a file name) Utf8Parts's.
    Runs before the form is parsed: the body is kept for it."""
    if request.path.startswith("/webhooks/") or request.mimetype not in FORMS:
        return
    if request.mimetype == FORMS[0]:
        body = request.get_data(cache=True).decode("latin-1")
        for name, value in parse_qsl(body, keep_blank_values=True, encoding="latin-1"):
            shown = name.encode("latin-1").decode("utf-8", "backslashreplace")
            for text in (name, value):
                try:
                    text.encode("latin-1").decode("utf-8")
                except UnicodeDecodeError:
                    raise NotUtf8(shown) from None
        return
    for name, value in request.form.items(multi=True):
        if "\ufffd" in name or "\ufffd" in value:
            raise NotUtf8(name)


class Utf8Parts(FormDataParser):
    """Werkzeug's form parser, but a multipart part whose headers are not UTF-8 (a field
    name, a file name) is NotUtf8 naming the field: Werkzeug decodes them strictly and,
    failing, gives an empty form (silently), which the signup then called "form expired"
    (no CSRF token left in it)."""

    def _parse_multipart(self, stream, mimetype, content_length, options):
        try:
            return super()._parse_multipart(stream, mimetype, content_length, options)
        except UnicodeDecodeError as error:  # the header line, as bytes, in error.object
            line = bytes(error.object)
            named = re.search(rb'(?:^|[;\s])name="([^"]*)"', line)
            shown = (named[1] if named else line.partition(b":")[0])
            raise NotUtf8(shown.decode("utf-8", "backslashreplace")) from None


def http_error(error: HTTPException):
    if request.path.startswith("/webhooks/") or not 400 <= (error.code or 500) < 500:
        return error
    if isinstance(error, NotUtf8):
        return not_utf8_page(error)
    console_key, public_key = KEYS.get(error.code, ("bad_request", "bad_request"))
    if request.path.startswith("/api/"):
        from subscribers.i18n import labels
        from subscribers.web import page_language

        words = labels(page_language())
        return jsonify(error=public_key, message=str(words[f"{public_key}_text"])), error.code
    if request.path.startswith("/console"):
        from mailer.console.base import page

        return page("message.html", key=console_key), error.code
    from subscribers.web import message, page_language

    try:
        chosen = request.form.get("language") if request.mimetype in FORMS else None
    except HTTPException:  # the body too large (413) is refused again when read again
        chosen = None
    return message(public_key, page_language(chosen), error.code)


def not_utf8_page(error: NotUtf8):
    """The 400 of NotUtf8, naming the field, in the page's language (the console's pages
    say it in theirs: mailer.console.base)."""
    from subscribers.i18n import labels
    from subscribers.web import message, page_language

    language = page_language(request.form.get("language"))  # the form itself is readable
    if request.path.startswith("/api/"):
        text = fill(labels(language)["not_utf8_text"], field=error.field)
        return jsonify(error=error.field, message=str(text)), 400
    return message("not_utf8", language, 400, fields={"field": error.field})


class RowIdConverter(IntegerConverter):
    """`<int:…>` of every route, bounded as the databases store a row's id (signed 64-bit):
    a larger number is an unknown page (404), not an OverflowError deep in the query."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", ROW_ID_MAX)
        super().__init__(url_map, *args, **kwargs)


def install(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter  # before any blueprint's routes
    app.request_class = type("Request", (app.request_class,),
                             {"form_data_parser_class": Utf8Parts})
    app.before_request(refuse_long_urls)
    app.before_request(refuse_undecodable_fields)  # before the form is parsed
    app.before_request(refuse_control_characters)
    app.register_error_handler(HTTPException, http_error)
