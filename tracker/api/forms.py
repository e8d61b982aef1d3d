from __future__ import annotations

from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from ..auth.forms import current_password_field
from ..forms import TrackerForm
from ..i18n import lazy_gettext as _l


class NewTokenForm(TrackerForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Name the token.")), Length(max=100)],
        description=_l("What will use it, such as “feed reader” or “weekly report script”."),
    )
    # A token reads as you until revoked: whoever holds only your session may not make one.
    password = current_password_field(_l("Your password"))


class RevokeTokenForm(TrackerForm):
    token_id = HiddenField(validators=[InputRequired()])
