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
from ..field_rules import check_fields
from ..models import Recommendation, Signpost, SignpostObservation, User
from ..signposts.forms import OBSERVATION, RETRACTION, SIGNPOST, observed_from
from ..signposts.operations import (
    SignpostError,
    add_signpost,
    observe_signpost,
    retract_observation,
)
from ..vocabulary import Diagnosticity, Direction
from .entries import named_recommendations, read_time, recommendation_of, texts_of, whole_number
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
    problems: list[tuple[str, str]] = []
    counts: Counter[str] = Counter()
    recommendations = named_recommendations(session, entries)
    stored = {
        (signpost.recommendation_id, signpost.number): signpost
        for signpost in session.scalars(select(Signpost))
    }
    seen_stored = {
        (observation.signpost_id, observation.number): observation
        for observation in session.scalars(select(SignpostObservation))
    }

    def author(email: str) -> User | None:
        return authors.get(normalise_email(email))

    writes = []
    for path, item in entries:
        found: list[tuple[str, str]] = []
        texts = texts_of(item, SIGNPOST_FIELDS, path, found)
        rec = recommendation_of(recommendations, texts["recommendation"], path, found)
        number = whole_number(item, "number", path, found)
        data, errors = check_fields(SIGNPOST, texts)
        found += [(f"{path}.{name}", e) for name, messages in errors.items() for e in messages]
        at = read_time(item, "written_at", path, now, found)
        observations = []
        for index, seen in observations_of(item):
            where = f"{path}.observations[{index}]"
            if not isinstance(seen, dict):
                found.append((where, "Expected an object."))
                continue
            seen_texts = texts_of(seen, OBSERVATION_FIELDS, where, found)
            seen_number = whole_number(seen, "number", where, found)
            seen_data, seen_errors = check_fields(OBSERVATION, seen_texts)
            found += [
                (f"{where}.{name}", e) for name, messages in seen_errors.items() for e in messages
            ]
            logged = read_time(seen, "logged_at", where, now, found)
            retraction = None
            if seen.get("retracted") is not None:
                retracted = seen["retracted"]
                if not isinstance(retracted, dict):
                    found.append((f"{where}.retracted", "Expected an object or null."))
                else:
                    reason = texts_of(retracted, ("reason", "by"), f"{where}.retracted", found)
                    reasons, reason_errors = check_fields({"reason": RETRACTION}, reason)
                    found += [
                        (f"{where}.retracted.reason", e) for e in reason_errors.get("reason", [])
                    ]
                    retraction = (
                        read_time(retracted, "at", f"{where}.retracted", now, found),
                        author(reason["by"]),
                        reasons["reason"],
                    )
            observations.append(
                (where, seen_number, seen_data, author(seen_texts["author"]), logged, retraction)
            )
        problems += found
        writer = author(texts["author"])
        if not found and rec is not None and writer is not None:
            writes.append((path, rec, number, data, writer, at, observations))
    writes.sort(key=lambda entry: (entry[1].slug, entry[2]))
    for path, rec, number, data, writer, at, observations in writes:
        signpost = stored.get((rec.id, number))
        if signpost is None:
            following = max((n for (r, n) in stored if r == rec.id), default=0) + 1
            if number != following:
                problems.append((f"{path}.number", f"Expected signpost number {following} next."))
                continue
            if problems:
                continue  # a refused file: spare the writes
            signpost = add_signpost(
                session, rec, event=data["event"], direction=Direction(data["direction"]),
                diagnosticity=Diagnosticity(data["diagnosticity"]), by=writer, now=at,
            )  # fmt: skip
            stored[(rec.id, number)] = signpost
            counts["signposts added"] += 1
        else:
            counts["signposts already present"] += 1
        for where, seen_number, seen_data, observer, logged, retraction in sorted(
            observations, key=lambda entry: entry[1]
        ):
            if observer is None:
                continue  # its author is refused, and says why
            observation = seen_stored.get((signpost.id, seen_number))
            if observation is None:
                following = max((n for (s, n) in seen_stored if s == signpost.id), default=0) + 1
                if seen_number != following:
                    problems.append(
                        (f"{where}.number", f"Expected observation number {following} next.")
                    )
                    continue
                if problems:
                    continue
                try:
                    observation = observe_signpost(
                        session, signpost, observed_from(seen_data), by=observer, now=logged
                    )
                except SignpostError as error:
                    problems.append((f"{where}.{error.field}", str(error)))
                    continue
                seen_stored[(signpost.id, seen_number)] = observation
                counts["signpost observations added"] += 1
            else:
                counts["signpost observations already present"] += 1
            retract_at, retractor, reason = retraction or (None, None, "")
            if retractor is not None and observation.retracted_at is None and not problems:
                retract_observation(
                    session, observation, by=retractor, reason=reason, now=retract_at
                )
                counts["signpost observations retracted"] += 1
    return problems, counts
