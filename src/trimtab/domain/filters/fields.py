"""The fields a filter can name: what each one means and what type of value it holds.

A filter can only name a field listed here (or a firm-defined `field.<name>`), so a typo
is caught before any query runs, with the closest known names offered as the fix.
Fields come from three places: the account and its ancillary fields, the firm's own
free-form fields (always text), and the account's latest analysis from the nightly run
(absent until an account has been analyzed: a comparison with an absent value is not a
match, as in SQL).

Types decide what a filter may do with a field:

- TEXT: `=`, `!=`, `in (...)` with strings in double quotes (`tier = "Gold"`);
- NUMBER: all comparisons and `in (...)` with numbers (`value < 250,000`);
- FLAG: a bare name (`mandate`, `not discretionary`) or `= true` / `= false`;
- COUNT: a number that can also be used as a flag, meaning "more than 0"
  (`not data_errors`, `trades >= 3`).

    >>> lookup("tax_cost").name, lookup("field.paperwork").type
    ('estimated_tax', <FieldType.TEXT: 'text'>)
    >>> closest_names("tierr")
    ['tier']
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "ALIASES",
    "FIELDS",
    "FIRM_FIELD_PREFIX",
    "FieldSource",
    "FieldSpec",
    "FieldType",
    "closest_names",
    "lookup",
]

FIRM_FIELD_PREFIX = "field."
_FIRM_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    FLAG = "flag"
    COUNT = "count"


class FieldSource(StrEnum):
    ACCOUNT = "account"
    FIRM_FIELD = "firm_field"
    ANALYSIS = "analysis"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: FieldType
    source: FieldSource
    description: str
    choices: tuple[str, ...] = ()  # a TEXT field with a closed vocabulary


def _registry(*specs: FieldSpec) -> Mapping[str, FieldSpec]:
    return MappingProxyType({s.name: s for s in specs})


_A, _N = FieldSource.ACCOUNT, FieldSource.ANALYSIS
FIELDS: Mapping[str, FieldSpec] = _registry(
    FieldSpec("id", FieldType.TEXT, _A, "the account number"),
    FieldSpec(
        "status", FieldType.TEXT, _A, "open, closed or suspended", ("open", "closed", "suspended")
    ),
    FieldSpec(
        "tax_status",
        FieldType.TEXT,
        _A,
        "taxable, tax_deferred (IRA, 401(k)) or tax_exempt (Roth)",
        ("taxable", "tax_deferred", "tax_exempt"),
    ),
    FieldSpec("tier", FieldType.TEXT, _A, 'the client tier, e.g. "Platinum"'),
    FieldSpec("discretionary", FieldType.FLAG, _A, "the firm may trade without asking"),
    FieldSpec("approved", FieldType.FLAG, _A, "approved for trading"),
    FieldSpec("advisor", FieldType.TEXT, _A, "the advisor's name (or id)"),
    FieldSpec("branch", FieldType.TEXT, _A, "the branch's name (or id)"),
    FieldSpec("household", FieldType.TEXT, _A, "the household id"),
    FieldSpec("program", FieldType.TEXT, _A, "the program (platform or product line) id"),
    FieldSpec("value", FieldType.NUMBER, _N, "market value in dollars at the latest analysis"),
    FieldSpec("drift", FieldType.NUMBER, _N, "largest out-of-band drift, a fraction (2% = 0.02)"),
    FieldSpec("turnover", FieldType.NUMBER, _N, "proposed turnover, a fraction of value"),
    FieldSpec("estimated_tax", FieldType.NUMBER, _N, "estimated tax of the proposed trades, $"),
    FieldSpec("cost_benefit", FieldType.NUMBER, _N, "benefit of the trades per $1 of cost"),
    FieldSpec("data_errors", FieldType.COUNT, _N, "number of data errors found"),
    FieldSpec("mandate", FieldType.FLAG, _N, "a mandate (cash raise, must-sell) requires trades"),
    FieldSpec("trades", FieldType.COUNT, _N, "number of proposed trades"),
)

# Other names people use for the same field (PRODUCT.md writes "tax_cost").
ALIASES: Mapping[str, str] = MappingProxyType(
    {"tax_cost": "estimated_tax", "approved_for_trading": "approved"}
)


def lookup(name: str) -> FieldSpec | None:
    """The field a name refers to, through aliases; `field.<name>` is any firm field."""
    if name.startswith(FIRM_FIELD_PREFIX):
        key = name.removeprefix(FIRM_FIELD_PREFIX)
        if not _FIRM_FIELD_NAME.fullmatch(key):
            return None
        return FieldSpec(name, FieldType.TEXT, FieldSource.FIRM_FIELD, "a firm-defined field")
    return FIELDS.get(ALIASES.get(name, name))


def closest_names(name: str, *, limit: int = 3) -> list[str]:
    """Known field names that look like `name`, best first: the fix for a typo."""
    known = [*FIELDS, *ALIASES]
    return difflib.get_close_matches(name, known, n=limit, cutoff=0.6)
