"""Signposts in the JSON format: `signposts[]`, each with its `observations`.

A signpost is named by its recommendation and `number`, an observation by its `number` under
its signpost; those already stored are kept as they are (a retraction carried by a stored
observation is added to it), the others written as the forms write them, with the times and
authors they carry.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..auth.services import normalise_email
from ..models import Recommendation, Signpost, SignpostObservation, User
from ..signposts.forms import OBSERVATION, RETRACTION, SIGNPOST, observed_from
from ..signposts.operations import (
    SignpostError,
    add_signpost,
    observe_signpost,
    retract_observation,
)
from ..vocabulary import Diagnosticity, Direction
from .entries import Entries, Numbering, by_rules, read_time, texts_of, whole_number
from .formats import timestamp

SIGNPOST_FIELDS = ("recommendation", "event", "direction", "diagnosticity", "author", "written_at")
OBSERVATION_FIELDS = (
    "observed_on", "note", "url", "title", "publisher", "reliability", "credibility", "author",
    "logged_at",
)  # fmt: skip


def signpost_records(session: Session) -> list[dict[str, Any]]:
    slugs = dict(session.execute(select(Recommendation.id, Recommendation.slug)).all())
    signposts = session.scalars(select(Signpost).options(joinedload(Signpost.author))).all()
    observations: dict[int, list[SignpostObservation]] = {}
    for observation in session.scalars(
        select(SignpostObservation)
        .order_by(SignpostObservation.number)
        .options(
            joinedload(SignpostObservation.author), joinedload(SignpostObservation.retracted_by)
        )
    ):
        observations.setdefault(observation.signpost_id, []).append(observation)
    records = [
        {
            "recommendation": slugs[signpost.recommendation_id],
            "number": signpost.number,
            "event": signpost.event,
            "direction": signpost.direction.value,
            "diagnosticity": signpost.diagnosticity.value,
            "author": signpost.author.email,
            "written_at": timestamp(signpost.created_at),
            "observations": [
                observation_record(seen) for seen in observations.get(signpost.id, [])
            ],
        }
        for signpost in signposts
    ]
    records.sort(key=lambda record: (record["recommendation"], record["number"]))
    return records


def observation_record(seen: SignpostObservation) -> dict[str, Any]:
    return {
        "number": seen.number,
        "observed_on": seen.observed_on.isoformat(),
        "note": seen.note,
        "url": seen.url,
        "title": seen.title,
        "publisher": seen.publisher,
        "reliability": seen.reliability.value,
        "credibility": seen.credibility.value,
        "author": seen.author.email,
        "logged_at": timestamp(seen.created_at),
        "retracted": {
            "at": timestamp(seen.retracted_at),
            "by": seen.retracted_by.email if seen.retracted_by else seen.author.email,
            "reason": seen.retraction_reason or "",
        }
        if seen.retracted_at
        else None,
    }


def signpost_authors(session: Session) -> dict[str, str]:
    """Map the email of everyone who wrote, observed or retracted to their name."""
    users = session.scalars(
        select(User).where(
            User.id.in_(select(Signpost.author_id))
            | User.id.in_(select(SignpostObservation.author_id))
            | User.id.in_(select(SignpostObservation.retracted_by_id))
        )
    )
    return {user.email: user.name for user in users}


def observations_of(item: Any) -> list[tuple[str, Any]]:
    found = item.get("observations") if isinstance(item, dict) else None
    return [
        (str(index), observation)
        for index, observation in enumerate(found if isinstance(found, list) else [])
    ]


def wanted_signpost_authors(entries: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """The (path, email) of each author named, for the importer to find or create."""
    wanted = []
    for path, item in entries:
        wanted.append((f"{path}.author", str(item.get("author") or "")))
        for index, seen in observations_of(item):
            at = f"{path}.observations[{index}]"
            if isinstance(seen, dict):
                wanted.append((f"{at}.author", str(seen.get("author") or "")))
                retracted = seen.get("retracted")
                if isinstance(retracted, dict):
                    wanted.append((f"{at}.retracted.by", str(retracted.get("by") or "")))
    return wanted


def add_signposts(
    session: Session,
    entries: list[tuple[str, Any]],
    authors: dict[str, User],
    now: dt.datetime,
) -> tuple[list[tuple[str, str]], Counter[str]]:
    """Write the signposts and observations the database lacks; return problems and counts."""
    reader = Entries(session, entries)
    signposts = {
        (signpost.recommendation_id, signpost.number): signpost
        for signpost in session.scalars(select(Signpost))
    }
    keys = {signpost.id: key for key, signpost in signposts.items()}
    # An observation by its signpost's recommendation and number, and its own number.
    seen_stored = {
        (keys[observation.signpost_id], observation.number): observation
        for observation in session.scalars(select(SignpostObservation))
    }

    def author(email: str) -> User | None:
        return authors.get(normalise_email(email))

    writes = []
    for entry, found in reader.each(SIGNPOST_FIELDS, SIGNPOST):
        path, item = entry.path, entry.item
        at = read_time(item, "written_at", path, now, found)
        observations = []
        for index, seen in observations_of(item):
            where = f"{path}.observations[{index}]"
            if not isinstance(seen, dict):
                found.append((where, "Expected an object."))
                continue
            seen_texts = texts_of(seen, OBSERVATION_FIELDS, where, found)
            seen_number = whole_number(seen, "number", where, found)
            seen_data = by_rules(OBSERVATION, seen_texts, where, found)
            logged = read_time(seen, "logged_at", where, now, found)
            retraction = None
            if seen.get("retracted") is not None:
                retracted = seen["retracted"]
                if not isinstance(retracted, dict):
                    found.append((f"{where}.retracted", "Expected an object or null."))
                else:
                    reason = texts_of(retracted, ("reason", "by"), f"{where}.retracted", found)
                    reasons = by_rules({"reason": RETRACTION}, reason, f"{where}.retracted", found)
                    retraction = (
                        read_time(retracted, "at", f"{where}.retracted", now, found),
                        author(reason["by"]),
                        reasons["reason"],
                    )
            observations.append(
                (where, seen_number, seen_data, author(seen_texts["author"]), logged, retraction)
            )
        writer = author(entry.texts["author"])
        if not found and writer is not None:
            writes.append((entry, (writer, at, observations)))
    numbers = Numbering(signposts, "Expected signpost number {} next.")
    seen_numbers = Numbering(seen_stored, "Expected observation number {} next.")
    for entry, (writer, at, observations) in reader.in_order(writes):
        rec, data = entry.recommendation, entry.data
        key = (rec.id, entry.number)
        number_at = f"{entry.path}.number"
        if reader.new(numbers, rec.id, entry.number, number_at, "signposts already present"):
            signposts[key] = add_signpost(
                session, rec, event=data["event"], direction=Direction(data["direction"]),
                diagnosticity=Diagnosticity(data["diagnosticity"]), by=writer, now=at,
            )  # fmt: skip
            reader.counts["signposts added"] += 1
        for where, seen_number, seen_data, observer, logged, retraction in sorted(
            observations, key=lambda seen: seen[1]
        ):
            if observer is None:
                continue  # its author is refused, and says why
            present = "signpost observations already present"
            if reader.new(seen_numbers, key, seen_number, f"{where}.number", present):
                try:
                    seen_stored[(key, seen_number)] = observe_signpost(
                        session, signposts[key], observed_from(seen_data), by=observer, now=logged
                    )
                except SignpostError as error:
                    reader.problems.append((f"{where}.{error.field}", str(error)))
                    continue
                reader.counts["signpost observations added"] += 1
            retract_at, retractor, reason = retraction or (None, None, "")
            if retractor is None or reader.problems:
                continue
            observation = seen_stored[(key, seen_number)]
            if observation.retracted_at is None:
                retract_observation(
                    session, observation, by=retractor, reason=reason, now=retract_at
                )
                reader.counts["signpost observations retracted"] += 1
    return reader.problems, reader.counts
