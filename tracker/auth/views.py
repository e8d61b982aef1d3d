from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..db import get_session
from ..security import public
from ..vocabulary import Role
from . import bp
from .forms import FirstAdminForm, LoginForm
from .services import authenticate, count_users, create_user

SETUP_LINK_MAX_AGE = 24 * 3600


def safe_next(target: str | None) -> str:
    """Follow `next` only within this site: a path, never another host or scheme."""
    if not target:
        return url_for("dashboard.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.index")
    if "\\" in target:
        return url_for("dashboard.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    db = get_session()
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db, form.email.data or "", form.password.data or "")
        db.commit()
        if user is not None:
            session.clear()  # a fresh session on login: nothing carried over from before
            login_user(user)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(safe_next(request.args.get("next")))
        form.password.errors = ["Unknown email or wrong password."]
    return render_template("auth/login.html", form=form, no_users=count_users(db) == 0)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))


def setup_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="first-admin")  # type: ignore[arg-type]


def first_admin_link() -> str:
    """Make a link to create the first admin account, valid while there is no user."""
    token = setup_serializer().dumps("first-admin")
    return url_for("auth.setup", token=token, _external=True)


@bp.route("/setup/<token>", methods=["GET", "POST"])
@public
def setup(token: str) -> ResponseReturnValue:
    db = get_session()
    try:
        setup_serializer().loads(token, max_age=SETUP_LINK_MAX_AGE)
    except BadSignature:
        flash("That setup link is invalid or has expired: run `tracker init` for a new one.", "error")
        return redirect(url_for("auth.login"))
    if count_users(db) > 0:
        flash("The first account already exists: log in.", "info")
        return redirect(url_for("auth.login"))
    form = FirstAdminForm()
    if form.validate_on_submit():
        user = create_user(
            db, form.email.data or "", form.name.data or "", form.password.data or "", Role.ADMIN,
            by=None,
        )
        db.commit()
        session.clear()
        login_user(user)
        flash("Your admin account is ready.", "success")
        return redirect(url_for("dashboard.index"))
    return render_template("auth/setup.html", form=form)
