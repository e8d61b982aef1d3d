"""Read the exchange formats into the database: all of a file, or nothing of it.

Reading a file finds what is malformed; applying it checks each update by the rules the status
update form follows (tracker/field_rules.py) and those of `record_status_update`, and records
what passes with `record_status_updates`, in bulk. The caller commits only when no problem was
found, so a file with one error changes nothing, and its report names the line (CSV) or JSON
path of every error. Entries already present are kept as they are: sources, recommendations,
actors and themes by slug, updates by their key.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import audit
from ..auth.services import create_user, disable_user, normalise_email
from ..catalogue import CatalogueError
from ..criteria.forms import MARK
from ..field_rules import EVIDENCE, UPDATE, check_columns, check_fields, evidence_inputs
from ..forms import TRANSLATION_LIMITS
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES
from ..lists.operations import create_actor, create_theme
from ..models import Actor, Recommendation, Source, StatusUpdate, Theme, User, utcnow
from ..recommendations.forms import MAX_CHANGE_REASON, MAX_EVIDENCE_ROWS
from ..recommendations.operations import (
    MAX_REVIEW_EVERY_DAYS,
    create_recommendation,
    note_assignments,
)
from ..sources.operations import create_source
from ..status_updates import (
    CHUNK,
    Approval,
    CorrectedEvidence,
    EvidenceInput,
    MarkInput,
    NewStatusUpdate,
    Retraction,
    TrackingError,
    check_status_update,
    correct_status_update,
    record_status_updates,
)
from ..text import character_problem, plainly_clean, problems_in
from ..vocabulary import Confidence, DatePrecision, Role, SourceKind, Status, Verdict
from .assessments import add_blind_reviews, wanted_people
from .comments import add_comments, wanted_comment_authors
from .criteria import add_criteria, criteria_by_number
from .exporting import EXPORTED, evidence_record, update_record
from .forecasts import add_forecasts
from .forecasts import wanted_authors as forecast_authors
from .formats import (
    CSV_COLUMNS,
    EVIDENCE_FIELDS,
    FORMAT,
    OPTIONAL_COLUMNS,
    UPDATE_COLUMNS,
    VERSION,
    derived_key,
    restore,
    timestamp,
)
from .signposts import add_signposts, wanted_signpost_authors
from .targets import add_targets, wanted_authors

# The members of an update in the JSON format, less its evidence, retraction and approval.
UPDATE_FIELDS = (
    "key",
    "recommendation",
    "author",
    "logged_at",
    "status",
    "as_of",
    "confidence",
    "assessment",
    "change_reason",
    "criteria_reason",
)
# The members of what an update says of a criterion.
MARK_FIELDS = ("verdict", "note")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

Progress = Callable[[int, int], None]
Place = Callable[[str], str]


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class UpdateRecord:
    """An update as a file gives it: text, checked when applied."""

    place: Place  # where a field of the update is written, for messages
    evidence_places: list[Place]
    values: dict[str, str]
    evidence: list[dict[str, str]]
    retracted: dict[str, str] | None = None
    # Its approval for the public, JSON only: `approves` is False when the file says nothing
    # of it (a CSV, or JSON written before approvals were exported).
    approved: dict[str, str] | None = None
    approves: bool = False
    # What it says of criteria: (criterion number or None, texts), JSON only.
    marks: list[tuple[Any, dict[str, str]]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.values["key"]


@dataclass
class Document:
    """What a file holds; the catalogue parts as (JSON path, object) pairs."""

    actors: list[tuple[str, Any]] = field(default_factory=list)
    themes: list[tuple[str, Any]] = field(default_factory=list)
    authors: list[tuple[str, Any]] = field(default_factory=list)
    sources: list[tuple[str, Any]] = field(default_factory=list)
    updates: list[UpdateRecord] = field(default_factory=list)
    targets: list[tuple[str, Any]] = field(default_factory=list)
    criteria: list[tuple[str, Any]] = field(default_factory=list)
    signposts: list[tuple[str, Any]] = field(default_factory=list)
    blind_reviews: list[tuple[str, Any]] = field(default_factory=list)
    forecasts: list[tuple[str, Any]] = field(default_factory=list)
    comments: list[tuple[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Outcome:
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)


# Reading


def read_document(text: str, kind: str) -> Document:
    """Read a file's text as "json" or "csv"; malformed parts are listed in `problems`."""
    return read_json(text) if kind == "json" else read_csv(text)


def read_json(text: str) -> Document:
    document = Document()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        document.problems.append(Problem("$", f"This is not valid JSON: {error}."))
        return document
    except RecursionError:
        document.problems.append(Problem("$", "This JSON is nested too deeply to read."))
        return document
    if not isinstance(data, dict):
        document.problems.append(Problem("$", "Expected an object with sources and updates."))
        return document
    if data.get("format", FORMAT) != FORMAT or data.get("version", VERSION) != VERSION:
        document.problems.append(Problem("$", f"Expected format “{FORMAT}”, version {VERSION}."))
        return document
    # The forms' rule for text, on every text of the file, before anything reads it.
    if not plainly_clean(text, data):
        document.problems.extend(Problem(where, message) for where, message in problems_in(data))
    if document.problems:
        return document
    for name in (
        "actors",
        "themes",
        "authors",
        "sources",
        "targets",
        "criteria",
        "signposts",
        "blind_reviews",
        "forecasts",
        "comments",
    ):
        getattr(document, name).extend(objects(data, name, f"$.{name}", document.problems))
    for path, item in objects(data, "updates", "$.updates", document.problems):
        document.updates.append(json_update(path, item, document.problems))
    return document


