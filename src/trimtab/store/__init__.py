"""Storage: SQLAlchemy 2 tables, row ↔ domain conversion, repositories, migrations.

Problem: the domain is frozen value types and the services speak only to ports, but the
data live in SQLite (the default) or PostgreSQL, must keep money exact and must migrate
in place. Rule: tables are `*Row` classes (`tables` and the `*_tables` modules), the
conversion lives in `mapping` alone, repositories implement the services' ports inside
one `SqlUnitOfWork` transaction, and the schema changes only through Alembic migrations
(`migrate`; `trimtab db upgrade`).

    with open_database(url).unit_of_work() as uow:      # a SqlUnitOfWork
        uow.securities.add(Security("AAPL", name="Apple Inc."))
        uow.commit()
"""
