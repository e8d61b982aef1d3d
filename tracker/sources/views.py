from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from ..caching import cached_page
from ..catalogue import CatalogueError
from ..db import get_session
from ..forms import (
    TRANSLATED_FIELDS,
    form_notes,
    refuse_on_form,
    saved_version,
    show_translations,
    slug_or_made_from,
    translations_from,
)
from ..lists.operations import actors_by_id
from ..models import Recommendation, Source, Theme
from ..notifications.operations import active_watch
from ..notifications.views import ButtonForm
from ..recommendations.forms import NewRecommendationForm
from ..recommendations.operations import create_recommendation
from ..security import readable, requires
from ..sources.operations import create_source, edit_source
from ..standings import DashboardFilters, dashboard
from ..versions import EditConflict, diff, snapshot
from ..views import moment_from_query, render_history
from ..vocabulary import DatePrecision, Role, SourceKind
from .blueprint import bp
from .forms import NewSourceForm, SourceForm


def get_source_or_404(slug: str) -> Source:
    source = get_session().scalars(select(Source).where(Source.slug == slug)).first()
    if source is None:
        abort(404)
    return source


@bp.get("/")
@readable
def index() -> ResponseReturnValue:
    """List every source, newest first, with how many recommendations each makes."""
    count = func.count(Recommendation.id)
    sources = get_session().execute(
        select(Source, count)
        .outerjoin(Recommendation)
        .group_by(Source.id)
        .order_by(Source.published_on.desc(), Source.title)
    )
    return render_template("sources/index.html", sources=sources.all())


@bp.route("/new", methods=["GET", "POST"])
@requires(Role.EDITOR)
def new() -> ResponseReturnValue:
    """Add a source; its recommendations are added on its page next."""
    db = get_session()
    form = NewSourceForm()
    if form.validate_on_submit():
        title = form.title.data.strip()
        try:
            source = create_source(
                db,
                slug=slug_or_made_from(form.slug, title),
                kind=SourceKind(form.kind.data),
                title=title,
                author=form.author.data,
                publisher=form.publisher.data,
                url=form.url.data.strip(),
                published_on=form.published_on.data,
                date_precision=DatePrecision(form.date_precision.data),
                text=form.text.data or None,
                published=bool(form.published.data),
                language=form.language.data,
                translations=translations_from(form, ["title"], form.language.data),
                by=current_user,
            )
        except CatalogueError as error:
            refuse_on_form(db, form, error)
        else:
            db.commit()
            flash(_("Source added. Now add its recommendations."), "success")
            for note in form_notes(form):
                flash(note, "info")
            return redirect(url_for(".add_recommendation", slug=source.slug))
    return render_template("sources/new.html", form=form)


@bp.route("/<slug>/recommendations/new", methods=["GET", "POST"])
@requires(Role.EDITOR)
def add_recommendation(slug: str) -> ResponseReturnValue:
    """Add one of a source's recommendations; its passage must be in the source's full text."""
    db = get_session()
    source = get_source_or_404(slug)
    form = NewRecommendationForm()
    form.offer_lists(db)
    if form.validate_on_submit():
        title = form.title.data.strip()
        try:
            recommendation = create_recommendation(
                db,
                source,
                slug=slug_or_made_from(form.slug, title),
                title=title,
                summary=form.summary.data,
                passage=form.passage.data,
                theme=db.get_one(Theme, form.theme.data),
                actors=actors_by_id(db, form.actors.data),
                condition=(form.condition.data or "").strip() or None,
                translations=translations_from(form, TRANSLATED_FIELDS, source.language),
                by=current_user,
            )
        except CatalogueError as error:
            refuse_on_form(db, form, error)
        else:
            db.commit()
            flash(_("Added “%(title)s”.", title=recommendation.title), "success")
            if form.add_another.data:
                return redirect(url_for(".add_recommendation", slug=slug))
            return redirect(url_for(".show", slug=slug))
    return render_template("sources/add_recommendation.html", source=source, form=form)


@bp.get("/<slug>")
@readable
@cached_page
def show(slug: str) -> ResponseReturnValue:
    """Show a source with each of its recommendations and where it stands: its report card."""
    source = get_source_or_404(slug)
    moment, date_errors = moment_from_query()
    board = dashboard(
        get_session(),
        DashboardFilters(source=slug),
        moment,
        review_every_days=current_app.config["REVIEW_EVERY_DAYS"],
    )
    return render_template(
        "sources/show.html",
        source=source,
        board=board,
        moment=moment,
        date_errors=date_errors,
        watching=current_user.is_authenticated
        and active_watch(get_session(), current_user, "source", source.id) is not None,
        # A form's CSRF token starts a session: a public reader gets none, and no cookie.
        watch_form=current_user.is_authenticated and ButtonForm(),
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@requires(Role.EDITOR)
def edit(slug: str) -> ResponseReturnValue:
    """Edit a source's citation or full text; a save over a newer one is refused."""
    db = get_session()
    source = get_source_or_404(slug)
    form = SourceForm(obj=None if request.method == "POST" else source)
    if request.method != "POST":
        show_translations(form, source.translations)
    conflict = None
    if form.validate_on_submit():
        values = {
            "title": form.title.data.strip(),
            "kind": SourceKind(form.kind.data),
            "author": form.author.data.strip(),
            "publisher": form.publisher.data.strip(),
            "url": form.url.data.strip(),
            "published_on": form.published_on.data,
            "date_precision": DatePrecision(form.date_precision.data),
            "text": form.text.data or None,
            "published": bool(form.published.data),
            "language": form.language.data,
            "translations": translations_from(form, ["title"], form.language.data),
        }
        try:
            version = edit_source(
                db, source, editor=current_user, expected_version=saved_version(form.version),
                values=values,
            )  # fmt: skip
        except CatalogueError as error:
            refuse_on_form(db, form, error)
        except (EditConflict, StaleDataError):
            db.rollback()
            source = get_source_or_404(slug)
            saved = snapshot(db, source)
            submitted = {key: value for key, value in saved.items() if ":" not in key} | {
                key: value.isoformat() if isinstance(value, dt.date) else value
                for key, value in values.items()
                if key not in ("language", "translations")
            }
            if values["language"] != "en":
                submitted["language"] = values["language"]
            for code, texts in values["translations"].items():
                submitted |= {f"{field}:{code}": text for field, text in texts.items()}
            conflict = {"version": source.version, "changes": diff(saved, submitted)}
            form.version.data = str(source.version)
        else:
            db.commit()
            flash(_("Saved.") if version else _("Nothing changed."), "success")
            for note in form_notes(form):
                flash(note, "info")
            return redirect(url_for(".show", slug=slug))
    return render_template("sources/edit.html", source=source, form=form, conflict=conflict)


@bp.get("/<slug>/history")
def history(slug: str) -> ResponseReturnValue:
    """Show every version of a source and what changed between two of them."""
    source = get_source_or_404(slug)
    return render_history(source, source.title, url_for(".show", slug=slug))
