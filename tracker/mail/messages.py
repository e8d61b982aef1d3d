"""E-mails as people read them: plain text and HTML, with absolute links and unsubscribe headers.

Every e-mail carries a signed link that unsubscribes its recipient in one click: in the text,
and in the List-Unsubscribe and List-Unsubscribe-Post headers (RFC 8058), which a mail client
POSTs to without a login or a cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, URLSafeSerializer

from ..i18n import forced_language
from ..models import MailReminder, Notification, User, utcnow
from ..notifications.operations import LABELS, anchor_of
from ..vocabulary import MailFrequency
from .operations import Claimed

SUBJECT_LIMIT = 150


def unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="mail.unsubscribe")  # type: ignore[arg-type]


def unsubscribe_token(user: User) -> str:
    """A token that names the user, signed: it stops their e-mail and does nothing else."""
    return unsubscribe_serializer().dumps({"user": user.id})


def user_id_of_token(token: str) -> int | None:
    try:
        payload = unsubscribe_serializer().loads(token)
    except BadSignature:
        return None
    user_id = payload.get("user") if isinstance(payload, dict) else None
    return user_id if isinstance(user_id, int) else None


@dataclass(frozen=True)
class Item:
    """One notification, as an e-mail lists it."""

    label: str
    title: str
    url: str
    by: str
    at: str


def label_of(kind: str) -> str:
    return str(LABELS.get(kind) or kind.replace("_", " ").capitalize())


def item_of(notification: Notification) -> Item:
    # A kind it does not know links to the recommendation itself.
    known = notification.kind in LABELS
    return Item(
        label=label_of(notification.kind),
        title=notification.recommendation.title,
        url=url_for(
            "recommendations.show",
            slug=notification.recommendation.slug,
            _anchor=anchor_of(notification) if known else None,
            _external=True,
        ),
        by=notification.by.name if notification.by else _("Tracker"),
        at=notification.created_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


def reminder_item(reminder: MailReminder) -> Item:
    return Item(
        label=_("Due for review"),
        title=reminder.recommendation.title,
        url=url_for("recommendations.show", slug=reminder.recommendation.slug, _external=True),
        by="",
        at=reminder.due_on.isoformat(),
    )


def subject_of(claimed: Claimed, items: list[Item]) -> str:
    kind = claimed.delivery.kind
    if kind == "notification":
        subject = f"{items[0].label}: {items[0].title}"
    elif kind == "reminder":
        subject = (
            _("Due for review: %(title)s", title=items[0].title)
            if len(items) == 1
            else ngettext(
                "%(num)d recommendation is due for review",
                "%(num)d recommendations are due for review",
                len(items),
            )
        )
    elif claimed.user.mail_frequency is MailFrequency.WEEKLY:
        subject = ngettext(
            "Your weekly Tracker digest: %(num)d notification",
            "Your weekly Tracker digest: %(num)d notifications",
            len(items),
        )
    else:
        subject = ngettext(
            "Your daily Tracker digest: %(num)d notification",
            "Your daily Tracker digest: %(num)d notifications",
            len(items),
        )
    return subject if len(subject) <= SUBJECT_LIMIT else subject[: SUBJECT_LIMIT - 1] + "…"


def compose(claimed: Claimed, sender: str) -> EmailMessage:
    """Build the e-mail in its recipient's language; call it inside a request context whose
    base URL is the site's."""
    with forced_language(claimed.user.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return composed(claimed, sender)


def composed(claimed: Claimed, sender: str) -> EmailMessage:
    items = [item_of(notification) for notification in claimed.notifications] or [
        reminder_item(reminder) for reminder in claimed.reminders
    ]
    user = claimed.user
    unsubscribe = url_for("mail.unsubscribe", token=unsubscribe_token(user), _external=True)
    context = {
        "user": user,
        "kind": claimed.delivery.kind,
        "items": items,
        "unsubscribe_url": unsubscribe,
        "settings_url": url_for("auth.account", _external=True, _anchor="email"),
        "notifications_url": url_for("notifications.index", _external=True),
        "frequency": user.mail_frequency,
    }
    message = EmailMessage()
    message["Subject"] = subject_of(claimed, items)
    message["From"] = sender
    message["To"] = formataddr((user.name, user.email))
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = claimed.delivery.message_id
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_template("mail/message.txt", **context))
    message.add_alternative(render_template("mail/message.html", **context), subtype="html")
    return message
