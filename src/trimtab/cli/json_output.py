"""`--json` output: any answer of a service as one JSON document on stdout.

Problem: scripts read `--json`; they need every field, exact money and plain dates, and
the same spelling from every command.

Rule: frozen value types become objects of their fields, Decimals exact strings
(`"1234.560000"`, never a rounded float), dates and times ISO text, enums their value,
tuples and sets arrays; anything else is left to `json.dumps`.

    >>> import datetime as dt
    >>> from decimal import Decimal
    >>> jsonable({"price": Decimal("1.50"), "on": dt.date(2025, 6, 30), "ids": ("A", "B")})
    {'price': '1.50', 'on': '2025-06-30', 'ids': ['A', 'B']}
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import typer

__all__ = ["echo_json", "jsonable"]


def jsonable(value: Any) -> Any:
    """The value in JSON's types (see the module doc)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def echo_json(value: Any) -> None:
    """Print the value as one JSON document."""
    typer.echo(json.dumps(jsonable(value), ensure_ascii=False))
