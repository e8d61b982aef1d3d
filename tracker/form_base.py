"""The base of every form: CSRF, and the rule for text (see `tracker.text`).

Apart from `tracker.forms`, which reads the field rules and through them the status updates,
so that views the status updates reach (notifications, the dashboard) can define forms.
"""

from __future__ import annotations

import functools
from typing import Any

from babel.support import Translations
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import Field, Form, PasswordField, StringField
from wtforms.i18n import messages_path

from .text import no_control_characters


class TextRules:
    """Form meta: every text field refuses control characters (see `tracker.text`).

    Passwords are exempt: they are only ever hashed, never stored or shown.
    """

    def bind_field(self, form: Form, unbound_field: Any, options: dict[str, Any]) -> Field:
        field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
        if isinstance(field, StringField) and not isinstance(field, PasswordField):
            # First: a validator that stops the chain (a link's scheme) must not skip it.
            field.validators = [no_control_characters, *field.validators]
        return field


@functools.cache
def wtforms_messages(locale: str) -> Translations:
    """WTForms' own messages in a language, read once: Flask-WTF reads them for each request."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class TrackerForm(FlaskForm):
    """The base of every form a page posts: CSRF, and the rules for text."""

    class Meta(TextRules):
        def get_translations(self, form: Form) -> Translations | None:
            locale = get_locale()
            return None if locale is None else wtforms_messages(str(locale))


class SubForm(Form):
    """The base of a form within a form (a row of a `FieldList`), or checked apart from one."""

    class Meta(TextRules):
        pass
