"""Let users watch recommendations, sources, actors and themes, and keep their notifications.

Revision ID: f1ac4a07e8d2
Revises: 1377329163ea
Create Date: 2026-12-01 08:15:42.919952+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = "f1ac4a07e8d2"
down_revision: str | None = "1377329163ea"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "watch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("created_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", tracker.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_watch_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch")),
    )
    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watch_kind"), ["kind", "target_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_watch_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", tracker.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["by_id"], ["user.id"], name=op.f("fk_notification_by_id_user")),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_notification_recommendation_id_recommendation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_notification_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_user_id"), ["user_id", "read_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_user_id"))

    op.drop_table("notification")
    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watch_user_id"))
        batch_op.drop_index(batch_op.f("ix_watch_kind"))

    op.drop_table("watch")
