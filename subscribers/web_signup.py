"""Signup pages: the form, POST /subscribe (browser form or the website's snippet), the JSON
variant for sites that post from script, and the ready-to-paste snippet.

Every signup gets the same answer, after the same work, whatever the address's state, so the
form cannot be used to learn who is on the list, by its words or by its timing: the request
validates and queues a `subscribers.sign_up` job, which alone reads the list; only the
confirmation email goes (or not) to the address.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import asdict

from flask import Blueprint, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from mailer.catalogue import fill
from mailer.webapp import csrf, limiter
from subscribers import tasks
from subscribers.i18n import labels
from subscribers.signup import Consent
from subscribers.validation import (
    InvalidInput,
    check_applicant,
    check_once,
    given_twice,
    has_control,
    normalise_email,
)
from subscribers.web import csrf_failed, message, page, page_language, settings

bp = Blueprint("signup", __name__, template_folder="templates")

HONEYPOT = "website"  # hidden from people, filled in by bots


def _posted() -> Mapping:
    data = request.get_json(silent=True) if request.is_json else request.form
    return data if isinstance(data, Mapping) else {}


def _address_key() -> str:
    return "address:" + normalise_email(str(_posted().get("email", "")))


def _preflight() -> bool:
    return request.method == "OPTIONS"  # a CORS preflight is no signup: it costs nothing


# One budget for both signup routes: per client IP, and per address whatever the IP.
per_ip = limiter.shared_limit(
    lambda: settings().signup_limit_per_ip, scope="signup-ip", exempt_when=_preflight
)
per_address = limiter.shared_limit(
    lambda: settings().signup_limit_per_address, scope="signup-address", key_func=_address_key,
    exempt_when=lambda: _preflight() or not _posted().get("email"),
)


def _sign_up(data: Mapping, default_source: str) -> InvalidInput | None:
    """Queue the signup (see the module's docstring); the error of a bad field. The page's
    `source` field (which form of the website) is the site's, not the person's: one that is
    not one line of text (a JSON object, a NUL PostgreSQL refuses) is `default_source`."""
    if data.get(HONEYPOT):
        return None  # a bot: answer as if all went well, record nothing
    try:
        check_once(data, ("email", "language", "name"))
        # JSON may carry numbers, lists or objects where text is expected: a name {"a": 1}
        # would otherwise be stored as the text "{'a': 1}".
        for key in ("email", "language", "name"):
            if not isinstance(data.get(key) or "", str):
                raise InvalidInput(key, f"{key}_invalid")
        email, language, name = (data.get(key) or "" for key in ("email", "language", "name"))
        applicant = check_applicant(email, language or None, name)
    except InvalidInput as error:
        return error
    source = data.get("source")
    if not isinstance(source, str) or not source.strip() or has_control(source):
        source = default_source
    consent = Consent(
        source=f"web:{source.strip()}"[:200],
        text=str(labels(applicant.language)["consent"]),
        ip=request.remote_addr,
    )
    tasks.sign_up.delay(asdict(applicant), asdict(consent))
    return None


@bp.get("/subscribe")
def form():
    return page("signup", page_language(), form={})


@bp.post("/subscribe")
@csrf.exempt
@per_ip
@per_address
def subscribe():
    # Our own form carries a CSRF token; the snippet on the network's website cannot, so
    # a POST whose Origin is that site is accepted on the strength of the Origin header.
    if request.headers.get("Origin") != settings().site_origin:
        csrf.protect()
    language = page_language(request.form.get("language"))
    error = _sign_up(request.form, "form")
    if error is not None:
        return page("signup", language, 400, form=request.form, error=error)
    return message("check", language)


EXAMPLE = '{"email": "lea@example.org", "language": "fr", "name": "Léa"}'
_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number",
               bool: "true or false", type(None): "null"}


class _GivenTwice(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_twice(pairs: list[tuple[str, object]]) -> dict:
    """An object of the body; _GivenTwice for a key it holds twice. RFC 8259 4 leaves such
    an object's meaning open (Python keeps the last value, some parsers the first): a
    signup whose address or language depends on the parser is refused, not guessed."""
    seen: set[str] = set()
    for key, _value in pairs:
        if key in seen:
            raise _GivenTwice(key)
        seen.add(key)
    return dict(pairs)


class _NumberTooLong(ValueError):
    def __init__(self, digits: int, limit: int) -> None:
        super().__init__(f"{digits} digits")
        self.digits, self.limit = digits, limit


def _whole_number(text: str) -> int:
    """A JSON integer; _NumberTooLong past Python's limit on converting digits to an int
    (4,300 by default: CVE-2020-10735), where int() raises a ValueError that read as "not
    JSON"."""
    limit = sys.get_int_max_str_digits()
    digits = len(text.lstrip("-"))
    if limit and digits > limit:
        raise _NumberTooLong(digits, limit)
    return int(text)


def _twice(key: str) -> tuple[Response, int]:
    """The 400 of a key given twice, in the visitor's language (a `language` given once
    in the body, else ?lang= or the browser's)."""
    try:  # the top-level object alone says which language, when it says it once
        pairs = json.loads(request.get_data(cache=True), object_pairs_hook=list)
    except (ValueError, RecursionError):
        pairs = []
    languages = [value for name, value in pairs if name == "language"] \
        if isinstance(pairs, list) else []
    language = page_language(languages[0] if len(languages) == 1 else None)
    detail = given_twice(key)
    return jsonify(error="duplicate_key", key=key, detail=detail,
                   message=fill(labels(language)["duplicate_key"], key=key)), 400


def _json_object() -> tuple[dict, None] | tuple[None, tuple[Response, int]]:
    """The body of a JSON signup as an object, or the error answer: 415 for a body that is
    not declared JSON, 400 for one that is not UTF-8 JSON or not an object (RFC 9110 15.5)."""
    if not request.is_json:
        given = request.mimetype or "none"
        return None, (jsonify(error="content_type", message=(
            f"send the body as JSON with Content-Type: application/json (this one is "
            f"{given}), e.g. {EXAMPLE}")), 415)
    body = request.get_data(cache=True)
    try:
        # RFC 8259 8.1: a parser MAY ignore a byte-order mark; some clients send one.
        data = json.loads(body.decode("utf-8-sig"), object_pairs_hook=_refuse_twice,
                          parse_int=_whole_number)
    except _GivenTwice as twice:
        return None, _twice(twice.key)
    except _NumberTooLong as long:
        return None, (jsonify(error="body", message=(
            f"the body holds a number of {long.digits:,} digits, more than the {long.limit:,} "
            f"this server reads; no field of a signup is a number: send e.g. {EXAMPLE}")), 400)
    except RecursionError:  # [[[[… a few thousand deep: it was a 500
        return None, (jsonify(error="body", message=(
            "the body nests arrays or objects thousands deep; a signup is one object of "
            f"text fields: send e.g. {EXAMPLE}")), 400)
    except UnicodeDecodeError as error:
        return None, (jsonify(error="body", message=(
            f"the body is not UTF-8 (byte {error.start + 1}): send JSON in UTF-8 "
            "(RFC 8259)")), 400)
    except ValueError as error:
        where = getattr(error, "msg", "invalid"), getattr(error, "pos", 0)
        return None, (jsonify(error="body", message=(
            f"the body is not JSON ({where[0]} at character {where[1] + 1}): send an "
            f"object, e.g. {EXAMPLE}")), 400)
    if not isinstance(data, dict):
        kind = _JSON_KINDS.get(type(data), type(data).__name__)
        return None, (jsonify(error="body", message=(
            f"expected a JSON object with an \"email\" field, not {kind}: send e.g. "
            f"{EXAMPLE}")), 400)
    return data, None


@bp.route("/api/subscribe", methods=["POST", "OPTIONS"])
@csrf.exempt
@per_ip
@per_address
def subscribe_json():
    # Only application/json is read: a cross-site page cannot send it without a CORS
    # preflight, which only the configured site origin passes. That is the CSRF defence.
    if request.method == "OPTIONS":
        return Response(status=204)
    data, refused = _json_object()
    if refused is not None:
        return refused
    language = page_language(data.get("language"))
    error = _sign_up(data, "json")
    if error is not None:
        # The message in the visitor's language; the detail (which character, why) is in
        # English, so it joins the message only in English, and is always given apart.
        text = fill(labels(language)[error.label], **error.values)
        if language == "en" and error.detail:
            text = f"{text} {error.detail}"
        elif text.endswith(":"):  # a page's label, followed there by the address shown
            text = text.rstrip(" :") + "."
        return jsonify(error=error.field, message=text, detail=error.detail), 400
    return jsonify(status="ok", message=labels(language)["check_text"]), 202


@bp.after_request
def cors(response: Response) -> Response:
    origin = request.headers.get("Origin")
    if request.endpoint == "signup.subscribe_json" and origin == settings().site_origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "3600"
        response.headers["Vary"] = "Origin"
    return response


@bp.get("/subscribe/snippet")
def snippet():
    """The HTML form to paste into the website: plain HTML, no script, no cookie needed."""
    language = page_language()
    words = labels(language)
    html = render_template(
        "subscribers/snippet.html",
        t=words,
        lang=words.language,
        language=language,
        action=settings().base_url.rstrip("/") + "/subscribe",
    )
    return Response(html, mimetype="text/plain")


@bp.errorhandler(429)
def too_many(_error):
    language = page_language()
    if request.path.startswith("/api/"):
        return jsonify(error="rate_limited", message=labels(language)["too_many_text"]), 429
    return message("too_many", language, 429)


bp.register_error_handler(CSRFError, csrf_failed)
