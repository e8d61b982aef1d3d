"""SQLite's search index: an FTS5 table the application keeps in step with what it writes.

Each flush of a session from the app's sessionmaker (`search.init_app` listens on it)
re-indexes the recommendations, updates and evidence it added, changed or
deleted, in the same transaction; bulk inserts, which bypass the flush, call `index_updates`.
`rebuild` starts over from the rows, for a database loaded without the application (a
logical restore, hand-written SQL): `tracker reindex`.

Why not triggers, which would see every write whatever makes it: on SQLite, Alembic's batch
migrations rebuild a table to alter it and drop its triggers without a word, so any later
migration of these three tables would silently stop the index from following them. An
application hook cannot be lost that way, and the rebuild covers what it does not see.

PostgreSQL needs none of this: its GIN indexes follow the rows by themselves.
"""

from __future__ import annotations

import json
from collections.abc import Collection

from sqlalchemy import Connection, inspect, text
from sqlalchemy.orm import Session, UOWTransaction

from ..models import Evidence, Recommendation, StatusUpdate

# An entry's rowid is its row's id times 4 plus its kind: a row finds its entry directly.
KIND_OF_TABLE = {"recommendation": 0, "status_update": 1, "evidence": 2}

# Each table's entries: rowid, title, body and recommendation; a condition on ID_COLUMN picks rows.
ENTRIES = {
    "recommendation": "SELECT id * 4, title, summary || char(10) || passage, id "
    "FROM recommendation",
    "status_update": "SELECT id * 4 + 1, '', assessment, recommendation_id FROM status_update",
    "evidence": "SELECT e.id * 4 + 2, e.title || ' ' || e.publisher, e.excerpt, "
    "u.recommendation_id FROM evidence e "
    "JOIN status_update u ON u.id = e.update_id AND e.withdrawn_in IS NULL",
}
ID_COLUMN = {"recommendation": "id", "status_update": "id", "evidence": "e.id"}
# The columns whose change changes an entry.
WATCHED = {
    Recommendation: ("title", "summary", "passage"),
    StatusUpdate: ("assessment", "recommendation_id"),
    Evidence: ("title", "publisher", "excerpt", "update_id", "withdrawn_in"),
}
# Ids travel as one JSON array, which SQLite reads as a table: one statement for any number.
IDS = "SELECT value FROM json_each(:ids)"


def index_rows(connection: Connection, table: str, ids: Collection[int]) -> None:
    """Write the entries of these rows of `table` afresh; rows that are gone lose theirs."""
    kind = KIND_OF_TABLE[table]
    listed = {"ids": json.dumps(sorted(ids))}
    connection.execute(
        text(
            "DELETE FROM search_index "
            f"WHERE rowid IN (SELECT value * 4 + {kind} FROM json_each(:ids))"
        ),
        listed,
    )
    connection.execute(
        text(
            "INSERT INTO search_index (rowid, title, body, recommendation_id) "
            f"{ENTRIES[table]} WHERE {ID_COLUMN[table]} IN ({IDS})"
        ),
        listed,
    )


# The entries of a range of updates and of their evidence, in one statement each: a form's
# post runs them. Ranges, as a bulk load's new ids are: a walk of the index's rowids in each,
# where a list of ids would be one look-up per id.
EVIDENCE_OF_UPDATES = "FROM evidence WHERE update_id BETWEEN :first AND :last"
UPDATES_UNINDEXED = text(
    "DELETE FROM search_index WHERE (rowid BETWEEN :first * 4 AND :last * 4 + 3"
    f" AND rowid % 4 = {KIND_OF_TABLE['status_update']}) OR (rowid BETWEEN"
    f" (SELECT min(id) {EVIDENCE_OF_UPDATES}) * 4"
    f" AND (SELECT max(id) {EVIDENCE_OF_UPDATES}) * 4 + 3"
    f" AND rowid % 4 = {KIND_OF_TABLE['evidence']})"
)
UPDATES_INDEXED = text(
    "INSERT INTO search_index (rowid, title, body, recommendation_id) "
    f"{ENTRIES['status_update']} WHERE id BETWEEN :first AND :last UNION ALL "
    f"{ENTRIES['evidence']} WHERE e.id BETWEEN (SELECT min(id) {EVIDENCE_OF_UPDATES})"
    f" AND (SELECT max(id) {EVIDENCE_OF_UPDATES})"
)


def index_updates(connection: Connection, update_ids: Collection[int]) -> None:
    """Index updates inserted in bulk, with their evidence.

    Every update from the lowest of these ids to the highest is indexed afresh, and every item
    of evidence from the lowest id of theirs to the highest: the ids of one load follow each
    other, and any other row in such a range is given the entry it had.
    """
    if connection.dialect.name != "sqlite" or not update_ids:
        return
    bounds = {"first": min(update_ids), "last": max(update_ids)}
    connection.execute(UPDATES_UNINDEXED, bounds)
    connection.execute(UPDATES_INDEXED, bounds)


def rebuild(connection: Connection) -> int:
    """Index every row anew; return how many entries the index holds."""
    connection.execute(text("DELETE FROM search_index"))
    for query in ENTRIES.values():
        connection.execute(
            text(f"INSERT INTO search_index (rowid, title, body, recommendation_id) {query}")
        )
    return connection.execute(text("SELECT count(*) FROM search_index")).scalar_one()


def follow_flush(session: Session, _context: UOWTransaction) -> None:
    """Re-index what this flush added, changed or deleted, in its transaction."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    changed: dict[str, set[int]] = {table: set() for table in KIND_OF_TABLE}
    for instance in (*session.new, *session.dirty, *session.deleted):
        watched = WATCHED.get(type(instance))
        if watched is None:
            continue
        state = inspect(instance)
        if instance in session.dirty and not any(
            state.attrs[name].history.has_changes() for name in watched
        ):
            continue
        row_id = state.identity[0] if state.identity else state.dict.get("id")
        if row_id is not None:
            changed[type(instance).__tablename__].add(row_id)
    for table, ids in changed.items():
        if ids:
            index_rows(connection, table, ids)
