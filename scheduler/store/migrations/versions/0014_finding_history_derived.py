"""A finding's first_seen and weeks_red are no longer copied from the previous run's findings into
each run's rows (`findings.first_seen`, `findings.weeks_red`): the copies went stale when an
earlier week was run again after a later one, or a skipped week was run late. store/runs.py
derives them from the runs (`finding_history`); the key index also names the run, for that walk.
The downgrade works the copies back the same way.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_findings_key", table_name="findings")
    op.create_index("ix_findings_key_run", "findings", ["key", "run_id"])
    for name in ("first_seen", "weeks_red"):
        op.drop_column("findings", name)


def downgrade() -> None:
    op.add_column("findings", sa.Column("first_seen", sa.String, nullable=False, server_default=""))
    op.add_column("findings", sa.Column("weeks_red", sa.Integer, nullable=False, server_default="0"))
    conn = op.get_bind()
    # as store/runs.py derives them: each run's history is the portfolio's latest current run of
    # an earlier week (first seen carried while found, weeks red counted on while red)
    runs = conn.execute(sa.text("SELECT id, week, portfolio, current FROM runs WHERE status = 'complete' "
                                "ORDER BY portfolio, week, current, id")).all()
    after: dict[str, tuple[str, dict[str, tuple[str, int]]]] = {}  # portfolio -> (week, state) of its last current run
    done: dict[str, dict[str, tuple[str, int]]] = {}  # portfolio -> state after the current runs of earlier weeks
    values: list[dict[str, object]] = []
    for run_id, week, portfolio, current in runs:
        last = after.get(portfolio)
        if last is not None and last[0] < week:
            done[portfolio] = last[1]
        prev = done.get(portfolio, {})
        state: dict[str, tuple[str, int]] = {}
        for seq, key, light in conn.execute(sa.text("SELECT seq, key, light FROM findings WHERE run_id = :r"),
                                            {"r": run_id}):
            first, red = prev.get(key, (week, 0))
            state[key] = (first, red + 1 if light == "red" else 0)
            values.append({"r": run_id, "s": seq, "f": state[key][0], "w": state[key][1]})
        if current:
            after[portfolio] = (week, state)
    if values:
        conn.execute(sa.text("UPDATE findings SET first_seen = :f, weeks_red = :w WHERE run_id = :r AND seq = :s"),
                     values)
    op.drop_index("ix_findings_key_run", table_name="findings")
    op.create_index("ix_findings_key", "findings", ["key"])
