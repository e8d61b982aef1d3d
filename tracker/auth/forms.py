from __future__ import annotations

from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    ValidationError,
)

from ..forms import TrackerForm
from ..i18n import LANGUAGES
from ..i18n import lazy_gettext as _l
from .passwords import MAX_LENGTH, password_problem

NEW_PASSWORD_HELP = _l("12 to 128 characters; a passphrase of several words works well.")
# What password managers need to fill and save passwords in the right place.
NEW_PASSWORD = {"autocomplete": "new-password"}


class LanguageForm(TrackerForm):
    """The interface language a logged-in user chose (the switcher's buttons), and the page."""

    language = SelectField(
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        validators=[InputRequired()],
    )
    next = HiddenField()


class LoginForm(TrackerForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired()], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class NewPasswordMixin:
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired()],
        description=NEW_PASSWORD_HELP,
        render_kw=NEW_PASSWORD,
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw=NEW_PASSWORD,
    )

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class FirstAdminForm(NewPasswordMixin, TrackerForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


def current_password_field(label: str = _l("Current password")) -> PasswordField:
    """The logged-in user's password, asked for again; the view checks it (see views.py)."""
    return PasswordField(
        label,
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(max=MAX_LENGTH),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(NewPasswordMixin, TrackerForm):
    current_password = current_password_field()
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],
        description=NEW_PASSWORD_HELP,
        render_kw=NEW_PASSWORD,
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw=NEW_PASSWORD,
    )
