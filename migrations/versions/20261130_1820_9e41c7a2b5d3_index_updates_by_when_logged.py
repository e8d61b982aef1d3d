"""Index each recommendation's updates by when they were logged.

The dashboard shows when each recommendation was last logged; with this index that is one
seek per recommendation instead of a walk through its whole history.

Revision ID: 9e41c7a2b5d3
Revises: 3b4d7ee82042
Create Date: 2026-11-30 18:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "9e41c7a2b5d3"
down_revision: str | None = "3b4d7ee82042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_status_update_recommendation_id_created_at",
        "status_update",
        ["recommendation_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_status_update_recommendation_id_created_at", table_name="status_update")
