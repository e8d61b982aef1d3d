"""What templates can use: sanitised Markdown, dates, translated content, and the vocabulary."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import nh3
from flask import Flask
from flask_babel import format_date, gettext, ngettext
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from . import charts, drawing, i18n, vocabulary
from .forms import form_problems
from .views import item_links, query_args

# Raw HTML in Markdown is shown as text, and what Markdown makes is sanitised again.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "del", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip


@functools.lru_cache(maxsize=1024)
def render_markdown(text: str | None) -> Markup:
    """Render an analyst's Markdown to safe HTML: only http(s) links, no script, no style.

    The same text always gives the same HTML, so each is rendered once while it is in use:
    a timeline shows the same assessments and excerpts to every reader.
    """
    html = _markdown.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)


def days_since(moment: dt.date | dt.datetime | None, today: dt.date | None = None) -> str:
    """Say how long ago something happened, in days: "today", "1 day ago", "12 days ago"."""
    if moment is None:
        return gettext("never")
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    days = ((today or dt.date.today()) - day).days
    if days <= 0:
        return gettext("today")
    # Named `count`, not `num`: ngettext gives `num` the bare number, not the local one.
    count = i18n.local_number(days)
    return ngettext("%(count)s day ago", "%(count)s days ago", days, count=count)


def date_tag(day: dt.date | dt.datetime | None) -> Markup:
    """A date as `<time>` in the reader's language; the stylesheet keeps it from breaking."""
    if day is None:
        return Markup("—")
    return Markup(
        f'<time datetime="{escape(day.isoformat())}">{escape(i18n.local_date(day))}</time>'
    )


def datetime_tag(moment: dt.datetime) -> Markup:
    """A moment as `<time>`: 2026-12-01 09:30 UTC, in the reader's language. Right to left,
    the time of day is isolated left to right, or "09:30 UTC" would read "UTC 09:30"."""
    stamp = escape(moment.isoformat())
    if i18n.direction() == "rtl":
        day, time = escape(i18n.local_date(moment)), escape(i18n.local_time(moment))
        return Markup(f'<time datetime="{stamp}">{day}، <bdi dir="ltr">{time}</bdi></time>')
    return Markup(f'<time datetime="{stamp}">{escape(i18n.local_datetime(moment))}</time>')


def published(source: Any) -> str:
    """A source's publication date, no more precisely than it is known, in the reader's words."""
    patterns = {"day": "d MMMM y", "month": "MMMM y", "year": "y"}
    return format_date(source.published_on, patterns[source.date_precision.value])


def long_date(day: dt.date | dt.datetime) -> str:
    return format_date(day, "d MMMM y")


def translated(entity: Any, field: str, language: str | None = None) -> str:
    """A title or summary in the reader's language when it has a translation, else its own.

    A page of many rows reads the reader's `language` once and gives it.
    """
    return entity.text_in(language or i18n.language(), field)


def lang_attr(entity: Any, field: str = "title", language: str | None = None) -> Markup:
    """` lang=".." dir=".."` for text shown in a language other than the page's, else nothing."""
    page = language or i18n.language()
    shown = entity.language_of(page, field)
    if shown == page:
        return Markup("")
    return Markup(' lang="{}" dir="{}"').format(shown, i18n.direction_of(shown))


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.context_processor(lambda: {"today": dt.date.today()})
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["days_since"] = days_since
    app.jinja_env.filters["date"] = date_tag
    app.jinja_env.filters["datetime"] = datetime_tag
    app.jinja_env.filters["local_date"] = i18n.local_date
    app.jinja_env.filters["local_time"] = i18n.local_time
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["published"] = published
    app.jinja_env.filters["translated"] = translated
    app.jinja_env.filters["lang_attr"] = lang_attr
    app.jinja_env.filters["language_name"] = i18n.language_name
    app.jinja_env.filters["text_direction"] = i18n.direction_of
    app.jinja_env.globals.update(
        status_badge_html=drawing.status_badge,
        query_args=query_args,
        item_links=item_links,
        Status=vocabulary.Status,
        Confidence=vocabulary.Confidence,
        Reliability=vocabulary.Reliability,
        Credibility=vocabulary.Credibility,
        Stance=vocabulary.Stance,
        Role=vocabulary.Role,
        RevisionKind=vocabulary.RevisionKind,
        CriterionKind=vocabulary.CriterionKind,
        Verdict=vocabulary.Verdict,
        charts=charts,
        drawing=drawing,
        form_problems=form_problems,
    )
