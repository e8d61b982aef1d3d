"""The two file formats: what their fields are called and how cells are written.

README.md documents both for the people who write or read them.
"""

from __future__ import annotations

import datetime as dt
import uuid

FORMAT = "tracker-export"
VERSION = 1

# One CSV row per item of evidence; the update's columns repeat on each of its rows.
UPDATE_COLUMNS = (
    "key",
    "recommendation",
    "author_email",
    "author_name",
    "logged_at",
    "status",
    "as_of",
    "confidence",
    "assessment",
    "retracted_at",
    "retracted_by",
    "retraction_reason",
    "change_reason",
)
EVIDENCE_FIELDS = (
    "url",
    "title",
    "publisher",
    "published_on",
    "excerpt",
    "stance",
    "reliability",
    "credibility",
)
EVIDENCE_COLUMNS = tuple(f"evidence_{name}" for name in EVIDENCE_FIELDS)
CSV_COLUMNS = UPDATE_COLUMNS + EVIDENCE_COLUMNS
OPTIONAL_COLUMNS = frozenset(
    {
        "author_name",
        "logged_at",
        "retracted_at",
        "retracted_by",
        "retraction_reason",
        "change_reason",
        "evidence_published_on",
    }
)

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Neutralising prefixes an apostrophe; cells that already start with one get another, so
# that reading a cell back is exact.
ESCAPED_STARTS = (*FORMULA_STARTS, "'")

# Updates logged in Tracker carry no key of their own: theirs derives from what never changes.
KEY_NAMESPACE = uuid.UUID("6f1d4a52-1c83-4d0e-9a57-3e2f4b7c9d10")


def neutralise(cell: str) -> str:
    """Keep a spreadsheet from running a cell as a formula."""
    return "'" + cell if cell.startswith(ESCAPED_STARTS) else cell


def restore(cell: str) -> str:
    """Undo `neutralise`."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(ESCAPED_STARTS) else cell


def derived_key(recommendation: str, author_email: str, logged_at: dt.datetime) -> str:
    """Name an update by its recommendation, author and logged time, the same in every export."""
    return str(
        uuid.uuid5(KEY_NAMESPACE, f"{recommendation}\n{author_email}\n{timestamp(logged_at)}")
    )


TIME_MESSAGE = "Expected a time, YYYY-MM-DDTHH:MM:SS+00:00."


def read_time(
    text: str, where: str, now: dt.datetime, found: list[tuple[str, str]]
) -> dt.datetime | None:
    """Read an ISO 8601 time, UTC when it says no zone, not after `now`; a bad or future one
    adds a problem (path, message) to `found`."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        found.append((where, TIME_MESSAGE))
        return None
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    if value > now:
        found.append((where, "The time cannot be in the future."))
        return None
    return value


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
