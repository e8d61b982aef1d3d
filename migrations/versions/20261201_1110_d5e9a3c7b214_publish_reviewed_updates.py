"""Publish it: a source published or not, and an update's approval before the public sees it.

Revision ID: d5e9a3c7b214
Revises: 8eec2dbc8a80
Create Date: 2026-12-01 11:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.models import UTCDateTime

revision: str = "d5e9a3c7b214"
down_revision: str | None = "8eec2dbc8a80"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.add_column(sa.Column("published", sa.Boolean(), nullable=False, server_default="0"))
    with op.batch_alter_table("status_update") as batch:
        batch.add_column(sa.Column("approved_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch.create_index("ix_status_update_approved_at", ["approved_at"])
        batch.create_foreign_key(
            "fk_status_update_approved_by_id_user", "user", ["approved_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("status_update") as batch:
        batch.drop_constraint("fk_status_update_approved_by_id_user", type_="foreignkey")
        batch.drop_index("ix_status_update_approved_at")
        batch.drop_column("approved_by_id")
        batch.drop_column("approved_at")
    with op.batch_alter_table("source") as batch:
        batch.drop_column("published")
