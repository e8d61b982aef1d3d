from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_login import current_user

from ..auth.throttle import password_checked
from ..auth.views import WRONG_PASSWORDS_THROTTLED, password_confirmed
from ..db import get_session
from .blueprint import tokens_bp as bp
from .forms import NewTokenForm, RevokeTokenForm
from .tokens import TokenError, create_token, list_tokens, revoke_token


@bp.route("", methods=["GET", "POST"])
@password_checked
def index() -> ResponseReturnValue:
    """List one's API tokens and make a new one, whose secret is shown this once."""
    db = get_session()
    form = NewTokenForm()
    secret = None
    if form.validate_on_submit() and password_confirmed(db, form.password):
        token, secret = create_token(db, current_user, form.name.data or "")
        db.commit()
        form = NewTokenForm(formdata=None)
    return tokens_page(form, secret)


def tokens_page(form: NewTokenForm, secret: str | None = None) -> str:
    return render_template(
        "api/tokens.html",
        form=form,
        secret=secret,
        tokens=list_tokens(get_session(), current_user),
        revoke_form=RevokeTokenForm(formdata=None),
    )


@bp.errorhandler(RateLimitExceeded)
def throttled(error: RateLimitExceeded) -> ResponseReturnValue:
    form = NewTokenForm()
    form.form_errors.append(WRONG_PASSWORDS_THROTTLED)
    return tokens_page(form), 429


@bp.post("/revoke")
def revoke() -> ResponseReturnValue:
    db = get_session()
    form = RevokeTokenForm()
    token_id = form.token_id.data or ""
    if (
        form.validate_on_submit()
        and token_id.isascii()
        and token_id.isdigit()
        and len(token_id) < 19
    ):
        try:
            token = revoke_token(db, current_user, int(token_id))
        except TokenError as error:
            db.rollback()
            flash(str(error), "error")
        else:
            db.commit()
            flash(
                _("The token “%(name)s” is revoked: it no longer works.", name=token.name),
                "success",
            )
    else:
        flash(_("Choose a token to revoke."), "error")
    return redirect(url_for(".index"))
