"""Add personal API tokens, the key an imported status update carries, and full-text search.

Search indexes recommendations (title, summary, passage), assessments and evidence (title,
excerpt). On SQLite an FTS5 table, `search_index`, is filled here from the rows that exist
and kept in step by the application as it writes; on PostgreSQL GIN indexes over
`to_tsvector` expressions serve the same queries. tracker/search/ explains the choice and
holds the queries that use them.

Revision ID: 5c975f1cf17e
Revises: d025a95ecdaf
Create Date: 2026-11-28 14:10:04.621439+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = "5c975f1cf17e"
down_revision: str | None = "d025a95ecdaf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An entry's rowid is its row's id times 4 plus its kind (0, 1, 2), as in tracker/search/index.py.
SQLITE_ENTRIES = (
    "SELECT id * 4, title, summary || char(10) || passage, id FROM recommendation",
    "SELECT id * 4 + 1, '', assessment, recommendation_id FROM status_update",
    "SELECT e.id * 4 + 2, e.title, e.excerpt, u.recommendation_id "
    "FROM evidence e JOIN status_update u ON u.id = e.update_id",
)

# The expressions must stay the same as the queries' in tracker/search/engines.py.
POSTGRES_INDEXES = {
    "ix_search_recommendation": (
        "recommendation",
        "to_tsvector('english', title || ' ' || summary || ' ' || passage)",
    ),
    "ix_search_status_update": ("status_update", "to_tsvector('english', assessment)"),
    "ix_search_evidence": ("evidence", "to_tsvector('english', title || ' ' || excerpt)"),
}


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", tracker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", tracker.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_api_token_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("status_update", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_status_update_import_key"), ["import_key"])

    if op.get_bind().dialect.name == "sqlite":
        create_sqlite_index()
    else:
        for name, (table, expression) in POSTGRES_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({expression})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_index")
    else:
        for name in POSTGRES_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")

    with op.batch_alter_table("status_update", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_status_update_import_key"), type_="unique")
        batch_op.drop_column("import_key")

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))
    op.drop_table("api_token")


def create_sqlite_index() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "title, body, recommendation_id UNINDEXED, "
        "tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    for entries in SQLITE_ENTRIES:
        op.execute(f"INSERT INTO search_index (rowid, title, body, recommendation_id) {entries}")
