from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..catalogue import CatalogueError
from ..db import get_session
from ..forms import refuse_on_form, slug_or_made_from
from ..lists.operations import Listed, create_actor, create_theme, merge_entries, rename_entry
from ..models import Actor, Recommendation, Theme, recommendation_actor
from ..security import requires
from ..vocabulary import Role
from .blueprint import bp
from .forms import MergeForm, NewEntryForm, RenameForm

KIND = "<any(actors, themes):kind>"


@dataclass(frozen=True)
class Kind:
    """What differs between the list of actors and the list of themes."""

    model: type[Listed]
    create: Callable[..., Listed]
    singular: str
    title: str

    def get_or_404(self, slug: str) -> Listed:
        entry = get_session().scalars(select(self.model).where(self.model.slug == slug)).first()
        if entry is None:
            abort(404)
        return entry


KINDS = {
    "actors": Kind(Actor, create_actor, "actor", "Actors"),
    "themes": Kind(Theme, create_theme, "theme", "Themes"),
}


@bp.get(f"/{KIND}/")
def index(kind: str) -> ResponseReturnValue:
    """List the actors (or themes) with how many recommendations each has."""
    return render_index(kind, NewEntryForm())


@bp.post(f"/{KIND}/")
@requires(Role.EDITOR)
def add(kind: str) -> ResponseReturnValue:
    """Add an actor (or a theme) to the list."""
    db = get_session()
    form = NewEntryForm()
    if form.validate_on_submit():
        name = form.name.data.strip()
        try:
            entry = KINDS[kind].create(
                db, slug=slug_or_made_from(form.slug, name), name=name,
                by=current_user,
            )  # fmt: skip
        except CatalogueError as error:
            refuse_on_form(db, form, error)
        else:
            db.commit()
            flash(_("Added “%(name)s”.", name=entry.name), "success")
            return redirect(url_for(".index", kind=kind))
    return render_index(kind, form)


@bp.route(f"/{KIND}/<slug>/rename", methods=["GET", "POST"])
@requires(Role.EDITOR)
def rename(kind: str, slug: str) -> ResponseReturnValue:
    """Rename an actor (or a theme); its slug stays, so every link to it still works."""
    db = get_session()
    entry = KINDS[kind].get_or_404(slug)
    form = RenameForm(data={"name": entry.name})
    if form.validate_on_submit():
        try:
            renamed = rename_entry(db, entry, name=form.name.data, editor=current_user)
        except CatalogueError as error:
            refuse_on_form(db, form, error)
        else:
            db.commit()
            flash(
                _("Renamed to “%(name)s”.", name=entry.name) if renamed else _("Nothing changed."),
                "success",
            )
            return redirect(url_for(".index", kind=kind))
    return render_template("lists/rename.html", kind=KINDS[kind], entry=entry, form=form)


@bp.route(f"/{KIND}/<slug>/merge", methods=["GET", "POST"])
@requires(Role.EDITOR)
def merge(kind: str, slug: str) -> ResponseReturnValue:
    """Fold a duplicate actor (or theme) into another: its recommendations move over."""
    db = get_session()
    entry = KINDS[kind].get_or_404(slug)
    entries = usage(db, KINDS[kind].model)
    form = MergeForm()
    form.into.choices = [(other.id, other.name) for other, _ in entries if other.id != entry.id]
    if form.validate_on_submit():
        into = db.get(KINDS[kind].model, form.into.data)
        assert into is not None  # the form offers only existing entries
        moved = merge_entries(db, entry, into, editor=current_user)
        db.commit()
        flash(
            ngettext(
                "Merged into “%(name)s”: %(num)s recommendation moved.",
                "Merged into “%(name)s”: %(num)s recommendations moved.",
                len(moved),
                name=into.name,
            ),
            "success",
        )
        return redirect(url_for(".index", kind=kind))
    count = next(n for other, n in entries if other.id == entry.id)
    return render_template(
        "lists/merge.html", kind=KINDS[kind], entry=entry, count=count, form=form
    )


def render_index(kind: str, form: NewEntryForm) -> str:
    return render_template(
        "lists/index.html", kind=KINDS[kind], entries=usage(get_session(), KINDS[kind].model),
        form=form,
    )  # fmt: skip


def usage(session: Session, model: type[Listed]) -> list[tuple[Listed, int]]:
    """List every actor or theme by name with the number of recommendations filed under it."""
    if model is Actor:
        count = func.count(recommendation_actor.c.recommendation_id)
        query = select(Actor, count).outerjoin(recommendation_actor).group_by(Actor.id)
    else:
        count = func.count(Recommendation.id)
        query = select(Theme, count).outerjoin(Recommendation).group_by(Theme.id)
    return [(entry, n) for entry, n in session.execute(query.order_by(model.name))]
