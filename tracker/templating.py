"""What templates can use: sanitised Markdown, dates, and the vocabulary."""

from __future__ import annotations

import datetime as dt
import functools

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

from . import charts, vocabulary
from .forms import form_problems
from .views import query_args

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


def status_badge_html(status: vocabulary.Status, href: str | None = None) -> Markup:
    """Draw a status as a badge, spaced as the macro it replaces was; with `href`, a link."""
    badge = Markup('<span class="badge status-{}">{}</span>').format(status.value, status.label)
    if href:
        badge = Markup('<a class="badge-link" href="{}">{}</a>').format(href, badge)
    return Markup("\n  {}\n").format(badge)


def days_since(moment: dt.date | dt.datetime | None, today: dt.date | None = None) -> str:
    """Say how long ago something happened, in days: "today", "1 day ago", "12 days ago"."""
    if moment is None:
        return "never"
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    days = ((today or dt.date.today()) - day).days
    if days <= 0:
        return "today"
    return "1 day ago" if days == 1 else f"{days:,} days ago"


def plural(count: int, singular: str, plural: str | None = None) -> str:
    """Say how many: "1 source", "2 sources", "1,234 recommendations"."""
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def date_tag(day: dt.date | None) -> Markup:
    """A date as `<time>`, which the stylesheet keeps from breaking at its hyphens."""
    if day is None:
        return Markup("—")
    return Markup('<time datetime="{0}">{0}</time>').format(day.isoformat())


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.context_processor(lambda: {"today": dt.date.today()})
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["days_since"] = days_since
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.filters["date"] = date_tag
    app.jinja_env.globals.update(
        status_badge_html=status_badge_html,
        query_args=query_args,
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
        form_problems=form_problems,
    )
