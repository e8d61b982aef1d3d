from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..db import get_session
from .blueprint import tokens_bp as bp
from .forms import NewTokenForm, RevokeTokenForm
from .tokens import TokenError, create_token, list_tokens, revoke_token


@bp.route("", methods=["GET", "POST"])
def index() -> ResponseReturnValue:
    """List one's API tokens and make a new one, whose secret is shown this once."""
    db = get_session()
    form = NewTokenForm()
    secret = None
    if form.validate_on_submit():
        token, secret = create_token(db, current_user, form.name.data or "")
        db.commit()
        form = NewTokenForm(formdata=None)
    return render_template(
        "api/tokens.html",
        form=form,
        secret=secret,
        tokens=list_tokens(db, current_user),
        revoke_form=RevokeTokenForm(formdata=None),
    )


@bp.post("/revoke")
def revoke() -> ResponseReturnValue:
    db = get_session()
    form = RevokeTokenForm()
    if form.validate_on_submit() and (form.token_id.data or "").isdigit():
        try:
            token = revoke_token(db, current_user, int(form.token_id.data or 0))
        except TokenError as error:
            db.rollback()
            flash(str(error), "error")
        else:
            db.commit()
            flash(f"The token “{token.name}” is revoked: it no longer works.", "success")
    else:
        flash("Choose a token to revoke.", "error")
    return redirect(url_for(".index"))
