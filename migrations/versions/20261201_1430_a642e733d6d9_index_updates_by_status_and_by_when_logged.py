"""Index updates by status and recommendation, and by when they were logged.

The dashboard counts the recommendations that held Implemented or Partially implemented and
lost it, and the changes since its reader last looked: with these indexes the first is a seek
per recommendation and the second a range of the changes since, not walks through the whole
history.

Revision ID: a642e733d6d9
Revises: b026f660ecfe
Create Date: 2026-12-01 14:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "a642e733d6d9"
down_revision: str | None = "b026f660ecfe"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_status_update_status_recommendation_id_as_of",
        "status_update",
        ["status", "recommendation_id", "as_of"],
    )
    op.create_index("ix_status_update_created_at", "status_update", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_status_update_created_at", table_name="status_update")
    op.drop_index("ix_status_update_status_recommendation_id_as_of", table_name="status_update")
