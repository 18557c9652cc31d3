"""File formats in and out: custodian, price, lot and model files in; orders out.

Problem: every custodian and vendor sends its own layout (CSV or Parquet, its own column
names and date formats), and the trading desk wants block orders as CSV or FIX. Rule:
one canonical format per kind of file (`formats`); a source's own layout is a small TOML
mapping onto it (`mappings`); readers stream rows and report each bad one as a problem
naming the file, line and column, never by raising (`readers`); writers are the exact
inverse (`writers`, `orders_export`).

    feed, problems = open_feed(Path("inbox/lots_2025-06-02.csv"))   # canonical lots CSV
    for row in feed.rows(): ...                                    # streamed, one at a time
"""
