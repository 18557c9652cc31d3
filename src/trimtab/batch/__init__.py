"""The nightly run over every account, on a local process pool or a Dask cluster.

Problem: every open account must be analyzed each night, fast enough on one machine and
able to grow onto a cluster, and a run killed half-way must finish later without losing
or repeating an account. Rule: the code is written against
`concurrent.futures.Executor` only (`executors`), the accounts travel in picklable chunks
(`chunks`), and the run's progress is nothing but its committed per-account outcomes
(`run`), so a restart resumes where the database says it stopped.

    summary = run_nightly(url, as_of=dt.date(2025, 6, 30), actor="ops", kind="local")
    summary.finished, summary.counts    # True, {"auto_trade": 1480, "review": 310, ...}
"""
