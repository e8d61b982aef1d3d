from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from ..db import get_session
from ..models import User
from ..security import public
from ..vocabulary import Role
from .blueprint import bp
from .forms import ChangePasswordForm, FirstAdminForm, LoginForm
from .services import AccountError, authenticate, change_password, count_users, create_user, log_out
from .sessions import TOKEN_KEY, current_session, end_session_of_token, hold_token, start_session
from .throttle import throttled

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


def log_in(db: Session, user: User) -> None:
    """Commit a new server-side session for `user`; hand its token to an emptied Flask session.

    Nothing from before the login survives: the browser's previous session ends, and a
    session planted in its cookie is never reused.
    """
    end_session_of_token(db, session.get(TOKEN_KEY))
    token = start_session(db, user)
    db.commit()
    session.clear()
    hold_token(token)
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@public
@throttled
def login() -> ResponseReturnValue:
    # A posted form logs in whoever it names, even over a session the browser already has.
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    db = get_session()
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db, form.email.data or "", form.password.data or "")
        if user is not None:
            log_in(db, user)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(safe_next(request.args.get("next")))
        db.commit()  # the failed attempt's audit event
        form.password.errors = ["Unknown email or wrong password."]
    return render_template("auth/login.html", form=form, no_users=count_users(db) == 0)


@bp.errorhandler(RateLimitExceeded)
def login_throttled(error: RateLimitExceeded) -> ResponseReturnValue:
    """Show the login page again, saying why nothing was checked."""
    form = LoginForm()
    form.form_errors.append(
        "Too many login attempts for this account or from this address. "
        "Wait a few minutes, then try again."
    )
    return render_template("auth/login.html", form=form, no_users=False), 429


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    db = get_session()
    log_out(db, current_user, current_session())
    db.commit()
    logout_user()
    session.clear()
    flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
def account() -> ResponseReturnValue:
    """Show who is logged in, and change one's own password."""
    db = get_session()
    form = ChangePasswordForm(current_user)
    if form.validate_on_submit():
        try:
            ended = change_password(
                db, current_user, form.password.data or "", current=current_session()
            )
        except AccountError as error:
            db.rollback()
            form.password.errors = [str(error)]
        else:
            db.commit()
            elsewhere = " and you are logged out everywhere else" if ended else ""
            flash(f"Your password has been changed{elsewhere}.", "success")
            return redirect(url_for(".account"))
    return render_template("auth/account.html", form=form)


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
        flash(
            "That setup link is invalid or has expired: run `tracker init` for a new one.", "error"
        )
        return redirect(url_for("auth.login"))
    if count_users(db) > 0:
        flash("The first account already exists: log in.", "info")
        return redirect(url_for("auth.login"))
    form = FirstAdminForm()
    if form.validate_on_submit():
        user = create_user(
            db,
            form.email.data or "",
            form.name.data or "",
            form.password.data or "",
            Role.ADMIN,
            by=None,
        )
        log_in(db, user)
        flash("Your admin account is ready.", "success")
        return redirect(url_for("dashboard.index"))
    return render_template("auth/setup.html", form=form)
