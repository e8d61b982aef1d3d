"""The rules of the fields a status update is made of, defined once, for forms and importer.

A `Rule` checks a field's text and gives its data and its messages, in plain Python: the
importer checks a whole file's column with it at once (`check_columns`, about a million
values a second), and the forms' fields are built from the same rules (`RuleField`), so a
value meets the same rules, with the same messages, on the page and in a file.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter, methodcaller
from typing import Any, Literal

from flask_babel import gettext as _
from wtforms import Form
from wtforms.validators import URL, StopValidation

from .i18n import lazy_gettext as _l
from .status_updates import EvidenceInput
from .text import REFUSED, character_problem
from .vocabulary import Confidence, Credibility, Labelled, Reliability, Stance, Status

ISO_FORMAT = "%Y-%m-%d"
REQUIRED = _l("This field is required.")
# The link check of the forms, by WTForms' own validator: a host with a top-level domain or
# an IP address, an optional port, path and query.
FULL_LINK_MESSAGE = _l("Enter a full link, such as https://www.example.org/page.")
FULL_LINK = URL(message=FULL_LINK_MESSAGE)
# What someone types for a web address without its scheme: "www.treasury.gov/news".
SCHEMELESS_LINK = re.compile(
    r"(?![a-z][a-z0-9+.-]*:)[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}([/?#]\S*)?", re.IGNORECASE
)


def scheme_problem(link: str | None) -> str | None:
    """Say why a link is not http or https, offering https:// where it is missing."""
    if not link or link.lower().startswith(("http://", "https://")):
        return None
    typed = link.strip()
    if SCHEMELESS_LINK.fullmatch(typed):
        suggested = "https://" + typed
        return _(
            "Use a link that starts with http:// or https://: did you mean “%(link)s”?",
            link=suggested,
        )
    return _("Use a link that starts with http:// or https://.")


class _Checked:
    """What WTForms' link validator reads of a field: its data."""

    def __init__(self, data: str) -> None:
        self.data = data

    def gettext(self, message: str) -> str:
        return message


# A link with no white space whose host ends at the first "/", "?" or "#": `URL` parses it
# to the same scheme and host as the bare "scheme://host", with no user, password or port,
# so the two get the same verdict, which is kept per scheme and host.
PLAIN_LINK = re.compile(r"(https?://[A-Za-z0-9.-]+)(?:[/?#]\S*)?")
ORIGIN = methodcaller("group", 1)  # a plain link's scheme and host
ORIGINS: dict[str, bool] = {}


def full_link(data: str | None) -> bool:
    """Whether WTForms' link validator passes `data`."""
    match = PLAIN_LINK.fullmatch(data) if data else None
    if match is not None and match.group(1) in ORIGINS:
        return ORIGINS[match.group(1)]
    try:
        FULL_LINK(None, _Checked(match.group(1) if match else data or ""))  # type: ignore[arg-type]
    except ValueError:
        verdict = False
    else:
        verdict = True
    if match is not None and len(ORIGINS) < 10_000:
        ORIGINS[match.group(1)] = verdict
    return verdict


