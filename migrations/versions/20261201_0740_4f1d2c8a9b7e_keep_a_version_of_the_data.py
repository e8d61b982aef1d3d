"""Keep a version of the data: a row per committed transaction that changed what pages show.

The page cache compares it instead of the newest audit event, which not every write makes.

Revision ID: 4f1d2c8a9b7e
Revises: 9e41c7a2b5d3
Create Date: 2026-12-01 07:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = "4f1d2c8a9b7e"
down_revision: str | None = "9e41c7a2b5d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_change")),
    )


def downgrade() -> None:
    op.drop_table("data_change")
