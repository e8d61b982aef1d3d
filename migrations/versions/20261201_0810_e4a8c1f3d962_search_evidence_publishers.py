"""Search the publisher of each item of evidence with its title, and only cited evidence.

On SQLite the evidence entries of the search index are written again; on PostgreSQL the GIN
index over evidence follows the new expression of tracker/search/engines.py.

Revision ID: e4a8c1f3d962
Revises: b7d2e5a91c04
Create Date: 2026-12-01 08:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "e4a8c1f3d962"
down_revision: str | None = "b7d2e5a91c04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in tracker/search/index.py and tracker/search/engines.py, at this revision.
SQLITE_EVIDENCE = (
    "SELECT e.id * 4 + 2, e.title || ' ' || e.publisher, e.excerpt, u.recommendation_id "
    "FROM evidence e JOIN status_update u ON u.id = e.update_id AND e.withdrawn_in IS NULL"
)
SQLITE_EVIDENCE_BEFORE = (
    "SELECT e.id * 4 + 2, e.title, e.excerpt, u.recommendation_id "
    "FROM evidence e JOIN status_update u ON u.id = e.update_id"
)
POSTGRES_EVIDENCE = "to_tsvector('english', title || ' ' || publisher || ' ' || excerpt)"
POSTGRES_EVIDENCE_BEFORE = "to_tsvector('english', title || ' ' || excerpt)"


def index_evidence(entries: str, expression: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DELETE FROM search_index WHERE rowid % 4 = 2")
        op.execute(f"INSERT INTO search_index (rowid, title, body, recommendation_id) {entries}")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_evidence")
        op.execute(f"CREATE INDEX ix_search_evidence ON evidence USING gin ({expression})")


def upgrade() -> None:
    index_evidence(SQLITE_EVIDENCE, POSTGRES_EVIDENCE)


def downgrade() -> None:
    index_evidence(SQLITE_EVIDENCE_BEFORE, POSTGRES_EVIDENCE_BEFORE)
