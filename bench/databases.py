"""Scratch databases for benchmarks: an empty SQLite file or PostgreSQL schema per run.

A benchmark must start from an empty database and must not leave one behind, on either
backend. SQLite gets a file in a temporary folder; PostgreSQL gets a fresh schema in
TRIMTAB_TEST_POSTGRES_URL (default the local `test` database), selected through the
URL's `options=-csearch_path=...` so that worker processes see it too. Both are removed
when the block ends, also when the benchmark fails.

    with scratch_database("postgresql") as url:      # ...?options=-csearch_path=bench_1f3a...
        db = open_database(url)
        db.upgrade()
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

__all__ = ["POSTGRES", "scratch_database"]

POSTGRES = os.environ.get(
    "TRIMTAB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def scratch_database(backend: str) -> Iterator[str]:
    """The URL of an empty database on `backend` ("sqlite" or "postgresql"), dropped after."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="trimtab-bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(POSTGRES).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
