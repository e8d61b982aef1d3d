from __future__ import annotations

from wtforms import RadioField
from wtforms.validators import InputRequired

from ..form_base import TrackerForm as ButtonForm
from ..forms import TrackerForm, options
from ..i18n import lazy_gettext as _l
from ..vocabulary import MailFrequency

__all__ = ["ButtonForm", "MailPreferenceForm"]


class MailPreferenceForm(TrackerForm):
    mail_frequency = RadioField(
        _l("E-mail me my notifications"),
        choices=options(MailFrequency, lambda member: f"{member.label}: {member.definition}"),
        validators=[InputRequired(message=_l("Choose how often."))],
    )