def objects(
    data: dict[str, Any], name: str, path: str, problems: list[Problem]
) -> Iterator[tuple[str, Any]]:
    """Yield the objects of the list `data[name]` with their paths."""
    items = data.get(name) or []
    if not isinstance(items, list):
        problems.append(Problem(path, "Expected a list."))
        return
    for index, item in enumerate(items):
        if isinstance(item, dict):
            yield f"{path}[{index}]", item
        else:
            problems.append(Problem(f"{path}[{index}]", "Expected an object."))


def json_update(path: str, item: dict[str, Any], problems: list[Problem]) -> UpdateRecord:
    values = json_texts(item, UPDATE_FIELDS, path, problems)
    evidence = []
    places: list[Place] = []
    for evidence_path, row in objects(item, "evidence", f"{path}.evidence", problems):
        evidence.append(json_texts(row, EVIDENCE_FIELDS, evidence_path, problems))
        places.append(lambda name, at=evidence_path: f"{at}.{name}")
    retracted = item.get("retracted")
    if retracted is not None and not isinstance(retracted, dict):
        problems.append(Problem(f"{path}.retracted", "Expected an object or null."))
        retracted = None
    if retracted is not None:
        retracted = json_texts(retracted, ("at", "by", "reason"), f"{path}.retracted", problems)
    approved = item.get("approved")
    if approved is not None and not isinstance(approved, dict):
        problems.append(Problem(f"{path}.approved", "Expected an object or null."))
        approved = None
    if approved is not None:
        approved = json_texts(approved, ("at", "by"), f"{path}.approved", problems)
    marks = [
        (row.get("criterion"), json_texts(row, MARK_FIELDS, mark_path, problems))
        for mark_path, row in objects(item, "criteria", f"{path}.criteria", problems)
    ]
    return UpdateRecord(
        place=lambda name: f"{path}.{name}",
        evidence_places=places,
        values=values,
        evidence=evidence,
        retracted=retracted,
        approved=approved,
        approves="approved" in item,
        marks=marks,
    )


def json_texts(
    data: dict[str, Any], names: Sequence[str], path: str, problems: list[Problem]
) -> dict[str, str]:
    """Read the named members of an object as text; a missing or null one is empty."""
    values = list(map(data.get, names, repeat("")))  # in C: most objects hold text alone
    if None in values:
        values = ["" if value is None else value for value in values]
    if all(map(isinstance, values, repeat(str))):
        return dict(zip(names, values, strict=True))
    texts = {}
    for name in names:
        value = data.get(name)
        if not isinstance(value, str):
            if value is not None:
                problems.append(Problem(f"{path}.{name}", "Expected text."))
            value = ""
        texts[name] = value
    return texts


def read_csv(text: str) -> Document:
    document = Document()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        document.problems.append(Problem("line 1", "The file is empty."))
        return document
    missing = [name for name in CSV_COLUMNS if name not in header and name not in OPTIONAL_COLUMNS]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if missing:
        document.problems.append(Problem("line 1", f"Missing columns: {', '.join(missing)}."))
    if unknown:
        document.problems.append(Problem("line 1", f"Unknown columns: {', '.join(unknown)}."))
    if missing or unknown:
        return document
    by_key: dict[str, tuple[int, dict[str, str], UpdateRecord]] = {}
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            document.problems.append(Problem(f"line {line}", f"Malformed CSV: {error}."))
            break
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            document.problems.append(
                Problem(f"line {line}", f"Expected {len(header)} cells, found {len(cells)}.")
            )
            continue
        row = {name: "" for name in CSV_COLUMNS} | {
            name: restore(cell) for name, cell in zip(header, cells, strict=True)
        }
        refused = [(name, character_problem(cell)) for name, cell in row.items()]
        document.problems.extend(
            Problem(f"line {line}, column {name}", problem) for name, problem in refused if problem
        )
        csv_row(document, by_key, line, row)
    return document


def csv_row(
    document: Document,
    by_key: dict[str, tuple[int, dict[str, str], UpdateRecord]],
    line: int,
    row: dict[str, str],
) -> None:
    """Add a CSV row's evidence to its update, which its first row starts."""
    key = row["key"].strip()
    head = {name: row[name] for name in UPDATE_COLUMNS}
    evidence = {name: row[f"evidence_{name}"] for name in EVIDENCE_FIELDS}

    def evidence_place(name: str) -> str:
        return f"line {line}, column evidence_{name}"

    if key and key in by_key:
        first, first_head, record = by_key[key]
        differing = [name for name in UPDATE_COLUMNS if head[name] != first_head[name]]
        for name in differing:
            document.problems.append(
                Problem(
                    f"line {line}, column {name}",
                    f"Differs from line {first}, where update “{key}” starts; "
                    "an update's columns must repeat on each of its rows.",
                )
            )
        record.evidence.append(evidence)
        record.evidence_places.append(evidence_place)
        return
    columns = {"author": "author_email"}
    values = {name: head[name] for name in UPDATE_COLUMNS} | {
        "key": key,
        "author": head["author_email"],
    }
    retracted = None
    if any(head[name].strip() for name in ("retracted_at", "retracted_by", "retraction_reason")):
        retracted = {
            "at": head["retracted_at"],
            "by": head["retracted_by"],
            "reason": head["retraction_reason"],
        }
        columns |= {
            "retracted.at": "retracted_at",
            "retracted.by": "retracted_by",
            "retracted.reason": "retraction_reason",
        }
    record = UpdateRecord(
        place=lambda name: f"line {line}, column {columns.get(name, name)}",
        evidence_places=[evidence_place],
        values=values,
        evidence=[evidence],
        retracted=retracted,
    )
    document.updates.append(record)
    if key:
        by_key[key] = (line, head, record)


