"""Keep on each recommendation what its current update says, and the highest step it holds.

Where things stand now, and whether that is a regression, is then read from the
recommendation's row, however long its history. They are filled in for the history that
exists, by the rule the write path keeps them by: the current update is the one not retracted
with the latest as-of date, ties going to the one logged last; the step held is the highest of
Partially implemented (3) and Implemented (4) among the updates not retracted.

Revision ID: c6f1d2a9b7e4
Revises: a642e733d6d9
Create Date: 2026-12-01 21:50:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = "c6f1d2a9b7e4"
down_revision: str | None = "a642e733d6d9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = (
    "not_assessed", "no_action", "in_progress", "partially_implemented", "implemented",
    "stalled", "contradicted", "overtaken",
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "current_status",
                sa.Enum(
                    *STATUSES, name="status", native_enum=False, create_constraint=True, length=32
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("current_as_of", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("current_logged_at", tracker.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("held_step", sa.Integer(), nullable=True))

    current = "SELECT su.{} FROM status_update su WHERE su.id = recommendation.current_update_id"
    held = (
        "EXISTS (SELECT 1 FROM status_update su WHERE su.recommendation_id = recommendation.id"
        " AND su.status = '{}' AND su.retracted_at IS NULL)"
    )
    op.execute(
        f"""
        UPDATE recommendation SET
            current_status = ({current.format("status")}),
            current_as_of = ({current.format("as_of")}),
            current_logged_at = ({current.format("created_at")}),
            held_step = CASE
                WHEN {held.format("implemented")} THEN 4
                WHEN {held.format("partially_implemented")} THEN 3
            END
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_column("held_step")
        batch_op.drop_column("current_logged_at")
        batch_op.drop_column("current_as_of")
        batch_op.drop_constraint(op.f("ck_recommendation_status"), type_="check")
        batch_op.drop_column("current_status")
