"""A problem's light, weeks_red and last_seen week are no longer copied into `problems`: they are
read from its latest `problem_weeks` row (nothing derived that a writer can forget to refresh). A
problem raised by hand keeps the light it was raised with (`raised_light`) for the weeks before a
run lists it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ALTER TABLE (SQLite >= 3.35 drops a column in place): a batch copy of `problems` would
    # drop the old table, and its weeks, answers and events with it (ON DELETE CASCADE)
    op.add_column("problems", sa.Column("raised_light", sa.String))
    op.execute("UPDATE problems SET raised_light = light WHERE source = 'manual'")
    for name in ("light", "last_seen", "weeks_red"):
        op.drop_column("problems", name)


def downgrade() -> None:
    op.add_column("problems", sa.Column("light", sa.String, nullable=False, server_default="green"))
    op.add_column("problems", sa.Column("last_seen", sa.String(8), nullable=False, server_default=""))
    op.add_column("problems", sa.Column("weeks_red", sa.Integer, nullable=False, server_default="0"))
    op.execute("UPDATE problems SET light = COALESCE((SELECT w.light FROM problem_weeks w WHERE w.problem_id = "
               "problems.id ORDER BY w.week DESC LIMIT 1), raised_light, 'green'), "
               "last_seen = COALESCE((SELECT max(w.week) FROM problem_weeks w WHERE w.problem_id = problems.id), "
               "first_seen), "
               "weeks_red = COALESCE((SELECT w.weeks_red FROM problem_weeks w WHERE w.problem_id = problems.id "
               "ORDER BY w.week DESC LIMIT 1), 0)")
    op.drop_column("problems", "raised_light")
