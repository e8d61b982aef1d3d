"""Languages: a user's interface language; a source's language; translated titles and summaries.

Revision ID: 5e0a7b3c9d21
Revises: c41d8e2f7a65
Create Date: 2026-12-01 11:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e0a7b3c9d21"
down_revision: str | None = "c41d8e2f7a65"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))
    for table in ("source", "recommendation"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("language", sa.String(length=16), server_default="en", nullable=False)
            )
            batch.add_column(
                sa.Column("translations", sa.JSON(), server_default="{}", nullable=False)
            )


def downgrade() -> None:
    for table in ("recommendation", "source"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("translations")
            batch.drop_column("language")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("language")
