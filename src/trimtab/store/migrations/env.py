"""Alembic environment: runs migrations on the connection `trimtab.store.migrate` hands in.

There is no alembic.ini: the URL comes from the caller (the CLI reads
TRIMTAB_DATABASE_URL), so the same migrations run on SQLite and PostgreSQL without
editing a file. SQLite cannot ALTER most things in place, so migrations run in batch
mode (copy-and-move) there.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from alembic import context

from trimtab.store.alert_tables import AlertEpisodeRow  # noqa: F401  (registers its tables)
from trimtab.store.audit_tables import AuditEntryRow  # noqa: F401  (registers its tables)
from trimtab.store.data_tables import FeedLoadRow  # noqa: F401  (registers its tables)
from trimtab.store.engine import create_engine_for
from trimtab.store.model_tables import TargetRow  # noqa: F401  (registers the model tables)
from trimtab.store.pipeline_tables import PipelineStageRow  # noqa: F401  (registers its tables)
from trimtab.store.record_tables import RecordRow  # noqa: F401  (registers its tables)
from trimtab.store.report_tables import HealthCheckRow  # noqa: F401  (registers its tables)
from trimtab.store.tables import Base
from trimtab.store.types import ExactDecimal
from trimtab.store.user_tables import UserRow  # noqa: F401  (registers its tables)
from trimtab.store.workflow_tables import AnalysisRow  # noqa: F401  (registers its tables)

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine_for(config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


def _render_item(kind: str, item: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations spell plain NUMERIC, so an old migration never depends on today's types.
    if kind == "type" and isinstance(item, ExactDecimal):
        return f"sa.{sa.Numeric(item.precision, item.scale)!r}"
    return False


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("trimtab runs migrations online only: `trimtab db upgrade`")
run_migrations_online()
