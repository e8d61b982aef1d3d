"""Deliver notifications by e-mail: each user's preference, the outbox and the reminders.

Revision ID: 8eec2dbc8a80
Revises: 5e0a7b3c9d21
Create Date: 2026-12-01 10:56:30.813899+00:00
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = "8eec2dbc8a80"
down_revision: str | None = "5e0a7b3c9d21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "sent",
                "failed",
                "dropped",
                name="mailstate",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", tracker.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", tracker.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_mail_delivery_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_delivery")),
        sa.UniqueConstraint("message_id", name=op.f("uq_mail_delivery_message_id")),
    )
    with op.batch_alter_table("mail_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mail_delivery_state"), ["state", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mail_delivery_user_id"), ["user_id"], unique=False)

    op.create_table(
        "mail_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["mail_delivery.id"],
            name=op.f("fk_mail_reminder_delivery_id_mail_delivery"),
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_mail_reminder_recommendation_id_recommendation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_mail_reminder_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_reminder")),
        sa.UniqueConstraint(
            "user_id", "recommendation_id", "due_on", name=op.f("uq_mail_reminder_user_id")
        ),
    )
    with op.batch_alter_table("mail_reminder", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mail_reminder_delivery_id"), ["delivery_id"], unique=False
        )

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notification_delivery_id"), ["delivery_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_delivery_id_mail_delivery"),
            "mail_delivery",
            ["delivery_id"],
            ["id"],
        )

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "mail_frequency",
                sa.Enum(
                    "immediate",
                    "daily",
                    "weekly",
                    "never",
                    name="mailfrequency",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="daily",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("mail_since", tracker.models.UTCDateTime(timezone=True), nullable=True)
        )
    # Accounts that exist already get e-mail from now on: nothing from before is mailed.
    user = sa.table("user", sa.column("mail_since", tracker.models.UTCDateTime(timezone=True)))
    op.execute(user.update().values(mail_since=dt.datetime.now(dt.UTC)))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column(
            "mail_since", existing_type=tracker.models.UTCDateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("mail_since")
        # SQLite copies the table: its check on the column must go first.
        batch_op.drop_constraint(op.f("ck_user_mailfrequency"), type_="check")
        batch_op.drop_column("mail_frequency")

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notification_delivery_id_mail_delivery"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_notification_delivery_id"))
        batch_op.drop_column("delivery_id")

    with op.batch_alter_table("mail_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_reminder_delivery_id"))

    op.drop_table("mail_reminder")
    with op.batch_alter_table("mail_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_delivery_user_id"))
        batch_op.drop_index(batch_op.f("ix_mail_delivery_state"))

    op.drop_table("mail_delivery")
