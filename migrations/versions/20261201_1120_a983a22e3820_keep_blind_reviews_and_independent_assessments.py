"""Keep blind reviews: the analysts asked, their independent assessments, the consensus.

Revision ID: a983a22e3820
Revises: d5a7c3e9b104
Create Date: 2026-12-01 11:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = "a983a22e3820"
down_revision: str | None = "d5a7c3e9b104"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blind_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", tracker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", tracker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("consensus_update_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["user.id"], name=op.f("fk_blind_review_closed_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["consensus_update_id"],
            ["status_update.id"],
            name=op.f("fk_blind_review_consensus_update_id_status_update"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["user.id"], name=op.f("fk_blind_review_ended_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["user.id"], name=op.f("fk_blind_review_opened_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_blind_review_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blind_review")),
        sa.UniqueConstraint(
            "consensus_update_id", name=op.f("uq_blind_review_consensus_update_id")
        ),
        sa.UniqueConstraint(
            "recommendation_id", "number", name=op.f("uq_blind_review_recommendation_id")
        ),
    )
    op.create_table(
        "blind_review_analyst",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["blind_review.id"],
            name=op.f("fk_blind_review_analyst_review_id_blind_review"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_blind_review_analyst_user_id_user")
        ),
        sa.PrimaryKeyConstraint("review_id", "user_id", name=op.f("pk_blind_review_analyst")),
    )
    with op.batch_alter_table("blind_review_analyst", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_blind_review_analyst_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "independent_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "not_assessed",
                "no_action",
                "in_progress",
                "partially_implemented",
                "implemented",
                "stalled",
                "contradicted",
                "overtaken",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "confidence",
            sa.Enum(
                "low",
                "moderate",
                "high",
                name="confidence",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(length=2000), nullable=True),
        sa.Column("evidence_title", sa.String(length=300), nullable=True),
        sa.Column("submitted_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessor_id"], ["user.id"], name=op.f("fk_independent_assessment_assessor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["blind_review.id"],
            name=op.f("fk_independent_assessment_review_id_blind_review"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_independent_assessment")),
        sa.UniqueConstraint(
            "review_id", "assessor_id", name=op.f("uq_independent_assessment_review_id")
        ),
    )
    with op.batch_alter_table("independent_assessment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_independent_assessment_assessor_id"), ["assessor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_independent_assessment_submitted_at"), ["submitted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("independent_assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_independent_assessment_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_independent_assessment_assessor_id"))

    op.drop_table("independent_assessment")
    with op.batch_alter_table("blind_review_analyst", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blind_review_analyst_user_id"))

    op.drop_table("blind_review_analyst")
    op.drop_table("blind_review")
