"""The read side: what a load, a nightly run or a shadow run did, for people to read.

Problem: the same facts are wanted in a terminal, as JSON for scripts and as a page to
send round. Rule: a report takes finished values (a load result, a run summary, a
study) and only renders them — terminal tables with rich, JSON, or self-contained HTML
with SVG charts drawn by matplotlib (`charts`, no network); it never changes data.

    render_run_summary(summary, Console())     # the end-of-run table of `trimtab run`
"""
