"""A problem's week keeps a factor's expected approval date and the approval that holds the same
milestone longer (a co-requisite's `held_by`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("problem_weeks") as batch:
        batch.add_column(sa.Column("expected", sa.Date))
        batch.add_column(sa.Column("held_by", sa.String))


def downgrade() -> None:
    with op.batch_alter_table("problem_weeks") as batch:
        batch.drop_column("held_by")
        batch.drop_column("expected")
