"""A problem's weeks red running (连续红灯周数) is no longer a count each run carried from the week
before (`problem_weeks.weeks_red`): it went wrong when an earlier week was run again after a later
one (the later week's count stayed) and around a week with no run. Each week row now stores only
its own fact, `counted_red` (red and counting that week), and store/problems.py counts the
consecutive weeks from the rows and the portfolio's runs. The downgrade counts them back.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a carried count above 0 was written exactly when the week was red and counting
    op.add_column("problem_weeks", sa.Column("counted_red", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("UPDATE problem_weeks SET counted_red = (weeks_red > 0)")
    op.drop_column("problem_weeks", "weeks_red")


def downgrade() -> None:
    op.add_column("problem_weeks", sa.Column("weeks_red", sa.Integer, nullable=False, server_default="0"))
    conn = op.get_bind()
    # the count as the store derives it: consecutive current runs of the portfolio (one per week
    # run) whose week row of the problem is red and counting, ending at the row's run
    rows = conn.execute(sa.text(
        "SELECT w.problem_id, w.week, r.n FROM problem_weeks w JOIN (SELECT id, week, row_number() OVER "
        "(PARTITION BY portfolio ORDER BY week) AS n FROM runs WHERE current AND status = 'complete') r "
        "ON r.id = w.run_id AND r.week = w.week WHERE w.counted_red ORDER BY w.problem_id, w.week"))
    counts: list[dict[str, object]] = []
    last: tuple[str, int, int] | None = None  # problem, run number, count
    for pid, week, i in rows:
        n = last[2] + 1 if last is not None and last[0] == pid and last[1] == i - 1 else 1
        last = (pid, i, n)
        counts.append({"n": n, "pid": pid, "week": week})
    if counts:
        conn.execute(sa.text("UPDATE problem_weeks SET weeks_red = :n WHERE problem_id = :pid AND week = :week"),
                     counts)
    op.drop_column("problem_weeks", "counted_red")
