from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..models import User
from .passwords import MAX_LENGTH, password_problem, verify_password

NEW_PASSWORD_HELP = "12 to 128 characters; a passphrase of several words works well."
# What password managers need to fill and save passwords in the right place.
NEW_PASSWORD = {"autocomplete": "new-password"}


class LoginForm(FlaskForm):
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


class FirstAdminForm(NewPasswordMixin, FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        "Email",
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
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

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_current_password(self, field: PasswordField) -> None:
        if not verify_password(self.user.password_hash, field.data or ""):
            raise ValidationError("That is not your current password.")
