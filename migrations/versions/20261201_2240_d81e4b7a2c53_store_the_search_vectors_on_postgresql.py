"""On PostgreSQL, store each searchable row's text search vector, and index that.

Search filtered the rows by GIN indexes over `to_tsvector` expressions, then computed the
same vectors again for every candidate it ranked (up to a thousand of each kind). A stored
generated column is computed once, when the row is written, and both the filter and the rank
read it. SQLite's FTS5 index is untouched.

Revision ID: d81e4b7a2c53
Revises: c6f1d2a9b7e4
Create Date: 2026-12-01 22:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "d81e4b7a2c53"
down_revision: str | None = "c6f1d2a9b7e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in tracker/search/engines.py: each table's searched text, and its index's name.
VECTORS = {
    "recommendation": ("ix_search_recommendation", "title || ' ' || summary || ' ' || passage"),
    "status_update": ("ix_search_status_update", "assessment"),
    "evidence": ("ix_search_evidence", "title || ' ' || publisher || ' ' || excerpt"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, (index, text) in VECTORS.items():
        op.execute(f"DROP INDEX IF EXISTS {index}")
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector"
            f" GENERATED ALWAYS AS (to_tsvector('english', {text})) STORED"
        )
        op.execute(f"CREATE INDEX {index} ON {table} USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, (index, text) in VECTORS.items():
        op.execute(f"DROP INDEX IF EXISTS {index}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")
        op.execute(f"CREATE INDEX {index} ON {table} USING gin (to_tsvector('english', {text}))")
