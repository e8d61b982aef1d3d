from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import services as accounts
from ..auth.services import AccountError
from ..db import get_session
from ..models import User
from ..security import requires
from ..vocabulary import Role
from .blueprint import bp
from .forms import ActiveForm, NewUserForm, RoleForm


def get_user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users")
@requires(Role.ADMIN)
def users() -> ResponseReturnValue:
    """List every account with its role, access and last login, and forms to change them."""
    rows = [
        (
            account,
            last_login,
            RoleForm.for_user(account, data={"role": account.role.value}),
            ActiveForm.for_user(account, data={"active": "0" if account.active else "1"}),
        )
        for account, last_login in accounts.list_accounts(get_session())
    ]
    return render_template("admin/users.html", rows=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Role.ADMIN)
def create_user() -> ResponseReturnValue:
    """Create an account with the initial password the admin types."""
    db = get_session()
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                db, form.email.data or "", form.name.data or "", form.password.data or "",
                Role(form.role.data), by=current_user,
            )  # fmt: skip
        except AccountError as error:
            db.rollback()
            form.form_errors.append(str(error))
        else:
            db.commit()
            flash(
                _("Created %(email)s (%(role)s).", email=user.email, role=user.role.label),
                "success",
            )
            return redirect(url_for(".users"))
    return render_template("admin/new_user.html", form=form)


def refused(form: RoleForm | ActiveForm) -> ResponseReturnValue:
    """Say what was wrong with a form of the list, back on the list."""
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/role")
@requires(Role.ADMIN)
def change_role(user_id: int) -> ResponseReturnValue:
    db = get_session()
    account = get_user_or_404(user_id)
    form = RoleForm.for_user(account)
    if not form.validate_on_submit():
        return refused(form)
    try:
        accounts.set_role(db, account, Role(form.role.data), by=current_user)
    except AccountError as error:
        db.rollback()
        flash(str(error), "error")
    else:
        db.commit()
        flash(
            _("%(email)s is now %(role)s.", email=account.email, role=account.role.label), "success"
        )
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/active")
@requires(Role.ADMIN)
def set_active(user_id: int) -> ResponseReturnValue:
    """Disable or re-enable an account, never delete it: its history keeps its author."""
    db = get_session()
    account = get_user_or_404(user_id)
    form = ActiveForm.for_user(account)
    if not form.validate_on_submit():
        return refused(form)
    try:
        if form.active.data == "1":
            accounts.enable_user(db, account, by=current_user)
            message = _("%(email)s can log in again.", email=account.email)
        else:
            accounts.disable_user(db, account, by=current_user)
            message = _(
                "%(email)s is disabled and logged out everywhere; its API tokens are revoked.",
                email=account.email,
            )
    except AccountError as error:
        db.rollback()
        flash(str(error), "error")
    else:
        db.commit()
        flash(message, "success")
    return redirect(url_for(".users"))
