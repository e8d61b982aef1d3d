from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from wtforms import PasswordField

from ..db import get_session
from ..i18n import lazy_gettext as _l
from ..mail.views import mail_settings
from ..models import User
from ..security import public
from ..views import local_address
from ..vocabulary import Role
from .blueprint import bp
from .forms import ChangePasswordForm, FirstAdminForm, LanguageForm, LoginForm
from .services import (
    AccountError,
    Check,
    Ended,
    authenticate,
    change_password,
    check_password_again,
    count_users,
    create_user,
    log_out,
    set_language,
)
from .sessions import TOKEN_KEY, current_session, end_session_of_token, hold_token, start_session
from .throttle import password_checked, throttled, wrong_password_given

SETUP_LINK_MAX_AGE = 24 * 3600


def safe_next(target: str | None) -> str:
    """Follow `next` only within this site: a path, never another host or scheme."""
    if not target:
        return url_for("dashboard.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.index")
    # A backslash reads as "/" to some browsers; a line break would end the Location header.
    if "\\" in target or not target.isprintable():
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
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next")))
        db.commit()  # the failed attempt's audit event
        form.password.errors = [_("Unknown email or wrong password.")]
    return render_template("auth/login.html", form=form, no_users=count_users(db) == 0)


class TooManyWrongPasswords(Exception):
    """The session gave a wrong password once too often, and has ended."""


def password_confirmed(db: Session, field: PasswordField) -> bool:
    """Check the password the logged-in user typed in `field`; if wrong, the field says so.

    Only a view marked `password_checked` may call it: the wrong ones count against its
    limits, and the one that ends the session raises `TooManyWrongPasswords`.
    """
    outcome = check_password_again(
        db, current_user, field.data or "", user_session=current_session()
    )
    if outcome is Check.RIGHT:
        return True
    wrong_password_given()
    db.commit()  # the audit events, and the session's end
    if outcome is Check.SESSION_ENDED:
        raise TooManyWrongPasswords
    field.errors = [*field.errors, _("That is not your current password.")]
    return False


@bp.app_errorhandler(TooManyWrongPasswords)
def logged_out_for_wrong_passwords(error: TooManyWrongPasswords) -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash(_("You are logged out: the password was wrong too many times. Log in again."), "error")
    return redirect(url_for("auth.login"))


WRONG_PASSWORDS_THROTTLED = _l(
    "Too many wrong passwords for this account or from this address: this one was not "
    "checked. Wait a few minutes, then try again."
)


@bp.errorhandler(RateLimitExceeded)
def login_throttled(error: RateLimitExceeded) -> ResponseReturnValue:
    """Show the login page again, saying why nothing was checked."""
    if request.endpoint == "auth.account":
        form = ChangePasswordForm()
        form.form_errors.append(WRONG_PASSWORDS_THROTTLED)
        return render_template("auth/account.html", form=form, **mail_settings()), 429
    form = LoginForm()
    form.form_errors.append(
        _(
            "Too many login attempts for this account or from this address. "
            "Wait a few minutes, then try again."
        )
    )
    return render_template("auth/login.html", form=form, no_users=False), 429


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    db = get_session()
    log_out(db, current_user, current_session())
    db.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    response = redirect(url_for("auth.login"))
    # Pages the browser kept of this session go with it (ASVS 5.0 V14.3.1).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.post("/account/language")
def choose_language() -> ResponseReturnValue:
    """Keep the interface language a logged-in user chose, then show the page again."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400, description=_("Choose one of the languages offered."))
    db = get_session()
    set_language(db, current_user, form.language.data)
    db.commit()
    return redirect(local_address(form.next.data, url_for("dashboard.index")), code=303)


@bp.route("/account", methods=["GET", "POST"])
@password_checked
def account() -> ResponseReturnValue:
    """Show who is logged in, and change one's own password."""
    db = get_session()
    form = ChangePasswordForm()
    if form.validate_on_submit() and password_confirmed(db, form.current_password):
        try:
            ended = change_password(
                db, current_user, form.password.data or "", current=current_session()
            )
        except AccountError as error:
            db.rollback()
            form.password.errors = [str(error)]
        else:
            db.commit()
            flash(changed_message(ended), "success")
            return redirect(url_for(".account"))
    return render_template("auth/account.html", form=form, **mail_settings())


def changed_message(ended: Ended) -> str:
    """Say what changing the password ended, each case a whole sentence to translate."""
    if ended.sessions and ended.tokens:
        return ngettext(
            "Your password has been changed, you are logged out everywhere else, and your API "
            "token is revoked: make new ones where you need them.",
            "Your password has been changed, you are logged out everywhere else, and your API "
            "%(num)s tokens are revoked: make new ones where you need them.",
            ended.tokens,
        )
    if ended.tokens:
        return ngettext(
            "Your password has been changed and your API token is revoked: make new ones where "
            "you need them.",
            "Your password has been changed and your API %(num)s tokens are revoked: make new "
            "ones where you need them.",
            ended.tokens,
        )
    if ended.sessions:
        return _("Your password has been changed and you are logged out everywhere else.")
    return _("Your password has been changed.")


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
            _("That setup link is invalid or has expired: run `tracker init` for a new one."),
            "error",
        )
        return redirect(url_for("auth.login"))
    if count_users(db) > 0:
        flash(_("The first account already exists: log in."), "info")
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
        flash(_("Your admin account is ready."), "success")
        return redirect(url_for("dashboard.index"))
    return render_template("auth/setup.html", form=form)
