"""Keep forecasts: by a date, a status or better, with a probability; annulled with a reason.

Revision ID: 9d4e7b2c6a18
Revises: a983a22e3820
Create Date: 2026-12-01 11:15:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = "9d4e7b2c6a18"
down_revision: str | None = "a983a22e3820"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forecast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column(
            "threshold",
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
        sa.Column("resolves_on", sa.Date(), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column(
            "likelihood",
            sa.Enum(
                "almost_no_chance",
                "very_unlikely",
                "unlikely",
                "roughly_even_chance",
                "likely",
                "very_likely",
                "almost_certain",
                name="likelihood",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("reasoning", sa.Text(), nullable=True),
        sa.Column("created_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("annulled_at", tracker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("annulled_by_id", sa.Integer(), nullable=True),
        sa.Column("annulment_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "probability >= 0 AND probability <= 1000", name=op.f("ck_forecast_probability_range")
        ),
        sa.ForeignKeyConstraint(
            ["annulled_by_id"], ["user.id"], name=op.f("fk_forecast_annulled_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_forecast_author_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_forecast_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast")),
        sa.UniqueConstraint(
            "recommendation_id", "number", name=op.f("uq_forecast_recommendation_id")
        ),
    )
    with op.batch_alter_table("forecast", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_forecast_author_id"), ["author_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("forecast", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_author_id"))

    op.drop_table("forecast")
