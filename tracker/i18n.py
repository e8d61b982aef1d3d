"""The interface's languages: which one a request is read in, its direction, its formats.

Every string a reader sees goes through gettext (`_()` in templates, `gettext`/`lazy_gettext`
in Python) into the catalogues under `tracker/translations/` (`make translations` extracts and
updates them; see README, "Languages"). The catalogues are compiled from their `.po` files by
`make` and, where a `.po` is newer than its `.mo` or the `.mo` is missing, when the app starts.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import NullTranslations, Translations
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, get_translations, refresh
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from .security import vary

TRANSLATIONS = Path(__file__).parent / "translations"

# The interface's languages, in the switcher's order, each named in its own language.
LANGUAGES = {"en": "English", "ar": "العربية"}
DEFAULT_LANGUAGE = "en"
RIGHT_TO_LEFT = {"ar"}
# The query argument that chooses a language for one reader without a cookie (anonymous
# readers, whose pages must stay cacheable); links on the page keep it.
LANGUAGE_ARGUMENT = "lang"


def chosen_language() -> str | None:
    """The language the reader chose: `?lang=` on this address, else a logged-in user's own."""
    asked = request.args.get(LANGUAGE_ARGUMENT, "")
    if asked in LANGUAGES:
        return asked
    user = logged_in_user()
    user_language = getattr(user, "language", None)
    return user_language if user_language in LANGUAGES else None


def select_locale() -> str:
    """The language of this request: the reader's choice, else their browser's, else English.

    This is the one rule; pages that must not set a cookie (public, cacheable ones) get it
    from the address (`?lang=ar`) or `Accept-Language`, and the responses then `Vary` on it.
    """
    if not has_request_context():  # a command: the catalogues' source language
        return DEFAULT_LANGUAGE
    language = chosen_language()
    if language is None:
        g.tracker_language_from_header = True
        language = browser_language(request.headers.get("Accept-Language", ""))
    return language


@lru_cache(maxsize=256)
def browser_language(accept_language: str) -> str:
    """The interface's language a browser's `Accept-Language` prefers, parsed once per header
    (browsers send a handful of them): it is asked for on every page, cached ones too."""
    accepted = parse_accept_header(accept_language, LanguageAccept)
    return accepted.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def forget_language() -> None:
    """Choose the language afresh for each request (a test's app context outlives several)."""
    refresh()
    g.pop("tracker_language_from_header", None)
    g.pop(IN_USE, None)


def logged_in_user() -> object | None:
    """The user Flask-Login has (or can load) for this request, or None: an error page for a
    database that does not answer is still shown, in the browser's language."""
    try:
        user = current_user._get_current_object()  # one look through the proxy, not three
        return user if user and user.is_authenticated else None
    except (RuntimeError, SQLAlchemyError):
        return None


# The language in use and its catalogue, kept on `g` beside Flask-Babel's own locale and for
# as long, and forgotten with it (`forget_language`) and while another is forced
# (`forced_language`, not Flask-Babel's `force_locale`): Flask-Babel's `get_locale` costs
# about 2 µs a call, and a page asks for the language hundreds of times.
IN_USE = "tracker_language"
# Each language's catalogue, once found: Flask-Babel looks it up again at every call.
_catalogues: dict[str, Translations | NullTranslations] = {}


def in_use() -> tuple[str, Translations | NullTranslations]:
    """The code of the language in use and its catalogue (English outside an app context)."""
    try:
        kept: tuple[str, Translations | NullTranslations] | None = g.get(IN_USE)
    except RuntimeError:  # no app context: a command, before one is pushed
        return DEFAULT_LANGUAGE, get_translations()
    if kept is None:
        code = str(get_locale() or DEFAULT_LANGUAGE)
        found = _catalogues.get(code)
        if found is None:
            found = _catalogues[code] = get_translations()
        kept = (code, found)
        setattr(g, IN_USE, kept)
    return kept


@contextmanager
def forced_language(code: str) -> Iterator[None]:
    """Flask-Babel's `force_locale`, with the language kept for this context forced too."""
    kept = g.pop(IN_USE, None)
    try:
        with force_locale(code):
            yield
    finally:
        g.pop(IN_USE, None)  # the forced one, if asked for
        if kept is not None:
            setattr(g, IN_USE, kept)


def language() -> str:
    return in_use()[0]


def direction() -> str:
    return direction_of(language())


def keep_language_argument(endpoint: str, values: dict[str, object]) -> None:
    """Links made on a page asked for with `?lang=` keep it, so the reader stays in it."""
    if endpoint == "static" or LANGUAGE_ARGUMENT in values:
        return
    asked = request.args.get(LANGUAGE_ARGUMENT, "") if has_request_context() else ""
    if asked in LANGUAGES:
        values[LANGUAGE_ARGUMENT] = asked


def vary_on_language(response):  # type: ignore[no-untyped-def]
    """A page whose language came from `Accept-Language` says so to caches."""
    if g.get("tracker_language_from_header"):
        vary(response, "Accept-Language")
    return response


# Dates and numbers. Digits are the Latin ones (0-9) in both languages: Babel's default for
# Arabic, and what Iraqi news sites and official documents online use alongside Arabic text;
# dates keep one order of day, month and year that reads the same in both directions.
DATE_FORMATS = {"en": "yyyy-MM-dd", "ar": "d MMMM y"}
DATETIME_FORMATS = {"en": "yyyy-MM-dd HH:mm 'UTC'", "ar": "d MMMM y، HH:mm 'UTC'"}


