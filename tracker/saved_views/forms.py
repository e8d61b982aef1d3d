from __future__ import annotations

from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from ..form_base import TrackerForm
from ..i18n import lazy_gettext as _l
from ..standings import DashboardFilters
from .operations import MAX_NAME

NAME = StringField(
    _l("Name of the view"),
    validators=[
        DataRequired(message=_l("Name the view.")),
        Length(
            max=MAX_NAME,
            message=_l("A view's name holds at most %(num)s characters.", num=MAX_NAME),
        ),
    ],
    description=_l("Anyone logged in who has its link sees the same filters."),
)


class SaveViewForm(TrackerForm):
    """Keep the dashboard's filters, which the form carries as the dashboard's address did."""

    name = NAME
    source = HiddenField()
    theme = HiddenField()
    actor = HiddenField()
    status = HiddenField()
    overdue = HiddenField()
    regressed = HiddenField()
    review = HiddenField()
    owner = HiddenField()
    sort = HiddenField()

    def arguments(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in DashboardFilters.ARGUMENTS}


class RenameViewForm(TrackerForm):
    name = NAME
