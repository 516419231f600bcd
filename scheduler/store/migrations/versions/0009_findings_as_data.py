"""Findings are data: the `message` column goes (sentences are written by the outputs, in the
configured language, from the finding's kind, ids, numbers and dates).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("message")


def downgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("message", sa.Text, nullable=False, server_default=""))
