"""Keep why a status update moved the status backwards or jumped: "why did this change?".

Revision ID: c41d8e2f7a65
Revises: b7e2a41c9d30
Create Date: 2026-12-01 08:35:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c41d8e2f7a65"
down_revision: str | None = "b7e2a41c9d30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("status_update") as batch:
        batch.add_column(sa.Column("change_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("status_update") as batch:
        batch.drop_column("change_reason")
