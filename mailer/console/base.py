"""The console's blueprint and what every page of it uses: the words of each language,
numbers and times written as that language does, error pages, uploads."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from babel.dates import format_date, format_datetime, get_timezone
from babel.numbers import format_decimal
from flask import Blueprint, abort, g, render_template, request

from mailer import web_errors
from mailer.catalogue import Catalogue, catalogue, language_name
from mailer.console.access import signed_in_language
from mailer.counting import counted
from mailer.images import MAX_BYTES as IMAGE_MAX_BYTES
from mailer.issue.loader import MAX_BYTES
from mailer.settings import get_settings
from mailer.typography import typeset

# The views that take a file, with the setting of their limit (instead of the app's 64 KB).
UPLOADS = {"console.subscribers_upload": lambda: get_settings().console_upload_max_bytes,
           "console.issue_upload": lambda: MAX_BYTES,  # the CLI's limit (issue loader)
           "console.image_upload": lambda: IMAGE_MAX_BYTES,
           # The editor posts a whole issue as a form: its text, URL-encoded (é → %C3%A9).
           **dict.fromkeys(("console.editor_save", "console.editor_preview",
                            "console.draft_keep"), lambda: 3 * MAX_BYTES)}
FORM_OVERHEAD = 64 * 1024  # the multipart form around the file: boundaries, other fields

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static")


@bp.record_once
def _larger_uploads(state) -> None:
    # The limit must be raised before CSRFProtect (an earlier before_request) parses the
    # form, hence first in the app's list.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_uploads)


def _allow_uploads() -> None:
    if request.endpoint in UPLOADS:
        limit = UPLOADS[request.endpoint]()
        request.max_content_length = limit + FORM_OVERHEAD


LABELS = Path(__file__).with_name("labels")


def labels(language: str) -> Catalogue:
    """The console's words in `language` (`labels/<language>.yaml`), completed by the
    fallback language's (mailer.catalogue)."""
    return catalogue("console", LABELS, language)


def staff_languages() -> dict[str, str]:
    """The languages a member may choose, each by its own name (Babel)."""
    return {code: language_name(code) for code in get_settings().languages}


def language_of_page() -> str:
    """The signed-in member's language, else ?lang=, else the default; one that is offered.
    A page no view made (a request refused before its view looked the member up) looks
    them up here."""
    staff = g.get("staff")
    language = (staff["language"] if staff else signed_in_language()) or \
        request.args.get("lang") or \
        get_settings().default_language
    return language if language in staff_languages() else get_settings().default_language


def page(template: str, **context):
    language = language_of_page()
    words = labels(language)
    # `lang` is the language the words are in: the fallback's if `language` has none.
    return render_template(f"console/{template}", lang=words.language, t=words,
                           language_names=staff_languages(),
                           name_of=lambda code: language_name(code, words.language),
                           count=lambda key, n, **more: counted(words[key], n, language,
                                                                **more),
                           # 1 204 in French, 1,204 in English (CLDR's grouping).
                           decimal=lambda n: format_decimal(n, locale=language),
                           when=lambda moment: written_time(moment, language),
                           # "1er décembre 2026", with its no-break space (mailer.typography)
                           day=lambda date: typeset(format_date(date, "long", locale=language),
                                                    language),
                           **context)


def written_time(moment: datetime | None, language: str) -> str:
    """A time as the language writes it, in the console's time zone."""
    if moment is None:
        return "—"
    zone = get_timezone(get_settings().console_timezone)
    return format_datetime(moment, "short", tzinfo=zone, locale=language)


class NoFile(Exception):
    """An upload form sent without its file."""


@bp.errorhandler(NoFile)
def no_file(_error):
    return page("message.html", key="no_file"), 400


def uploaded_file():
    """The file of an upload form (its field is named `file`)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise NoFile
    return upload


# HTTP errors raised in console views, shown as console pages in the member's language.
ERROR_PAGES = {400: "bad_request", 403: "forbidden", 404: "not_found", 409: "conflict",
               413: "too_large"}


def _error_page(error):
    return page("message.html", key=ERROR_PAGES[error.code]), error.code


for _code in ERROR_PAGES:
    bp.register_error_handler(_code, _error_page)


@bp.errorhandler(web_errors.NotUtf8)
def _not_utf8_page(error: web_errors.NotUtf8):
    """The 400 of a form field that is not UTF-8, naming it (the 400 above says only "bad
    request")."""
    return page("message.html", key="not_utf8", detail=error.field), 400


def found_or_404(db_session, model, key: int):
    row = db_session.get(model, key)
    if row is None:
        abort(404)
    return row


def too_large(path: Path) -> bool:
    """An issue file above the loader's MAX_BYTES: refused before it is read, so that no
    page waits on a huge file."""
    return path.stat().st_size > MAX_BYTES


def issue_path(name: str) -> Path:
    """An issue file of the issues folder, by its bare name; 404 for anything else."""
    path = Path(get_settings().issues_dir) / name
    if path.suffix != ".yaml" or path.name != name or not path.is_file():
        abort(404)
    return path
