from __future__ import annotations

from flask_babel import gettext as _
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, Length, ValidationError

from ..auth.forms import NEW_PASSWORD, NewPasswordMixin
from ..auth.services import find_user
from ..db import get_session
from ..forms import TrackerForm, options
from ..i18n import lazy_gettext as _l
from ..models import User
from ..vocabulary import Role


def role_field() -> SelectField:
    return SelectField(
        _l("Role"),
        choices=options(Role, lambda role: f"{role.label}: {role.definition}"),
        default=Role.VIEWER.value,
    )


class NewUserForm(NewPasswordMixin, TrackerForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    # Someone else's address and password: the admin's own must not be filled in or saved.
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        render_kw={"autocomplete": "off"},
    )
    role = role_field()
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired()],
        description=_l(
            "12 to 128 characters; a passphrase of several words works well. Hand it over in "
            "person; they can change it on their account page."
        ),
        render_kw=NEW_PASSWORD,
    )
    confirm = PasswordField(
        _l("Repeat the initial password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw=NEW_PASSWORD,
    )

    def validate_email(self, field: EmailField) -> None:
        if find_user(get_session(), field.data or "") is not None:
            raise ValidationError(_("A user with this email already exists."))


# The list shows these forms once per user: a prefix per user keeps their fields' ids apart.


def row_prefix(user_id: int) -> str:
    return f"user-{user_id}"


class RoleForm(TrackerForm):
    role = role_field()

    @classmethod
    def for_user(cls, user: User, **kwargs: object) -> RoleForm:
        return cls(prefix=row_prefix(user.id), **kwargs)


class ActiveForm(TrackerForm):
    """Disable ("0") or re-enable ("1") an account; the button says which."""

    active = HiddenField(
        validators=[AnyOf(["0", "1"], message=_l("Choose to disable or re-enable the account."))]
    )

    @classmethod
    def for_user(cls, user: User, **kwargs: object) -> ActiveForm:
        return cls(prefix=row_prefix(user.id), **kwargs)
