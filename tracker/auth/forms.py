from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..forms import TrackerForm
from .passwords import MAX_LENGTH, password_problem

NEW_PASSWORD_HELP = "12 to 128 characters; a passphrase of several words works well."
# What password managers need to fill and save passwords in the right place.
NEW_PASSWORD = {"autocomplete": "new-password"}


class LoginForm(TrackerForm):
    email = EmailField("Email", validators=[DataRequired()], render_kw={"autocomplete": "username"})
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class NewPasswordMixin:
    password = PasswordField(
        "Password",
        validators=[DataRequired()],
        description=NEW_PASSWORD_HELP,
        render_kw=NEW_PASSWORD,
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
        render_kw=NEW_PASSWORD,
    )

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class FirstAdminForm(NewPasswordMixin, TrackerForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        "Email",
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


def current_password_field(label: str = "Current password") -> PasswordField:
    """The logged-in user's password, asked for again; the view checks it (see views.py)."""
    return PasswordField(
        label,
        validators=[
            DataRequired(message="Enter your password."),
            Length(max=MAX_LENGTH),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(NewPasswordMixin, TrackerForm):
    current_password = current_password_field()
    password = PasswordField(
        "New password",
        validators=[DataRequired()],
        description=NEW_PASSWORD_HELP,
        render_kw=NEW_PASSWORD,
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
        render_kw=NEW_PASSWORD,
    )
