"""A form's rules, applied to many rows of text for a fraction of the cost of filling the form.

An import holds each update to the status update form's own fields, so that a file meets the
same rules, with the same messages, as the page. Filling and validating a WTForms form costs
some 100 µs an update, more than all the rest of an import. `FormRules` reads the form's fields
once and checks a value directly against its field's declaration where the outcome is plain: a
well-formed value that each validator passes. Any other value goes to the form's own field,
which gives its data and its messages; so the checks are faster than the form, never different.

Text, date and choice fields are read directly; other kinds send every value to the field.
Common validators are checked inline; any other runs on the value's data alone, and sends the
value to the field if it fails or needs more than that.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from werkzeug.datastructures import MultiDict
from wtforms import DateField, Field, Form, SelectField, StringField
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional

# A value's data, from its text; raises Refer for text the field must read itself.
Read = Callable[[str], Any]
# Whether a value passes a validator, from its data and its text; False refers it to the field.
Test = Callable[[Any, str], bool]

# A date as `DateField` reads it in ISO format, and as `dt.date.fromisoformat` reads it alike.
ISO_FORMAT = "%Y-%m-%d"
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A link with no white space whose host ends at the first "/", "?" or "#": `URL` parses it
# to the same scheme and host as the bare "scheme://host", with no user, password or port,
# so the two get the same verdict.
PLAIN_LINK = re.compile(r"(https?://[A-Za-z0-9.-]+)(?:[/?#]\S*)?")


# How many values of a field are remembered with their data, at most.
REMEMBERED = 10_000
UNKNOWN = object()


class Refer(Exception):
    """The checks cannot vouch for a value: its field must judge it."""


class FieldData:
    """What a validator reads of a field: its data and the text it was read from.

    Its messages are not translated: a value a validator refuses goes to the field, whose
    own messages are the ones given.
    """

    __slots__ = ("data", "raw_data", "errors")

    def __init__(self, data: Any, raw: str) -> None:
        self.data = data
        self.raw_data = [raw]
        self.errors: list[str] = []

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


@dataclass
class FieldRules:
    """A bound field's declaration, read for the checks, with the field to judge the rest."""

    field: Field
    read: Read
    blank: Read  # the data of a value that a leading `Optional` lets through
    optional: Optional | None  # the field's first validator, if it is `Optional`
    tests: tuple[Test, ...]
    inline: tuple[Callable[[Form, Field], None], ...]  # the form's `validate_<name>` method
    # The data of values already vouched for: a file repeats many of its values.
    vouched: dict[str, Any] = field(default_factory=dict)

    def vouch(self, raw: str | None) -> Any:
        """Return the data of a value that passes the field's rules; raise Refer otherwise."""
        if raw is None:
            raise Refer
        if self.optional is not None and not self.optional.string_check(raw):
            data = self.blank(raw)
        else:
            data = self.read(raw)
            for test in self.tests:
                if not test(data, raw):
                    raise Refer
        if len(self.vouched) < REMEMBERED:
            self.vouched[raw] = data
        return data

    def judge(self, form: Form, values: Mapping[str, str]) -> tuple[Any, list[str]]:
        """Process and validate the value with the field itself: its data and its messages."""
        self.field.process(MultiDict(values))
        self.field.validate(form, self.inline)
        return self.field.data, list(self.field.errors)


class FormRules:
    """Check rows of text as a form would, field by field, in the form's order."""

    def __init__(self, form_class: type[Form]) -> None:
        self.form = form_class()
        self.fields = {bound.short_name: field_rules(self.form, bound) for bound in self.form}

    def check(self, values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """Return the fields' data, and the messages of each field that fails."""
        data: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name, rules in self.fields.items():
            raw = values.get(name)
            vouched = rules.vouched.get(raw, UNKNOWN)  # type: ignore[arg-type]
            if vouched is not UNKNOWN:
                data[name] = vouched
                continue
            try:
                data[name] = rules.vouch(raw)
            except Refer:
                data[name], messages = rules.judge(self.form, values)
                if messages:
                    errors[name] = messages
        return data, errors

    def filled(self, data: Mapping[str, Any]) -> Form:
        """The form holding checked data, as after a successful validation, to read from."""
        for name, rules in self.fields.items():
            rules.field.data = data[name]
        return self.form


def field_rules(form: Form, bound: Field) -> FieldRules:
    validators = list(bound.validators)
    optional = validators.pop(0) if validators and isinstance(validators[0], Optional) else None
    inline = getattr(type(form), f"validate_{bound.short_name}", None)
    read, blank = reading(bound)
    return FieldRules(
        field=bound,
        read=read,
        blank=blank,
        optional=optional,
        tests=tuple(test_of(validator) for validator in validators),
        inline=(inline,) if inline is not None else (),
    )


def reading(bound: Field) -> tuple[Read, Read]:
    """How a field reads a value's text, and a blank value's, where the checks can say."""
    kind = type(bound)
    if bound.filters or kind.post_validate is not Field.post_validate:
        return refer, refer
    plain = kind.pre_validate is Field.pre_validate
    if plain and kind.process_formdata is StringField.process_formdata:
        return same, same
    if plain and kind.process_formdata is DateField.process_formdata:
        return (read_date if bound.strptime_format == [ISO_FORMAT] else refer), nothing
    if (
        kind.process_formdata is SelectField.process_formdata
        and kind.pre_validate is SelectField.pre_validate
        and bound.coerce is str
        and bound.validate_choice
    ):
        return choice_reader({bound.coerce(choice.value) for choice in bound.iter_choices()}), same
    return refer, refer


def same(raw: str) -> str:
    return raw


def nothing(raw: str) -> None:
    return None


def refer(raw: str) -> NoReturn:
    raise Refer


def read_date(raw: str) -> dt.date:
    if not ISO_DATE.fullmatch(raw):
        raise Refer
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise Refer from None


def choice_reader(values: set[str]) -> Read:
    def read_choice(raw: str) -> str:
        if raw not in values:
            raise Refer
        return raw

    return read_choice


def test_of(validator: Callable[[Form, Field], None]) -> Test:
    """The test a value passes when `validator` passes it; False sends it to the field."""
    if isinstance(validator, DataRequired):
        return lambda data, raw: bool(data) and (not isinstance(data, str) or bool(data.strip()))
    if isinstance(validator, InputRequired):
        return lambda data, raw: raw != ""
    if isinstance(validator, Length):
        return length_test(validator.min, validator.max)
    if isinstance(validator, URL):
        return link_test(validator)
    return call_test(validator)


def length_test(low: int, high: int) -> Test:
    def passes(data: Any, raw: str) -> bool:
        length = data and len(data) or 0
        return length >= low and (high == -1 or length <= high)

    return passes


def call_test(validator: Callable[[Form, Field], None]) -> Test:
    """Run the validator on the data alone; any exception sends the value to the field."""

    def passes(data: Any, raw: str) -> bool:
        try:
            validator(None, FieldData(data, raw))  # type: ignore[arg-type]
        except Exception:
            return False
        return True

    return passes


def link_test(validator: URL) -> Test:
    """Run `URL` once per scheme and host of the links it sees, which give its verdict."""
    verdicts: dict[str, bool] = {}

    def passes(data: Any, raw: str) -> bool:
        match = PLAIN_LINK.fullmatch(data) if isinstance(data, str) else None
        if match is None:
            return False
        origin = match.group(1)
        verdict = verdicts.get(origin)
        if verdict is None:
            verdict = verdicts[origin] = call_test(validator)(origin, origin)
        return verdict

    return passes
