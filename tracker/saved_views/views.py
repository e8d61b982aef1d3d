from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..db import get_session
from ..models import SavedView
from ..notifications.operations import active_watch
from ..notifications.views import ButtonForm
from .blueprint import bp
from .forms import RenameViewForm, SaveViewForm
from .operations import ViewError, delete_view, find_view, rename_view, save_view, views_of


def view_or_404(slug: str) -> SavedView:
    view = find_view(get_session(), slug)
    if view is None:
        abort(404)
    return view


def own_view_or_403(slug: str) -> SavedView:
    view = view_or_404(slug)
    if view.owner_id != current_user.id:
        abort(403)
    return view


@bp.get("")
def index() -> ResponseReturnValue:
    """List my saved views."""
    return render_template(
        "saved_views/index.html", views=views_of(get_session(), current_user), form=ButtonForm()
    )


@bp.post("")
def save() -> ResponseReturnValue:
    """Keep the dashboard's filters under a name."""
    db = get_session()
    form = SaveViewForm()
    if form.validate_on_submit():
        try:
            view = save_view(db, current_user, form.name.data, form.arguments())
        except ViewError as error:
            db.rollback()
            form.name.errors = [str(error)]
        else:
            db.commit()
            flash(
                _("View “%(name)s” saved: its link shows it to anyone logged in.", name=view.name),
                "success",
            )
            return redirect(url_for(".show", slug=view.slug))
    return render_template("saved_views/save.html", form=form), 400


@bp.get("/<slug>")
def show(slug: str) -> ResponseReturnValue:
    """Show the dashboard filtered as the view keeps it."""
    view = view_or_404(slug)
    return redirect(url_for("dashboard.index", **view.query, view=view.slug))


@bp.route("/<slug>/rename", methods=["GET", "POST"])
def rename(slug: str) -> ResponseReturnValue:
    """Rename one of my views."""
    db = get_session()
    view = own_view_or_403(slug)
    form = RenameViewForm(data=None if request.method == "POST" else {"name": view.name})
    if form.validate_on_submit():
        try:
            renamed = rename_view(db, view, current_user, form.name.data)
        except ViewError as error:
            db.rollback()
            form.name.errors = [str(error)]
        else:
            db.commit()
            flash(
                _("Renamed “%(name)s”.", name=view.name) if renamed else _("Nothing changed."),
                "success",
            )
            return redirect(url_for(".index"))
    return render_template("saved_views/rename.html", view=view, form=form)


@bp.post("/<slug>/delete")
def delete(slug: str) -> ResponseReturnValue:
    """Delete one of my views: its link stops working and nobody hears of it any more."""
    db = get_session()
    view = own_view_or_403(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    delete_view(db, view, current_user)
    db.commit()
    flash(_("View “%(name)s” deleted.", name=view.name), "success")
    return redirect(url_for(".index"))


def view_context(slug: str | None, kept: dict[str, str]) -> dict[str, object]:
    """What the dashboard shows of the saved view it was opened from, and the form that
    keeps the filters it shows (`kept`)."""
    if not current_user.is_authenticated:
        # The public site's reader keeps no views, and a form's CSRF token would start a session.
        return {"saved_view": None, "view_watched": False, "my_views": [], "save_form": None,
                "view_form": None}  # fmt: skip
    db = get_session()
    view = find_view(db, slug) if slug else None
    return {
        "saved_view": view,
        "view_watched": view is not None
        and active_watch(db, current_user, "view", view.id) is not None,
        "my_views": views_of(db, current_user),
        "save_form": SaveViewForm(formdata=None, data=kept),
        "view_form": ButtonForm(formdata=None),
    }