def local_date(day: dt.date | dt.datetime, pattern: str | None = None) -> str:
    """A date as the reader's language writes it: 2020-01-15, or 15 يناير 2020; with
    `pattern` (Babel's), so. Outside a request (a command, a test), in English."""
    code = language()
    return formatted_date(day, pattern or DATE_FORMATS.get(code, "yyyy-MM-dd"), code)


# Babel's formatting takes tens of microseconds a call, and a page formats the same dates and
# numbers again and again (a table's rows, a chart's spans, its list and its description):
# each is formatted once per language while in use.
@lru_cache(maxsize=4096)
def formatted_date(day: dt.date | dt.datetime, pattern: str, code: str) -> str:
    return dates.format_date(day, pattern, locale=code)


@lru_cache(maxsize=4096)
def formatted_number(number: int | float, code: str) -> str:
    return numbers.format_decimal(number, locale=code)


@lru_cache(maxsize=4096)
def formatted_moment(moment: dt.datetime, pattern: str, code: str) -> str:
    return dates.format_datetime(moment, pattern, tzinfo=dt.UTC, locale=code)


def in_utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def local_datetime(moment: dt.datetime) -> str:
    """A moment, in UTC, as the reader's language writes it."""
    code = language()
    pattern = DATETIME_FORMATS.get(code, DATETIME_FORMATS["en"])
    return formatted_moment(in_utc(moment), pattern, code)


def local_time(moment: dt.datetime) -> str:
    """The time of day of a moment, in UTC: 09:30 UTC."""
    return formatted_moment(in_utc(moment), "HH:mm 'UTC'", language())


def direction_of(code: str) -> str:
    return "rtl" if code in RIGHT_TO_LEFT else "ltr"


def language_name(code: str) -> str:
    """A language's name in the reader's language: "English", "الإنجليزية"."""
    try:
        return Locale.parse(code).get_display_name(language()) or code
    except (ValueError, UnknownLocaleError):
        return code


def local_number(number: int | float) -> str:
    return formatted_number(number, language())


def compile_catalogues(folder: Path = TRANSLATIONS) -> None:
    """Compile each `.po` whose `.mo` is missing or older, atomically (workers may race)."""
    for po_path in folder.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parent.parent.name)
        handle, temporary = tempfile.mkstemp(dir=po_path.parent, suffix=".mo")
        with os.fdopen(handle, "wb") as mo_file:
            write_mo(mo_file, catalogue)
        os.replace(temporary, mo_path)


def fill_source_catalogue(folder: Path = TRANSLATIONS) -> None:
    """Give every entry of the English catalogue its msgid as translation (English is the
    language the strings are written in), keeping what is already there."""
    path = folder / DEFAULT_LANGUAGE / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po_file:
        catalogue = read_po(po_file, locale=DEFAULT_LANGUAGE)
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not any(message.string):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
    with path.open("wb") as po_file:
        write_po(po_file, catalogue, width=0)


def catalogue() -> Translations | NullTranslations:
    """The catalogue of the language in use (`forced_language` included)."""
    return in_use()[1]


# Flask-Babel's `gettext` and `pgettext` and their lazy forms, from the catalogue kept for the
# language in use (`in_use`): a page's labels and help texts are lazy strings, translated each
# time they are shown.
def gettext(string: str, **variables: object) -> str:
    translated = catalogue().ugettext(string)
    return translated % variables if variables else translated


def pgettext(context: str, string: str, **variables: object) -> str:
    translated = catalogue().upgettext(context, string)
    return translated % variables if variables else translated


def markup_pattern(string: str) -> Markup:
    """The reader's translation of `string`, as markup to fill with escaped values (`%`): what
    the pages drawn in Python say, as the templates' `_()` would."""
    return Markup(catalogue().ugettext(string))


def lazy_gettext(string: str, **variables: object) -> LazyString:
    return LazyString(gettext, string, **variables)


def lazy_pgettext(context: str, string: str, **variables: object) -> LazyString:
    return LazyString(pgettext, context, string, **variables)


# Templates' `_()`, `gettext` and `ngettext`, as Jinja's "new style" ones: the translation is
# a format string filled with escaped variables. Jinja's own take the whole template context,
# and inside a loop copy it at each call; these need only whether the template escapes.
@pass_eval_context
def template_gettext(context: EvalContext, string: str, /, **variables: object) -> str:
    translated = catalogue().ugettext(string)
    return (Markup(translated) if context.autoescape else translated) % variables


@pass_eval_context
def template_ngettext(
    context: EvalContext, singular: str, plural: str, number: int, /, **variables: object
) -> str:
    variables.setdefault("num", number)
    translated = catalogue().ungettext(singular, plural, number)
    return (Markup(translated) if context.autoescape else translated) % variables


def init_app(app: Flask) -> None:
    compile_catalogues()
    _catalogues.clear()  # as compiled now
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app, locale_selector=select_locale)
    app.before_request(forget_language)
    app.url_defaults(keep_language_argument)
    app.after_request(vary_on_language)
    app.jinja_env.globals.update(
        _=template_gettext,
        gettext=template_gettext,
        ngettext=template_ngettext,
        LANGUAGES=LANGUAGES,
        LANGUAGE_ARGUMENT=LANGUAGE_ARGUMENT,
        language=language,
        direction=direction,
    )
    app.jinja_env.filters["number"] = local_number
