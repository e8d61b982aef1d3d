"""Add owners and co-owners, a review cadence, "re-checked, no change" reviews, seen marks.

Assignments are kept as they are made, for "assigned to me since I last looked".

Revision ID: 1377329163ea
Revises: e4a8c1f3d962
Create Date: 2026-12-01 07:41:07.032942+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = "1377329163ea"
down_revision: str | None = "e4a8c1f3d962"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("co_owner", sa.Boolean(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["user.id"], name=op.f("fk_assignment_by_id_user")),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_assignment_recommendation_id_recommendation"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_assignment_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_user_id"), ["user_id", "at"], unique=False)

    op.create_table(
        "recommendation_co_owner",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_co_owner_recommendation_id_recommendation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_recommendation_co_owner_user_id_user")
        ),
        sa.PrimaryKeyConstraint(
            "recommendation_id", "user_id", name=op.f("pk_recommendation_co_owner")
        ),
    )
    with op.batch_alter_table("recommendation_co_owner", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_co_owner_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(length=2000), nullable=True),
        sa.Column("evidence_title", sa.String(length=300), nullable=True),
        sa.Column("created_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_review_recommendation_id_recommendation"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["user.id"], name=op.f("fk_review_reviewer_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_review_recommendation_id"),
            ["recommendation_id", "checked_on"],
            unique=False,
        )

    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("review_every_days", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_recommendation_owner_id"), ["owner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_recommendation_owner_id_user"), "user", ["owner_id"], ["id"]
        )

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("changes_seen_at", tracker.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "assignments_seen_at", tracker.models.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("assignments_seen_at")
        batch_op.drop_column("changes_seen_at")

    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_recommendation_owner_id_user"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_recommendation_owner_id"))
        batch_op.drop_column("review_every_days")
        batch_op.drop_column("owner_id")

    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_review_created_at"))

    op.drop_table("review")
    with op.batch_alter_table("recommendation_co_owner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_co_owner_user_id"))

    op.drop_table("recommendation_co_owner")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_user_id"))
        batch_op.drop_index(batch_op.f("ix_assignment_at"))

    op.drop_table("assignment")