@dataclass(frozen=True)
class Rule:
    """How one field's text is read and checked.

    `required` is the message for a blank value (None: a blank is allowed only when
    `optional`); a choice missing from the input takes `default`.
    """

    kind: Literal["text", "date", "choice"]
    required: str | None = None
    optional: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    default: str | None = None
    not_future: bool = False
    link: bool = False
    # Values already checked, with their outcome: a file repeats many of its values.
    seen: dict[str | None, tuple[Any, tuple[str, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def check(self, raw: str | None) -> tuple[Any, list[str]]:
        """Return the data of `raw` (None when the input lacks the field) and its messages."""
        known = self.seen.get(raw)
        if known is None:
            data, messages = self.judge(raw)
            known = (data, tuple(messages))
            if len(self.seen) < 10_000:
                self.seen[raw] = known
        return known[0], list(known[1])

    def check_column(self, raws: Sequence[str | None]) -> tuple[list[Any], dict[int, list[str]]]:
        """Check many values as `check` checks each: their data, and by their index the
        messages of those that fail."""
        data = list(raws)
        failures: dict[int, list[str]] = {}
        if self.plain_column(raws):
            return data, failures
        if self.kind == "date":  # a file repeats its dates: each distinct one checked once
            checked = {raw: self.check(raw) for raw in set(raws)}
            for index, raw in enumerate(raws):
                data[index], messages = checked[raw]
                if messages:
                    failures[index] = messages
            return data, failures
        plain = self.plain
        for index in [index for index, raw in enumerate(raws) if not plain(raw)]:
            data[index], messages = self.check(raws[index])
            if messages:
                failures[index] = messages
        return data, failures

    @cached_property
    def plain(self) -> Callable[[str | None], bool]:
        """Whether a value passes with no message and is its own data, by a cheaper test
        than `judge`'s: the common case. False only means "check it in full"."""
        if self.kind == "choice" and self.max_length is None:
            return frozenset(choice for choice in self.choices if choice.strip()).__contains__
        if self.kind != "text":
            return lambda raw: False
        limit = sys.maxsize if self.max_length is None else self.max_length
        refused = REFUSED.search
        if not self.link:
            return lambda raw: bool(raw and len(raw) <= limit and raw.strip() and not refused(raw))
        return lambda raw: bool(
            raw
            and len(raw) <= limit
            and raw.lower().startswith(("http://", "https://"))
            and not refused(raw)
            and full_link(raw)
        )

    def plain_column(self, raws: Sequence[str | None]) -> bool:
        """Whether `plain` holds of every value, by tests of the whole column that run in C.
        False only means "look at each value"."""
        if not raws or self.kind == "date":
            return False
        if self.kind == "choice":
            return self.max_length is None and all(map(self.plain, raws))
        if None in raws:
            return False
        texts: Sequence[str] = raws  # type: ignore[assignment]
        if not all(map(str.strip, texts)) or REFUSED.search("\n".join(texts)):
            return False
        if self.max_length is not None and max(map(len, texts)) > self.max_length:
            return False
        if not self.link:
            return True
        links = list(map(PLAIN_LINK.fullmatch, texts))
        return all(links) and all(map(full_link, set(map(ORIGIN, links))))

    def judge(self, raw: str | None) -> tuple[Any, list[str]]:
        messages: list[str] = []
        if self.kind == "date":
            data = None
            if raw is not None:
                try:
                    data = dt.datetime.strptime(raw, ISO_FORMAT).date()
                except ValueError:
                    messages.append("Not a valid date value.")
            blank = not raw
        elif self.kind == "choice":
            data = self.default if raw is None else raw
            if data not in self.choices:
                messages.append(_("Not a valid choice."))
            blank = not (data and data.strip())
        else:
            data = raw
            blank = not (raw and raw.strip())
        if self.optional and (raw is None or not raw.strip()):
            return data, []
        if self.required is not None and blank:
            return data, [self.required]
        if self.kind == "text" and (problem := character_problem(data or "")):
            # The rule for all text (see `tracker.text`): one message, as for a link.
            return data, [problem]
        if self.max_length is not None and len(data or "") > self.max_length:
            messages.append(
                _("Field cannot be longer than %(max)s characters.", max=self.max_length)
            )
        problem = scheme_problem(data) if self.link else None
        if problem:  # one message: a link with another scheme is not also "not a full link"
            messages.append(problem)
        elif self.link and not full_link(data):
            messages.append(str(FULL_LINK.message))
        if self.not_future and data and data > dt.date.today():
            messages.append(_("The date cannot be in the future."))
        return data, messages


def choices_of(members: Iterable[Labelled]) -> tuple[str, ...]:
    return tuple(member.value for member in members)


# A status update's own fields.
STATUS = Rule("choice", required=_l("Choose a status."), choices=choices_of(Status.recordable()))
AS_OF = Rule("date", required=_l("Enter the date the status holds as of."), not_future=True)
ASSESSMENT = Rule("text", required=REQUIRED, max_length=20_000)
CONFIDENCE = Rule("choice", required=_l("Choose your confidence."), choices=choices_of(Confidence))
UPDATE = {"status": STATUS, "as_of": AS_OF, "assessment": ASSESSMENT, "confidence": CONFIDENCE}

# Each item of its evidence.
EVIDENCE = {
    "url": Rule("text", required=REQUIRED, max_length=2000, link=True),
    "title": Rule("text", required=REQUIRED, max_length=300),
    "publisher": Rule("text", required=REQUIRED, max_length=200),
    "published_on": Rule("date", optional=True, not_future=True),
    "excerpt": Rule("text", required=REQUIRED, max_length=10_000),
    "stance": Rule(
        "choice", required=REQUIRED, choices=choices_of(Stance), default=Stance.SUPPORTS.value
    ),
    "reliability": Rule("choice", choices=choices_of(Reliability), default=Reliability.F.value),
    "credibility": Rule(
        "choice", choices=choices_of(Credibility), default=Credibility.UNKNOWN.value
    ),
}


def check_fields(
    rules: Mapping[str, Rule], values: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check a row of text by the rules: the fields' data, and the messages of those that fail."""
    columns, errors = check_columns(rules, [values])
    return {name: column[0] for name, column in columns.items()}, errors.get(0, {})


def check_columns(
    rules: Mapping[str, Rule], rows: Sequence[Mapping[str, str]]
) -> tuple[dict[str, list[Any]], dict[int, dict[str, list[str]]]]:
    """Check rows of text by the rules, a column at a time: each field's data, a list with a
    value a row, and by the index of each row that fails, its fields' messages."""
    columns: dict[str, list[Any]] = {}
    errors: dict[int, dict[str, list[str]]] = {}
    for name, rule in rules.items():
        columns[name], failures = rule.check_column(column_of(rows, name))
        for index, messages in failures.items():
            errors.setdefault(index, {})[name] = messages
    return columns, errors


def column_of(rows: Sequence[Mapping[str, str]], name: str) -> list[str | None]:
    """Each row's value of `name`, None where a row lacks it."""
    try:
        return list(map(itemgetter(name), rows))  # the loop in C, when every row has it
    except KeyError:
        return [row.get(name) for row in rows]


def text_of(data: Any) -> str | None:
    """The text a field's data would be written as."""
    if data is None:
        return None
    if isinstance(data, dt.date):
        return data.isoformat()
    return str(getattr(data, "value", data))


class RuleField:
    """A form field that reads and checks its value by its `Rule`; WTForms only draws it.

    Mixed into WTForms' field classes, whose widgets and choices it keeps.
    """

    rule: Rule

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            # A field the request leaves out keeps the data it was given, as in WTForms: a
            # form filled from a stored row checks what the row holds.
            self.raw = None
            self.checked = self.rule.check(text_of(self.data))
            return
        self.raw = valuelist[0]
        self.checked = self.rule.check(self.raw)
        self.data = self.checked[0]

    def process_data(self, value: Any) -> None:
        super().process_data(value)  # type: ignore[misc]
        self.checked = self.rule.check(text_of(self.data))

    def pre_validate(self, form: Form) -> None:
        messages = self.checked[1] if hasattr(self, "raw") else self.rule.check(None)[1]
        self.errors[:] = []
        self.process_errors[:] = []  # type: ignore[attr-defined]
        if messages:
            self.errors.extend(messages)
            raise StopValidation()


class Flags:
    """Checks nothing: gives the field the flags its widget draws (`required`, `maxlength`)."""

    def __init__(self, rule: Rule) -> None:
        self.field_flags: dict[str, Any] = {}
        if rule.optional:
            self.field_flags["optional"] = True
        elif rule.required is not None:
            self.field_flags["required"] = True
        if rule.max_length is not None:
            self.field_flags["maxlength"] = rule.max_length

    def __call__(self, form: Form, field: Any) -> None:
        return None


def rule_field(base: type, rule: Rule, label: str, **options: Any) -> Any:
    """A field of WTForms' class `base` whose value follows `rule`."""
    kind = type(f"Ruled{base.__name__}", (RuleField, base), {"rule": rule})
    if rule.kind == "date":
        options.setdefault("format", ISO_FORMAT)
    if rule.default is not None:
        options.setdefault("default", rule.default)
    return kind(label, validators=[Flags(rule)], **options)


def evidence_input(data: Mapping[str, Any]) -> EvidenceInput:
    """The item of evidence that checked data describes."""
    [item] = evidence_inputs({name: [value] for name, value in data.items()})
    return item


def evidence_inputs(columns: Mapping[str, Sequence[Any]]) -> list[EvidenceInput]:
    """The items of evidence that checked columns describe, one a row."""
    stances, reliabilities, credibilities = (
        {member.value: member for member in members}
        for members in (Stance, Reliability, Credibility)
    )
    # A column at a time, in the order of EvidenceInput's fields.
    return list(
        map(
            EvidenceInput,
            map(str.strip, columns["url"]),
            map(str.strip, columns["title"]),
            map(str.strip, columns["publisher"]),
            map(str.strip, columns["excerpt"]),
            map(stances.__getitem__, columns["stance"]),
            map(reliabilities.__getitem__, columns["reliability"]),
            map(credibilities.__getitem__, columns["credibility"]),
            columns["published_on"],
        )
    )