# Applying


def apply(
    session: Session,
    document: Document,
    *,
    source_name: str,
    progress: Progress | None = None,
    correct: bool = False,
) -> Outcome:
    """Add what the document holds that the database lacks; the caller commits if no problem.

    An update whose key is stored but whose content differs is a problem, or, with
    `correct`, a correction of the stored update.
    """
    outcome = Outcome(problems=list(document.problems))
    if outcome.problems:
        return outcome
    now = utcnow()
    add_named(session, Actor, create_actor, document.actors, outcome, "actors")
    add_named(session, Theme, create_theme, document.themes, outcome, "themes")
    authors = find_authors(session, document, outcome)
    declared = add_sources(session, document.sources, outcome, authors)
    for add, entries in ((add_criteria, document.criteria), (add_signposts, document.signposts)):
        found, counts = add(session, entries, authors, now)
        outcome.problems.extend(Problem(where, message) for where, message in found)
        outcome.counts.update(counts)
    add_updates(
        session, document.updates, authors, declared, outcome, now, progress,
        correct=f"Corrected by importing {source_name}." if correct else None,
    )  # fmt: skip
    target_problems, target_counts = add_targets(session, document.targets, authors, now)
    outcome.problems.extend(Problem(where, message) for where, message in target_problems)
    outcome.counts.update(target_counts)
    if document.blind_reviews:
        session.flush()
        review_problems, review_counts = add_blind_reviews(
            session, document.blind_reviews, authors, known_keys(session), now
        )
        outcome.problems.extend(Problem(where, message) for where, message in review_problems)
        outcome.counts.update(review_counts)
    forecast_problems, forecast_counts = add_forecasts(session, document.forecasts, authors, now)
    outcome.problems.extend(Problem(where, message) for where, message in forecast_problems)
    outcome.counts.update(forecast_counts)
    if document.comments:
        comment_problems, comment_counts = add_comments(
            session, document.comments, authors, known_keys(session), now
        )
        outcome.problems.extend(Problem(where, message) for where, message in comment_problems)
        outcome.counts.update(comment_counts)
    if not outcome.problems:
        audit.record(
            session, "import", user=None,
            after={"file": source_name, **dict(sorted(outcome.counts.items()))},
        )  # fmt: skip
        session.flush()
    return outcome


def add_named(
    session: Session,
    model: type[Actor] | type[Theme],
    create: Callable[..., Any],
    entries: list[tuple[str, Any]],
    outcome: Outcome,
    label: str,
) -> None:
    existing = set(session.scalars(select(model.slug)))
    for path, item in entries:
        slug = item.get("slug")
        if isinstance(slug, str) and slug in existing:
            outcome.counts[f"{label} already present"] += 1
            continue
        try:
            create(
                session, slug=text_of(item, "slug", path), name=text_of(item, "name", path), by=None
            )
        except CatalogueError as error:
            outcome.problems.append(Problem(f"{path}.{error.field}", str(error)))
        else:
            existing.add(slug)
            outcome.counts[f"{label} added"] += 1


def text_of(item: dict[str, Any], name: str, path: str) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CatalogueError(name, "Expected text.")
    return value


def flag_of(item: dict[str, Any], name: str) -> bool:
    value = item.get(name, False)
    if not isinstance(value, bool):
        raise CatalogueError(name, "Expected true or false.")
    return value


def language_of(item: dict[str, Any]) -> str:
    """A source's language: one the interface speaks, English when the file says none."""
    value = item.get("language", DEFAULT_LANGUAGE)
    if value not in LANGUAGES:
        raise CatalogueError("language", f"Expected one of {', '.join(LANGUAGES)}.")
    return value


