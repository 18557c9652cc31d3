"""`trimtab optimize`: answer rebalance cases, the engine's contract (docs/engine.md).

Each case is answered with one result JSON (JSON Lines for several); the exit code is
the worst of the answers (0 optimal or infeasible, 2 invalid, 1 an error).

    $ trimtab optimize case.json
    $ cat cases.jsonl | trimtab optimize -
"""

from __future__ import annotations

import typer

__all__ = ["optimize"]


def optimize(
    cases: list[str] = typer.Argument(
        ..., metavar="CASE.json...", help="Rebalance cases (docs/engine.md); - for JSON Lines."
    ),
) -> None:
    """Rebalance each case: one result JSON per case, JSON Lines when there are several.

    Exit 0 when every case is optimal or infeasible, 2 when any is invalid, 1 on an error.
    """
    import json
    import sys
    from pathlib import Path

    from trimtab.services.optimize_cases import (
        answer_case_text,
        case_lines,
        exit_code,
        unreadable_case,
    )

    results: list[dict[str, object]] = []
    for source in cases:
        if source == "-":
            for line in case_lines(sys.stdin.read()):
                results.append(answer_case_text(line, source="stdin"))
                typer.echo(json.dumps(results[-1]))
            continue
        try:
            text = Path(source).read_bytes()
        except OSError as error:
            results.append(unreadable_case(source, error.strerror or str(error)))
        else:
            results.append(answer_case_text(text, source=source))
        typer.echo(json.dumps(results[-1]))
    raise typer.Exit(exit_code(results))
