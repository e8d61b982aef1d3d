"""Keep the evidence of every revision: corrections withdraw items and add new ones.

Every item stored so far was cited from the update's first revision and is still cited.

Revision ID: b7d2e5a91c04
Revises: 4f1d2c8a9b7e
Create Date: 2026-12-01 08:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d2e5a91c04"
down_revision: str | None = "4f1d2c8a9b7e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("added_in", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("withdrawn_in", sa.Integer(), nullable=True))


def downgrade() -> None:
    # The older schema cannot tell a withdrawn item from a cited one: refuse rather than
    # show withdrawn evidence as cited or delete it.
    corrected = op.get_bind().execute(
        sa.text("SELECT count(*) FROM evidence WHERE added_in > 1 OR withdrawn_in IS NOT NULL")
    )
    if corrected.scalar_one():
        raise RuntimeError(
            "Corrections have changed the evidence of some updates; the previous schema cannot "
            "keep those revisions. Restore a backup taken before the upgrade instead."
        )
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("withdrawn_in")
        batch.drop_column("added_in")
