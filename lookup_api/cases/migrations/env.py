"""Alembic environment: the connection is handed in by lookup_api.cases.store.migrate
(or made from CASES_DATABASE_URL / the default SQLite file for the alembic CLI)."""

from __future__ import annotations

from alembic import context

from lookup_api.cases.schema import Base

config = context.config
target_metadata = Base.metadata

connection = config.attributes.get("connection")
if connection is None:
    from lookup_api.cases.store import make_engine
    from lookup_api.config import get_settings

    engine = make_engine(get_settings().cases_url())
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
