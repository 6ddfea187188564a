"""Alembic environment: runs on the engine flerkanal hands it (see inbox.storage.database.migrate)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import inbox.storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from inbox.storage.database import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
