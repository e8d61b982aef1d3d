"""Reading the JSON format's numbered entries: criteria, signposts, target dates, forecasts and
blind reviews (comments share its recommendations).

Each entry names its recommendation by slug and its `number` there (from 1); a criterion's
versions and a signpost's observations are numbered in turn under it. Entries whose number is
stored already are kept as they are; the others must follow on, in order. The reader notes
each problem as a (JSON path, message) pair, and once there is one nothing more is written.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..field_rules import Rule, check_fields
from ..models import BlindReview, Forecast, Recommendation, TargetDate
from .formats import read_time as read_iso_time

Problem = tuple[str, str]  # (path, message)
Found = list[Problem]
K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    """An entry's path, recommendation, number and texts, once those are read."""

    path: str
    item: dict[str, Any]
    recommendation: Recommendation | None
    number: int | None
    texts: dict[str, str]
    data: dict[str, Any]  # the texts as the fields' rules read them


class Numbering(Generic[K]):
    """The last number stored under each key, and so the number a new entry there must take."""

    def __init__(self, stored: Iterable[tuple[K, int]], expected: str) -> None:
        """`stored` pairs each key with its numbers; `expected` says which number was due, as
        "Expected version {} next."."""
        self.last: dict[K, int] = {}
        for key, number in stored:
            self.last[key] = max(number, self.last.get(key, 0))
        self.due: dict[K, int] = {}
        self.expected = expected

    def holds(self, key: K, number: int) -> bool:
        return number <= self.last.get(key, 0)

    def follows(self, key: K, number: int, where: str, problems: Found) -> bool:
        """Whether a new `number` follows on under `key`; if not, note the number due."""
        due = self.due.get(key, self.last.get(key, 0) + 1)
        if number != due:
            problems.append((where, self.expected.format(due)))
            return False
        self.due[key] = number + 1
        return True


def numbers_stored(
    session: Session, model: type[TargetDate] | type[Forecast] | type[BlindReview]
) -> Iterable[tuple[int, int]]:
    """Each recommendation's id with the last number it holds of `model`."""
    return session.execute(  # type: ignore[return-value]
        select(model.recommendation_id, func.max(model.number)).group_by(model.recommendation_id)
    ).all()


class Entries:
    """Reads a list of entries: the recommendations they name (one query), then each entry,
    noting its problems and counting what is kept or written."""

    def __init__(self, session: Session, entries: Sequence[tuple[str, Any]]) -> None:
        slugs = {str(item.get("recommendation")) for _, item in entries}
        self.recommendations = {
            rec.slug: rec
            for rec in session.scalars(select(Recommendation).where(Recommendation.slug.in_(slugs)))
        }
        self.entries = entries
        self.problems: list[Problem] = []
        self.counts: Counter[str] = Counter()

    def recommendation(self, slug: str, path: str, found: Found) -> Recommendation | None:
        rec = self.recommendations.get(slug)
        if rec is None:
            found.append((f"{path}.recommendation", f"No recommendation has the slug “{slug}”."))
        return rec

    def read(
        self,
        path: str,
        item: dict[str, Any],
        texts: Sequence[str],
        rules: Mapping[str, Rule],
        found: Found,
    ) -> Entry:
        """Read an entry's texts (each text or null) by the rules of its form's fields, its
        recommendation and its number; note each problem in `found`."""
        read = texts_of(item, texts, path, found)
        rec = self.recommendation(read["recommendation"], path, found)
        number = whole_number(item, "number", path, found)
        return Entry(path, item, rec, number, read, by_rules(rules, read, path, found))

    def each(
        self, texts: Sequence[str], rules: Mapping[str, Rule]
    ) -> Iterator[tuple[Entry, Found]]:
        """Read each entry as `read` does, with the list of its problems for the caller to add
        to; they join the file's when the caller moves on to the next entry."""
        for path, item in self.entries:
            found: Found = []
            yield self.read(path, item, texts, rules, found), found
            self.problems += found

    def in_order(self, checked: Iterable[tuple[Entry, T]]) -> list[tuple[Entry, T]]:
        """The checked entries by recommendation and number, as they are to be written."""
        return sorted(checked, key=lambda pair: (pair[0].recommendation.slug, pair[0].number))

    def new(self, numbering: Numbering[K], key: K, number: int, where: str, present: str) -> bool:
        """Whether `number` is new under `key` and follows on, with no problem in the file yet.

        One stored already is counted under `present`; one that does not follow on is a
        problem ("Expected target number 2 next.").
        """
        if numbering.holds(key, number):
            self.counts[present] += 1
            return False
        return numbering.follows(key, number, where, self.problems) and not self.problems

    def new_in_order(
        self, checked: Iterable[tuple[Entry, T]], numbering: Numbering[int], present: str
    ) -> Iterator[tuple[Entry, T]]:
        """Yield the checked entries numbered in their recommendation that are `new`, in order."""
        for entry, data in self.in_order(checked):
            rec_id, where = entry.recommendation.id, f"{entry.path}.number"
            if self.new(numbering, rec_id, entry.number, where, present):
                yield entry, data


def texts_of(item: dict[str, Any], names: Sequence[str], path: str, found: Found) -> dict[str, str]:
    """The named members as text; a missing or null one is empty, another kind a problem."""
    for name in names:
        if item.get(name) is not None and not isinstance(item.get(name), str):
            found.append((f"{path}.{name}", "Expected text."))
    return {name: item.get(name) if isinstance(item.get(name), str) else "" for name in names}


def by_rules(
    rules: Mapping[str, Rule], texts: Mapping[str, str], path: str, found: Found
) -> dict[str, Any]:
    """The texts' data by their fields' rules; note each message of a field that fails."""
    data, errors = check_fields(rules, texts)
    found += [(f"{path}.{name}", error) for name, messages in errors.items() for error in messages]
    return data


def read_time(
    item: dict[str, Any], name: str, path: str, now: dt.datetime, found: Found
) -> dt.datetime | None:
    """Read an entry's time (UTC when it names none); a missing, bad or future one is refused."""
    value = item.get(name)
    return read_iso_time(value if isinstance(value, str) else "", f"{path}.{name}", now, found)


def whole_number(item: dict[str, Any], name: str, path: str, found: Found) -> int | None:
    value = item.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        found.append((f"{path}.{name}", "Expected a whole number from 1."))
        return None
    return value
