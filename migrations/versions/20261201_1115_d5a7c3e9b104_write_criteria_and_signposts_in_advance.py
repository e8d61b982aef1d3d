"""Write criteria and signposts in advance: criteria and their versions, the marks updates
give them, why an update stands against them, and signposts with their observations.

Revision ID: d5a7c3e9b104
Revises: d5e9a3c7b214
Create Date: 2026-12-01 11:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = "d5a7c3e9b104"
down_revision: str | None = "d5e9a3c7b214"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "criterion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "completion",
                "success",
                "failure",
                name="criterionkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_criterion_author_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_criterion_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criterion")),
        sa.UniqueConstraint(
            "recommendation_id", "number", name=op.f("uq_criterion_recommendation_id")
        ),
    )
    op.create_table(
        "signpost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column(
            "direction",
            sa.Enum(
                "towards",
                "away",
                name="direction",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "diagnosticity",
            sa.Enum(
                "weak",
                "moderate",
                "strong",
                name="diagnosticity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_signpost_author_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_signpost_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signpost")),
        sa.UniqueConstraint(
            "recommendation_id", "number", name=op.f("uq_signpost_recommendation_id")
        ),
    )
    op.create_table(
        "criterion_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum(
                "met",
                "not_met",
                "unclear",
                name="verdict",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["criterion.id"],
            name=op.f("fk_criterion_mark_criterion_id_criterion"),
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["status_update.id"],
            name=op.f("fk_criterion_mark_update_id_status_update"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criterion_mark")),
        sa.UniqueConstraint("update_id", "criterion_id", name=op.f("uq_criterion_mark_update_id")),
    )
    with op.batch_alter_table("criterion_mark", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_criterion_mark_criterion_id"), ["criterion_id"], unique=False
        )

    op.create_table(
        "criterion_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_criterion_version_author_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["criterion.id"],
            name=op.f("fk_criterion_version_criterion_id_criterion"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criterion_version")),
        sa.UniqueConstraint(
            "criterion_id", "number", name=op.f("uq_criterion_version_criterion_id")
        ),
    )
    op.create_table(
        "signpost_observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signpost_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("publisher", sa.String(length=200), nullable=False),
        sa.Column(
            "reliability",
            sa.Enum(
                "A",
                "B",
                "C",
                "D",
                "E",
                "F",
                name="reliability",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "credibility",
            sa.Enum(
                "1",
                "2",
                "3",
                "4",
                "5",
                "6",
                name="credibility",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retracted_at", tracker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retracted_by_id", sa.Integer(), nullable=True),
        sa.Column("retraction_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_signpost_observation_author_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["retracted_by_id"],
            ["user.id"],
            name=op.f("fk_signpost_observation_retracted_by_id_user"),
        ),
        sa.ForeignKeyConstraint(
            ["signpost_id"],
            ["signpost.id"],
            name=op.f("fk_signpost_observation_signpost_id_signpost"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signpost_observation")),
        sa.UniqueConstraint(
            "signpost_id", "number", name=op.f("uq_signpost_observation_signpost_id")
        ),
    )
    with op.batch_alter_table("signpost_observation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signpost_observation_observed_on"), ["observed_on"], unique=False
        )

    with op.batch_alter_table("status_update", schema=None) as batch_op:
        batch_op.add_column(sa.Column("criteria_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("status_update", schema=None) as batch_op:
        batch_op.drop_column("criteria_reason")

    with op.batch_alter_table("signpost_observation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signpost_observation_observed_on"))

    op.drop_table("signpost_observation")
    op.drop_table("criterion_version")
    with op.batch_alter_table("criterion_mark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_criterion_mark_criterion_id"))

    op.drop_table("criterion_mark")
    op.drop_table("signpost")
    op.drop_table("criterion")
