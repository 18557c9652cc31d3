"""Filters: a small, safe query language over accounts and their latest analysis.

    status = "open" and not data_errors and value < 250,000 and (mandate or cost_benefit >= 2)

Text is parsed (`parser`, a lark grammar) into a frozen tree (`syntax`), checked against
the known fields (`fields`, `checker`) and then either compiled to SQL by the store or
run in memory (`evaluate`) with the same three-valued answer. Errors are values
(`FilterError`) with a line, a column, what was expected and the closest known names.
docs/filters.md is the user's guide.

    >>> f, errors = read_filter('tier in ("Platinum", "Gold") and advisor = "A. Rivera"')
    >>> errors, f.text
    ([], 'tier in ("Platinum", "Gold") and advisor = "A. Rivera"')
"""

from trimtab.domain.filters.checker import Filter, check_filter, read_filter
from trimtab.domain.filters.errors import FilterError
from trimtab.domain.filters.evaluate import evaluate, matches
from trimtab.domain.filters.fields import (
    ALIASES,
    FIELDS,
    FIRM_FIELD_PREFIX,
    FieldSource,
    FieldSpec,
    FieldType,
    closest_names,
    lookup,
)
from trimtab.domain.filters.parser import parse_filter
from trimtab.domain.filters.saved import SavedFilter, validate_filter_name
from trimtab.domain.filters.syntax import (
    And,
    Comparator,
    Comparison,
    Constant,
    Expr,
    FieldRef,
    Flag,
    Literal,
    Membership,
    Not,
    Or,
    Position,
    Scalar,
    to_text,
)

__all__ = [
    "ALIASES",
    "FIELDS",
    "FIRM_FIELD_PREFIX",
    "And",
    "Comparator",
    "Comparison",
    "Constant",
    "Expr",
    "FieldRef",
    "FieldSource",
    "FieldSpec",
    "FieldType",
    "Filter",
    "FilterError",
    "Flag",
    "Literal",
    "Membership",
    "Not",
    "Or",
    "Position",
    "SavedFilter",
    "Scalar",
    "check_filter",
    "closest_names",
    "evaluate",
    "lookup",
    "matches",
    "parse_filter",
    "read_filter",
    "to_text",
    "validate_filter_name",
]