def translations_of(item: dict[str, Any], fields: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """`{"ar": {"title": "...", "summary": "..."}}`: known languages and fields, text in each."""
    value = item.get("translations") or {}
    if not isinstance(value, dict):
        raise CatalogueError("translations", "Expected an object of languages.")
    found: dict[str, dict[str, str]] = {}
    for code, texts in value.items():
        if code not in LANGUAGES:
            raise CatalogueError(f"translations.{code}", f"Expected one of {', '.join(LANGUAGES)}.")
        if not isinstance(texts, dict) or set(texts) - set(fields):
            raise CatalogueError(f"translations.{code}", f"Expected {' and '.join(fields)} only.")
        for name, text in texts.items():
            if not isinstance(text, str) or len(text) > TRANSLATION_LIMITS[name]:
                raise CatalogueError(
                    f"translations.{code}.{name}",
                    f"Expected text of at most {TRANSLATION_LIMITS[name]:,} characters.",
                )
        if texts:
            found[code] = dict(texts)
    return found


def add_sources(
    session: Session,
    entries: list[tuple[str, Any]],
    outcome: Outcome,
    people: dict[str, User],
) -> set[str]:
    """Add the sources and recommendations the database lacks; return every slug declared.

    `people` maps the e-mail addresses of owners and co-owners to their accounts.
    """
    declared: set[str] = set()
    themes = {theme.slug: theme for theme in session.scalars(select(Theme))}
    actors = {actor.slug: actor for actor in session.scalars(select(Actor))}
    stored = {
        source.slug: source
        for source in session.scalars(select(Source).options(selectinload(Source.recommendations)))
    }
    for path, item in entries:
        slug_of_source = item.get("slug")
        source = stored.get(slug_of_source) if isinstance(slug_of_source, str) else None
        if source is not None:
            outcome.counts["sources already present"] += 1
        else:
            try:
                source = create_source(
                    session,
                    slug=text_of(item, "slug", path),
                    kind=choice(item, "kind", SourceKind),
                    title=text_of(item, "title", path),
                    author=text_of(item, "author", path),
                    publisher=text_of(item, "publisher", path),
                    url=text_of(item, "url", path),
                    published_on=date_of(item, "published_on"),
                    date_precision=choice(item, "date_precision", DatePrecision),
                    text=text_of(item, "text", path) or None,
                    published=flag_of(item, "published"),
                    language=language_of(item),
                    translations=translations_of(item, ("title",)),
                    by=None,
                )
            except CatalogueError as error:
                outcome.problems.append(Problem(f"{path}.{error.field}", str(error)))
            else:
                outcome.counts["sources added"] += 1
        present = (
            {rec.slug for rec in source.recommendations} if source in stored.values() else set()
        )
        recommendations = objects(
            item, "recommendations", f"{path}.recommendations", outcome.problems
        )
        for rec_path, rec in recommendations:
            slug = rec.get("slug")
            if isinstance(slug, str):
                declared.add(slug)
            if source is None:
                continue  # its source is refused, and says why
            if slug in present:
                outcome.counts["recommendations already present"] += 1
                continue
            try:
                theme = themes.get(text_of(rec, "theme", rec_path))
                if theme is None:
                    raise CatalogueError("theme", f"No theme has the slug “{rec.get('theme')}”.")
                addressed = []
                named = rec.get("actors") or []
                if not isinstance(named, list):
                    raise CatalogueError("actors", "Expected a list of actors' slugs.")
                for slug_of_actor in named:
                    actor = actors.get(slug_of_actor) if isinstance(slug_of_actor, str) else None
                    if actor is None:
                        raise CatalogueError("actors", f"No actor has the slug “{slug_of_actor}”.")
                    addressed.append(actor)
                position = rec.get("position")
                if position is not None and (not isinstance(position, int) or position < 1):
                    raise CatalogueError("position", "Expected a whole number from 1.")
                owner, co_owners = owners_of(rec, people)
                every = rec.get("review_every_days")
                if every is not None and (
                    not isinstance(every, int) or not 1 <= every <= MAX_REVIEW_EVERY_DAYS
                ):
                    raise CatalogueError(
                        "review_every_days", f"Expected a whole number from 1 to "
                        f"{MAX_REVIEW_EVERY_DAYS}, or null."
                    )  # fmt: skip
                created = create_recommendation(
                    session,
                    source,
                    slug=text_of(rec, "slug", rec_path),
                    title=text_of(rec, "title", rec_path),
                    summary=text_of(rec, "summary", rec_path),
                    passage=text_of(rec, "passage", rec_path),
                    theme=theme,
                    actors=addressed,
                    condition=text_of(rec, "condition", rec_path) or None,
                    position=position,
                    owner=owner,
                    co_owners=co_owners,
                    review_every_days=every,
                    translations=translations_of(rec, ("title", "summary")),
                    by=None,
                )
            except CatalogueError as error:
                outcome.problems.append(Problem(f"{rec_path}.{error.field}", str(error)))
            else:
                outcome.counts["recommendations added"] += 1
                if owner is not None or co_owners:
                    note_assignments(session, created, set(), None)
    return declared


def owner_emails(rec: dict[str, Any]) -> list[tuple[str, Any]]:
    """(field, value) of each e-mail address a recommendation names as owner or co-owner."""
    named: list[tuple[str, Any]] = []
    if rec.get("owner") is not None:
        named.append(("owner", rec["owner"]))
    co_owners = rec.get("co_owners") or []
    if isinstance(co_owners, list):
        named += [(f"co_owners[{index}]", email) for index, email in enumerate(co_owners)]
    return named


def owners_of(rec: dict[str, Any], people: dict[str, User]) -> tuple[User | None, list[User]]:
    """Find a recommendation's owner and co-owners among the accounts found or made."""
    if not isinstance(rec.get("co_owners") or [], list):
        raise CatalogueError("co_owners", "Expected a list of e-mail addresses.")
    found: dict[str, User] = {}
    for name, email in owner_emails(rec):
        user = people.get(normalise_email(email)) if isinstance(email, str) else None
        if user is None:
            raise CatalogueError(name, "Expected an email address.")
        found[name] = user
    owner = found.pop("owner", None)
    co_owners = list(found.values())
    if owner is not None and owner in co_owners:
        raise CatalogueError("co_owners", "The owner cannot also be a co-owner.")
    return owner, co_owners


def choice(item: dict[str, Any], name: str, vocabulary: Iterable[Any]) -> Any:
    value = item.get(name)
    for member in vocabulary:
        if member.value == value:
            return member
    allowed = ", ".join(member.value for member in vocabulary)
    raise CatalogueError(name, f"Not a valid choice: “{value}” (one of {allowed}).")


def date_of(item: dict[str, Any], name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(item.get(name) or "")
    except (TypeError, ValueError):
        raise CatalogueError(name, "Expected a date, YYYY-MM-DD.") from None


def find_authors(session: Session, document: Document, outcome: Outcome) -> dict[str, User]:
    """Map every email the updates name to its user, creating a disabled account if none.

    An author's account is needed to keep who judged what; it is created disabled, with no
    usable password, until an admin enables it and sets one.
    """
    names: dict[str, str] = {}
    for path, item in document.authors:
        email = item.get("email")
        if not isinstance(email, str) or not EMAIL.fullmatch(email.strip()):
            outcome.problems.append(Problem(f"{path}.email", "Expected an email address."))
            continue
        names[normalise_email(email)] = str(item.get("name") or "").strip()
    wanted: dict[str, str] = {}
    # Who approved updates, with where the file first says so.
    approvers: dict[str, str] = {}
    for record in document.updates:
        emails = [("author", record.values["author"], record.values.get("author_name", ""))]
        if record.retracted is not None:
            emails.append(("retracted.by", record.retracted["by"], ""))
        if record.approved is not None:
            emails.append(("approved.by", record.approved["by"], ""))
        for name, email, author_name in emails:
            if not EMAIL.fullmatch(email.strip()):
                outcome.problems.append(Problem(record.place(name), "Expected an email address."))
                continue
            wanted.setdefault(normalise_email(email), author_name.strip())
            if name == "approved.by":
                approvers.setdefault(normalise_email(email), record.place(name))
    named = [*wanted_authors(document.targets), *wanted_authors(document.criteria)]
    for where, email in [
        *named,
        *wanted_signpost_authors(document.signposts),
        *wanted_people(document.blind_reviews),
        *forecast_authors(document.forecasts),
        *wanted_comment_authors(document.comments),
    ]:
        if not EMAIL.fullmatch(email.strip()):
            outcome.problems.append(Problem(where, "Expected an email address."))
            continue
        wanted.setdefault(normalise_email(email), "")
    for _path, source in document.sources:
        recommendations = source.get("recommendations") if isinstance(source, dict) else None
        for rec in recommendations if isinstance(recommendations, list) else []:
            if not isinstance(rec, dict):
                continue
            for _field, email in owner_emails(rec):
                if isinstance(email, str) and EMAIL.fullmatch(email.strip()):
                    wanted.setdefault(normalise_email(email), "")
    users = {
        user.email: user
        for user in session.scalars(select(User).where(User.email.in_(list(wanted))))
    }
    for email in sorted(set(approvers) - set(users) - set(names)):
        outcome.problems.append(
            Problem(approvers[email], f"No account nor entry of authors[] has the address {email}.")
        )
    for email in sorted(set(wanted) - set(users)):
        name = names.get(email) or wanted[email] or email.split("@")[0]
        # An approver approved as an editor where the file was written.
        role = Role.EDITOR if email in approvers else Role.ANALYST
        user = create_user(session, email, name, None, role, by=None)
        disable_user(session, user, by=None)
        users[email] = user
        outcome.counts["author accounts created, disabled"] += 1
    return users


def add_updates(
    session: Session,
    records: list[UpdateRecord],
    authors: dict[str, User],
    declared: set[str],
    outcome: Outcome,
    now: dt.datetime,
    progress: Progress | None,
    *,
    correct: str | None = None,
) -> None:
    """Check every update, then add the new ones; `correct` is the reason of corrections.

    An update whose key is already stored is checked like any other and compared with the
    stored one: differences are problems, or corrections when `correct` is given.
    """
    recommendations = load_recommendations(session, {r.values["recommendation"] for r in records})
    known = known_keys(session, {record.key.strip() for record in records})
    stored = stored_updates(session, {known[r.key] for r in records if r.key.strip() in known})
    checker = Checker(recommendations, authors, declared, known, now, stored, correct is not None)
    checker.criteria = criteria_by_number(session)
    checker.check_all_fields(records)

    def checked() -> Iterator[NewStatusUpdate]:
        total = len(records)
        for done, record in enumerate(records, start=1):
            new = checker.check(done - 1, record, outcome)
            if new is not None and not outcome.problems:  # a refused file: spare the writes
                outcome.counts["status updates added"] += 1
                if new.approval is not None:
                    outcome.counts["approvals added"] += 1
                yield new
            if progress and (done % CHUNK == 0 or done == total):
                progress(done, total)

    unknown = sum(1 for record in records if record.key.strip() not in known)
    record_status_updates(session, checked(), expected=unknown)
    if correct is not None and not outcome.problems:
        for update, judgement, evidence in checker.corrections:
            correct_status_update(
                session, update, editor=update.author, reason=correct, evidence=evidence,
                now=now, **judgement,
            )  # fmt: skip
            outcome.counts["status updates corrected"] += 1


def load_recommendations(session: Session, slugs: set[str]) -> dict[str, Recommendation]:
    found: dict[str, Recommendation] = {}
    ordered = sorted(slugs)
    for start in range(0, len(ordered), 500):
        batch = ordered[start : start + 500]
        for rec in session.scalars(select(Recommendation).where(Recommendation.slug.in_(batch))):
            found[rec.slug] = rec
    return found


def known_keys(session: Session, among: Collection[str] | None = None) -> dict[str, int]:
    """Return the keys of the updates already stored, as an export would write them, with
    each update's id: all of them, or those `among` the given keys.

    Given keys are looked up in batches, so that importing a file reads what it names rather
    than the whole history once a file. Keys derived for updates logged here (which carry
    none) are all read either way: they are only the updates logged through the forms.
    """
    stored = select(StatusUpdate.import_key, StatusUpdate.id)
    if among is None:
        batches = [stored.where(StatusUpdate.import_key.is_not(None))]
    else:
        ordered = sorted(among)
        batches = [
            stored.where(StatusUpdate.import_key.in_(ordered[start : start + KEY_BATCH]))
            for start in range(0, len(ordered), KEY_BATCH)
        ]
    keys: dict[str, int] = {}
    for batch in batches:
        keys.update(session.execute(batch).all())
    logged = session.execute(
        select(Recommendation.slug, User.email, StatusUpdate.created_at, StatusUpdate.id)
        .join(StatusUpdate.recommendation)
        .join(StatusUpdate.author)
        .where(StatusUpdate.import_key.is_(None))
    )
    keys.update((derived_key(slug, email, at), id_) for slug, email, at, id_ in logged)
    return keys


# Keys looked up a statement at a time: within SQLite's and PostgreSQL's limits on bound values.
KEY_BATCH = 5_000


def stored_updates(session: Session, ids: set[int]) -> dict[int, StatusUpdate]:
    """Load stored updates by id with what an export shows of them, to compare with a file."""
    found: dict[int, StatusUpdate] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        query = (
            select(StatusUpdate)
            .where(StatusUpdate.id.in_(ordered[start : start + 500]))
            .options(*EXPORTED)
        )
        found.update((update.id, update) for update in session.scalars(query))
    return found


def differences(stored: dict[str, Any], given: dict[str, Any]) -> list[str]:
    """Name the fields in which a file's update differs from the stored one."""
    names = [
        name
        for name in (*UPDATE_FIELDS[1:], "retracted", "approved")
        if name in given and given[name] != stored[name]
    ]
    ours, theirs = stored["evidence"], given["evidence"]
    for number, (item, other) in enumerate(zip(ours, theirs, strict=False)):
        names.extend(f"evidence[{number}].{name}" for name in item if item[name] != other[name])
    if len(ours) != len(theirs):
        names.append(f"evidence ({len(ours)} items stored, {len(theirs)} in the file)")
    return names


# What a correction by import may change; the rest names another update.
CORRECTABLE = ("status", "as_of", "confidence", "assessment", "evidence")


class Checker:
    """Check updates as the status update form and `record_status_update` would.

    Each field meets its rule in tracker/field_rules.py, which the form's fields follow too;
    of its evidence.
    """

    def __init__(
        self,
        recommendations: dict[str, Recommendation],
        authors: dict[str, User],
        declared: set[str],
        known: dict[str, int],
        now: dt.datetime,
        stored: dict[int, StatusUpdate] | None = None,
        correct: bool = False,
    ) -> None:
        self.recommendations = recommendations
        self.authors = authors
        self.declared = declared
        self.known = known
        self.now = now
        self.stored = stored or {}
        self.correct = correct
        # Stored updates a file corrects: the update, its new judgement and its evidence.
        self.corrections: list[tuple[StatusUpdate, dict[str, Any], list[CorrectedEvidence]]] = []
        self.seen: dict[str, UpdateRecord] = {}
        # Criteria's ids by (recommendation id, number), for what updates say of them.
        self.criteria: dict[tuple[int, int], int] = {}
        # The updates' fields checked by `check_all_fields`, and where each one's evidence starts.
        self.judgements: dict[str, list[Any]] = {}
        self.judgement_errors: dict[int, dict[str, list[str]]] = {}
        self.evidence: dict[int, EvidenceInput] = {}
        self.evidence_errors: dict[int, dict[str, list[str]]] = {}
        self.first_item: list[int] = []

    def check_all_fields(self, records: list[UpdateRecord]) -> None:
        """Check the fields of every update and of its evidence by the form's rules, a column
        at a time, for `check` to read: quicker than a row at a time."""
        self.judgements, self.judgement_errors = check_columns(UPDATE, [r.values for r in records])
        items = [item for record in records for item in record.evidence]
        evidence, self.evidence_errors = check_columns(EVIDENCE, items)
        passed = [index for index in range(len(items)) if index not in self.evidence_errors]
        if len(passed) < len(items):
            evidence = {name: [column[n] for n in passed] for name, column in evidence.items()}
        self.evidence = dict(zip(passed, evidence_inputs(evidence), strict=True))
        self.first_item = list(accumulate((len(record.evidence) for record in records), initial=0))

    def check(self, number: int, record: UpdateRecord, outcome: Outcome) -> NewStatusUpdate | None:
        """Check the `number`th update of those `check_all_fields` was given."""
        values = record.values
        problems: list[Problem] = []
        key = values["key"].strip()
        if not key:
            problems.append(Problem(record.place("key"), "This field is required."))
        elif len(key) > 64:
            problems.append(Problem(record.place("key"), "Use at most 64 characters."))
        elif key in self.seen:
            first = self.seen[key].place("key")
            problems.append(
                Problem(record.place("key"), f"The key “{key}” is already used at {first}.")
            )
        self.seen.setdefault(key, record)
        recommendation = self.recommendations.get(values["recommendation"])
        if recommendation is None and values["recommendation"] not in self.declared:
            problems.append(
                Problem(
                    record.place("recommendation"),
                    f"No recommendation has the slug “{values['recommendation']}”.",
                )
            )
        logged_at = moment(values["logged_at"], record.place("logged_at"), problems) or self.now
        if logged_at > self.now:
            problems.append(
                Problem(record.place("logged_at"), "The logged time cannot be in the future.")
            )
        judgement = self.check_judgement(number, record, problems)
        change_reason = values.get("change_reason", "").strip() or None
        if change_reason is not None and len(change_reason) > MAX_CHANGE_REASON:
            problems.append(
                Problem(
                    record.place("change_reason"),
                    f"Field cannot be longer than {MAX_CHANGE_REASON} characters.",
                )
            )
        evidence = self.check_evidence(number, record, problems)
        marks = self.check_marks(record, recommendation, problems)
        criteria_reason = values.get("criteria_reason", "").strip() or None
        if criteria_reason is not None and len(criteria_reason) > MAX_CHANGE_REASON:
            problems.append(
                Problem(
                    record.place("criteria_reason"),
                    f"Field cannot be longer than {MAX_CHANGE_REASON} characters.",
                )
            )
        retraction = None
        if record.retracted is not None:
            retraction = checked_retraction(record, logged_at, self.now, problems)
        approval = None
        if record.approved is not None:
            approval = checked_approval(record, logged_at, self.now, problems)
        if not problems:
            try:
                check_status_update(
                    status=Status(judgement["status"]),
                    as_of=judgement["as_of"],
                    evidence=evidence,
                    now=logged_at,
                )
            except TrackingError as error:
                on = logged_at.date().isoformat()
                problems.append(Problem(record.place("as_of"), f"{error} It was logged on {on}."))
        if not problems and key in self.known:
            same = self.compare(
                record, key, judgement, evidence, logged_at, retraction, approval, problems
            )
            outcome.problems.extend(problems)
            if same:  # one to correct is counted when corrected, not also as present
                outcome.counts["status updates already present"] += 1
            return None
        author = self.authors.get(normalise_email(values["author"]))
        retractor = self.authors.get(retraction[1]) if retraction else None
        approver = self.authors.get(approval[1]) if approval else None
        if approver is not None and author is not None:
            problems.extend(approver_problems(record, author, approver))
        outcome.problems.extend(problems)
        if problems or recommendation is None or author is None:
            return None
        if retraction is not None and retractor is None:
            return None  # the retraction's author is refused, and says why
        if approval is not None and approver is None:
            return None  # the approver is refused, and says why
        return NewStatusUpdate(
            recommendation=recommendation,
            author=author,
            status=Status(judgement["status"]),
            as_of=judgement["as_of"],
            assessment=judgement["assessment"].strip(),
            confidence=Confidence(judgement["confidence"]),
            evidence=evidence,
            logged_at=logged_at,
            import_key=key,
            change_reason=change_reason,
            marks=marks,
            criteria_reason=criteria_reason,
            retraction=Retraction(retraction[0], retractor, retraction[2])
            if retraction and retractor
            else None,
            approval=Approval(approval[0], approver) if approval and approver else None,
        )

    def compare(
        self,
        record: UpdateRecord,
        key: str,
        judgement: dict[str, Any],
        evidence: list[EvidenceInput],
        logged_at: dt.datetime,
        retraction: tuple[dt.datetime, str, str] | None,
        approval: tuple[dt.datetime, str] | None,
        problems: list[Problem],
    ) -> bool:
        """Hold a checked update whose key is stored to the stored one; add what differs.

        True if the stored update already says what the record says. What differs is held
        for correction when corrections are asked for, else added to `problems`.
        """
        update = self.stored[self.known[key]]
        given: dict[str, Any] = {
            "recommendation": record.values["recommendation"],
            "author": normalise_email(record.values["author"]),
            "status": judgement["status"],
            "as_of": judgement["as_of"].isoformat(),
            "confidence": judgement["confidence"],
            "assessment": judgement["assessment"].strip(),
            "retracted": {"at": timestamp(retraction[0]), "by": retraction[1],
                          "reason": retraction[2]} if retraction else None,
            "evidence": [evidence_record(item) for item in evidence],
        }  # fmt: skip
        if record.values["logged_at"].strip():
            given["logged_at"] = timestamp(logged_at)
        if record.approves:
            given["approved"] = (
                {"at": timestamp(approval[0]), "by": approval[1]} if approval else None
            )
        differ = differences(update_record(update), given)
        if not differ:
            return True
        fixed = [name for name in differ if name.split("[")[0].split(" ")[0] not in CORRECTABLE]
        if self.correct and not fixed:
            stored_ids = [item.id for item in update.evidence]
            self.corrections.append(
                (
                    update,
                    {
                        "status": Status(judgement["status"]),
                        "as_of": judgement["as_of"],
                        "assessment": judgement["assessment"].strip(),
                        "confidence": Confidence(judgement["confidence"]),
                    },
                    [
                        CorrectedEvidence(stored_ids[n] if n < len(stored_ids) else None, item)
                        for n, item in enumerate(evidence)
                    ],
                )
            )
            return False
        message = (
            f"An update with the key “{key}” is already stored, and this one differs in "
            f"{', '.join(differ)}."
        )
        if [name for name in fixed if name != "approved"]:
            message += " Give it a key of its own if it is another update."
        elif fixed:
            message += (
                " A stored update keeps its own approval: approve it from the review queue, "
                "or give the stored approval in the file."
            )
        else:
            message += " Import with --correct to record it as a correction of the stored one."
        problems.append(Problem(record.place("key"), message))
        return False

    def check_judgement(
        self, number: int, record: UpdateRecord, problems: list[Problem]
    ) -> dict[str, Any]:
        """The update's own fields, checked by the form's rules; their problems added."""
        errors = self.judgement_errors.get(number)
        if errors:
            problems.extend(
                Problem(record.place(name), error)
                for name, messages in errors.items()
                for error in messages
            )
        return {name: column[number] for name, column in self.judgements.items()}

    def check_marks(
        self, record: UpdateRecord, recommendation: Recommendation | None, problems: list[Problem]
    ) -> list[MarkInput]:
        """Check what the update says of criteria: each names one of its recommendation's."""
        marks = []
        named: set[int] = set()
        for index, (number, texts) in enumerate(record.marks):
            where = record.place(f"criteria[{index}]")
            criterion = None
            if recommendation is not None and isinstance(number, int):
                criterion = self.criteria.get((recommendation.id, number))
            if criterion is None or criterion in named:
                problems.append(
                    Problem(f"{where}.criterion", "Expected the number of one of the "
                            "recommendation's criteria, once.")
                )  # fmt: skip
            data, errors = check_fields(MARK, texts)
            problems.extend(
                Problem(f"{where}.{name}", error)
                for name, messages in errors.items()
                for error in messages
            )
            if not errors and criterion is not None and criterion not in named:
                named.add(criterion)
                marks.append(
                    MarkInput(criterion, Verdict(data["verdict"]), (data["note"] or "").strip())
                )
        return marks

    def check_evidence(
        self, number: int, record: UpdateRecord, problems: list[Problem]
    ) -> list[EvidenceInput]:
        """Check the number of items of evidence; add the problems of each item's fields."""
        if not record.evidence:
            problems.append(
                Problem(record.place("evidence"), "An update needs at least one item of evidence.")
            )
        if len(record.evidence) > MAX_EVIDENCE_ROWS:
            problems.append(
                Problem(
                    record.place("evidence"), f"Give at most {MAX_EVIDENCE_ROWS} items of evidence."
                )
            )
        evidence = []
        first = self.first_item[number]
        for index, place in enumerate(record.evidence_places, start=first):
            errors = self.evidence_errors.get(index)
            if errors:
                problems.extend(
                    Problem(place(name), error)
                    for name, messages in errors.items()
                    for error in messages
                )
            else:
                evidence.append(self.evidence[index])
        return evidence


def moment(value: str, where: str, problems: list[Problem]) -> dt.datetime | None:
    """Read an ISO 8601 time; one without a time zone is in UTC."""
    if not value.strip():
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        problems.append(Problem(where, "Expected a time, YYYY-MM-DDTHH:MM:SS+00:00."))
        return None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def checked_retraction(
    record: UpdateRecord, logged_at: dt.datetime, now: dt.datetime, problems: list[Problem]
) -> tuple[dt.datetime, str, str] | None:
    assert record.retracted is not None
    at = moment(record.retracted["at"], record.place("retracted.at"), problems)
    reason = record.retracted["reason"].strip()
    if at is None:
        problems.append(Problem(record.place("retracted.at"), "Give the time of the retraction."))
    elif not logged_at <= at <= now:
        problems.append(
            Problem(
                record.place("retracted.at"),
                "A retraction is made after the update is logged, and not in the future.",
            )
        )
    if not reason:
        problems.append(
            Problem(record.place("retracted.reason"), "Give the reason for the retraction.")
        )
    if at is None or not reason:
        return None
    return at, normalise_email(record.retracted["by"]), reason


def checked_approval(
    record: UpdateRecord, logged_at: dt.datetime, now: dt.datetime, problems: list[Problem]
) -> tuple[dt.datetime, str] | None:
    """The approval's time and approver's address, if its time is one and in its place."""
    assert record.approved is not None
    at = moment(record.approved["at"], record.place("approved.at"), problems)
    if at is None:
        if not record.approved["at"].strip():
            problems.append(Problem(record.place("approved.at"), "Give the time of the approval."))
        return None
    if not logged_at <= at <= now:
        problems.append(
            Problem(
                record.place("approved.at"),
                "An approval is given after the update is logged, and not in the future.",
            )
        )
        return None
    return at, normalise_email(record.approved["by"])


def approver_problems(record: UpdateRecord, author: User, approver: User) -> list[Problem]:
    """The review queue's rules for who approves: an editor or admin, never the author."""
    where = record.place("approved.by")
    if approver.email == author.email:
        return [Problem(where, "An update is approved by an editor other than its author.")]
    if not approver.role.can(Role.EDITOR):
        return [Problem(where, f"{approver.email} is not an editor or admin here.")]
    return []
