"""What the JSON lists numbered within their recommendation share: target dates, forecasts.

Each entry names its recommendation by slug and its `number` there (from 1). Entries whose
number is stored already are kept as they are; the others must follow on, in order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..field_rules import Rule, check_fields
from ..models import Forecast, Recommendation, TargetDate

Problem = tuple[str, str]  # (path, message)


@dataclass(frozen=True)
class Entry:
    """An entry's path, recommendation, number and texts, once those are read."""

    path: str
    item: dict[str, Any]
    recommendation: Recommendation | None
    number: int | None
    texts: dict[str, str]
    data: dict[str, Any]  # the texts as the fields' rules read them


class Numbered:
    """The recommendations a list of entries names, and the numbers already stored."""

    def __init__(
        self,
        session: Session,
        model: type[TargetDate] | type[Forecast],
        entries: Sequence[tuple[str, Any]],
    ) -> None:
        slugs = {str(item.get("recommendation")) for _, item in entries}
        self.recommendations = {
            rec.slug: rec
            for rec in session.scalars(select(Recommendation).where(Recommendation.slug.in_(slugs)))
        }
        self.stored: dict[int, int] = dict(
            session.execute(  # type: ignore[arg-type]
                select(model.recommendation_id, func.max(model.number)).group_by(
                    model.recommendation_id
                )
            ).all()
        )

    def read(
        self,
        path: str,
        item: dict[str, Any],
        texts: Sequence[str],
        rules: Mapping[str, Rule],
        found: list[Problem],
    ) -> Entry:
        """Read an entry's texts (each text or null) by the rules of its form's fields, its
        recommendation and its number; note each problem in `found`."""
        for name in texts:
            if item.get(name) is not None and not isinstance(item.get(name), str):
                found.append((f"{path}.{name}", "Expected text."))
        read = {name: item.get(name) if isinstance(item.get(name), str) else "" for name in texts}
        rec = self.recommendations.get(read["recommendation"])
        if rec is None:
            found.append(
                (
                    f"{path}.recommendation",
                    f"No recommendation has the slug “{read['recommendation']}”.",
                )
            )
        number = item.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            found.append((f"{path}.number", "Expected a whole number from 1."))
            number = None
        data, errors = check_fields(rules, read)
        found += [
            (f"{path}.{name}", error) for name, messages in errors.items() for error in messages
        ]
        return Entry(path, item, rec, number, read, data)

    def new_in_order(
        self,
        checked: Sequence[tuple[Entry, Any]],
        problems: list[Problem],
        counts: Counter[str],
        *,
        present: str,
        called: str,
    ) -> Iterator[tuple[Entry, Any]]:
        """Yield the checked entries the database lacks, in their order, while the file holds.

        Those stored already are counted under `present`; one that does not follow on is a
        problem ("Expected <called> number 2 next."). Once there is a problem, nothing more
        is yielded.
        """
        ordered = sorted(checked, key=lambda pair: (pair[0].recommendation.slug, pair[0].number))
        expected: dict[int, int] = {}
        for entry, data in ordered:
            rec_id = entry.recommendation.id
            if entry.number <= self.stored.get(rec_id, 0):
                counts[present] += 1
                continue
            following = expected.get(rec_id, self.stored.get(rec_id, 0) + 1)
            if entry.number != following:
                message = f"Expected {called} number {following} next."
                problems.append((f"{entry.path}.number", message))
                continue
            expected[rec_id] = entry.number + 1
            if not problems:  # a refused file: spare the writes
                yield entry, data
