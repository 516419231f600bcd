"""Alembic environment of dispatch: runs on the connection `storage.open_database` passes in
(`config.attributes["connection"]`), or on `sqlalchemy.url` when run from the alembic command."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, text

from scheduler.store.db import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # two processes upgrading a fresh database at once: the second waits, then finds head
            connection.execute(text("SELECT pg_advisory_xact_lock(7160513)"))
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate the given connection, or a fresh one to `sqlalchemy.url`."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("dispatch migrations run online only")
run_migrations_online()
