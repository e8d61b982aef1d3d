"""Keep each recommendation's target dates: the original, and every change with its reason.

Revision ID: b7e2a41c9d30
Revises: f1ac4a07e8d2
Create Date: 2026-12-01 08:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = "b7e2a41c9d30"
down_revision: str | None = "f1ac4a07e8d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "target_date",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("target", sa.Date(), nullable=False),
        sa.Column(
            "origin",
            sa.Enum(
                "source",
                "commitment",
                "editor",
                name="targetorigin",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_target_date_author_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_target_date_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_date")),
        sa.UniqueConstraint(
            "recommendation_id", "number", name=op.f("uq_target_date_recommendation_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("target_date")
