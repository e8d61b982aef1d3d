from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..db import get_session
from ..models import MailDelivery, User, utcnow
from ..security import csrf, public, requires
from ..vocabulary import MailFrequency, MailState, Role
from .blueprint import bp
from .commands import SWEEP_MINUTES, queue
from .forms import ButtonForm, MailPreferenceForm
from .messages import user_id_of_token
from .operations import backlog, retry, set_frequency
from .queue import mail_enabled
from .smtp import MailConfigError, SmtpServer

SHOWN = 100


def mail_settings(form: MailPreferenceForm | None = None) -> dict[str, Any]:
    """What the account page needs for its e-mail section."""
    if form is None:
        form = MailPreferenceForm(data={"mail_frequency": current_user.mail_frequency.value})
    return {"mail_form": form, "mail_on": mail_enabled(current_app)}


@bp.post("/account/email")
def settings() -> ResponseReturnValue:
    """Choose how often one's notifications come by e-mail."""
    form = MailPreferenceForm()
    if not form.validate_on_submit():
        # Imported here: the account page's view imports this module.
        from ..auth.forms import ChangePasswordForm

        return render_template(
            "auth/account.html", form=ChangePasswordForm(formdata=None), **mail_settings(form)
        ), 400
    db = get_session()
    frequency = MailFrequency(form.mail_frequency.data)
    set_frequency(db, current_user, frequency, action="account.mail_frequency", by=current_user)
    db.commit()
    flash(_("E-mail: %(frequency)s.", frequency=frequency.label.lower()), "success")
    return redirect(url_for("auth.account", _anchor="email"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str) -> ResponseReturnValue:
    """Stop e-mail to the account the signed link names: a page to confirm, or one POST.

    The POST is what RFC 8058's List-Unsubscribe-Post asks of a mail client: it comes with no
    cookie and no CSRF token, and the signed token is all it needs. It only ever stops e-mail.
    """
    user_id = user_id_of_token(token)
    db = get_session()
    user = db.get(User, user_id) if user_id is not None else None
    if user is None:
        abort(404)
    if request.method == "GET":
        return render_template(
            "mail/unsubscribe.html", done=False, already=user.mail_frequency is MailFrequency.NEVER
        )
    set_frequency(db, user, MailFrequency.NEVER, action="mail.unsubscribe", by=user)
    db.commit()
    return render_template("mail/unsubscribe.html", done=True, already=False)


@bp.get("/admin/mail")
@requires(Role.ADMIN)
def admin() -> ResponseReturnValue:
    """The outbox: e-mails waiting, failed and sent, with their attempts and errors."""
    server: SmtpServer | None = None
    problem = None
    if mail_enabled(current_app):
        try:
            server = SmtpServer.from_url(current_app.config["SMTP_URL"])
        except MailConfigError as error:
            problem = str(error)
    swept = queue(current_app).last_swept() if server is not None else None
    return render_template(
        "mail/admin.html",
        outbox=backlog(get_session(), limit=SHOWN),
        server=server,
        swept=swept,
        sweep_minutes=SWEEP_MINUTES,
        # A worker sweeps every SWEEP_MINUTES: two sweeps missed, it is not running.
        worker_late=swept is None or utcnow() - swept > dt.timedelta(minutes=2 * SWEEP_MINUTES),
        problem=problem,
        states=MailState,
        form=ButtonForm(),
        shown=SHOWN,
    )


@bp.post("/admin/mail/<int:delivery_id>/retry")
@requires(Role.ADMIN)
def retry_delivery(delivery_id: int) -> ResponseReturnValue:
    """Try a failed or waiting e-mail again now."""
    db = get_session()
    delivery = db.get(MailDelivery, delivery_id)
    if delivery is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if retry(db, delivery, by=current_user):
        db.commit()
        if mail_enabled(current_app):
            queue(current_app).wake()
        flash(_("E-mail %(number)d will be tried again now.", number=delivery.id), "success")
    else:
        flash(
            _(
                "E-mail %(number)d is %(state)s: nothing to retry.",
                number=delivery.id,
                state=delivery.state.label.lower(),
            ),
            "info",
        )
    return redirect(url_for(".admin"))
