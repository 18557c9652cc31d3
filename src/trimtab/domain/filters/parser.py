"""Filter text to syntax tree: the grammar, and errors that say where and what was expected.

The grammar (lark, LALR) is below in `GRAMMAR`; docs/filters.md explains it for users.
`not` binds tightest, then `and`, then `or`; parentheses group. Keywords are
case-insensitive (`AND` = `and`); field names and strings are case-sensitive.

Numbers: `250000`, `250,000` (commas only in groups of three), `0.5`, `-1`, and the
suffixes `%` (5% = 0.05), `k` (250k = 250,000) and `m` (1.5m = 1,500,000). Inside an
`in (...)` list the comma separates items, so a grouped number there is refused as
ambiguous (`in (1,000)` could mean 1000 or 1 and 0): write `1000` or `1k`.

Strings are in double quotes with `\\"` and `\\\\` as the only escapes; control characters
(NUL included) are refused, since no account field holds them and PostgreSQL rejects NUL.

    >>> from trimtab.domain.filters.syntax import to_text
    >>> expr, errors = parse_filter('tier in ("Gold", "Platinum") and value < 250k')
    >>> errors, to_text(expr)
    ([], 'tier in ("Gold", "Platinum") and value < 250000')
    >>> _, errors = parse_filter('tier = "Gold" and')
    >>> print(errors[0])
    line 1, column 18: unexpected end of filter; expected a field name, not, true, false or (
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from trimtab.domain.echo import quote_input
from trimtab.domain.filters.errors import FilterError
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
)

__all__ = ["GRAMMAR", "MAX_DEPTH", "MAX_LENGTH", "parse_filter"]

GRAMMAR = r"""
start: or_expr

?or_expr: and_expr
        | or_expr OR and_expr           -> or_
?and_expr: not_expr
         | and_expr AND not_expr        -> and_
?not_expr: NOT not_expr                 -> not_
         | atom
?atom: comparison
     | membership
     | NAME                             -> flag
     | TRUE                             -> true
     | FALSE                            -> false
     | LPAR or_expr ")"                -> group

comparison: NAME COMPARATOR literal
membership: NAME NOT? IN "(" literal ("," literal)* ")"
?literal: STRING | NUMBER | TRUE | FALSE

OR.2: /or\b/i
AND.2: /and\b/i
NOT.2: /not\b/i
IN.2: /in\b/i
TRUE.2: /true\b/i
FALSE.2: /false\b/i
NAME: /(?!(?i:and|or|not|in|true|false)\b)[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?/
NUMBER: /-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?(%|[kKmM]\b)?/
STRING: /"([^"\\\x00-\x1f\x7f]|\\["\\])*"/
COMPARATOR: /!=|<=|>=|=|<|>/
LPAR: "("

%ignore /[ \t\r\n]+/
"""
# NAME refuses the keywords: the contextual lexer would otherwise read the second `and`
# of `a and and` as a field named "and". A grouping parenthesis is a named, kept token
# (LPAR, `group`) so that nesting can be counted and its place named; the parentheses of
# an `in (...)` list stay anonymous and are dropped from the tree.

# A filter is a human-written sentence; these bounds stop a pasted blob or a deeply
# nested expression from exhausting the recursion of the compiler downstream. Depth
# counts what a reader sees nested, parentheses and `not`: `a or b or c` is flat however
# long (a firm's list of 2,000 account ids is a filter), `((a))` is two levels.
MAX_LENGTH = 50_000
MAX_DEPTH = 40

_WORDS = {
    "NAME": "a field name",
    "STRING": "a string in double quotes",
    "NUMBER": "a number",
    "COMPARATOR": "a comparison (=, !=, <, <=, >, >=)",
    "OR": "or",
    "AND": "and",
    "NOT": "not",
    "IN": "in",
    "TRUE": "true",
    "FALSE": "false",
    "LPAR": "(",
    "RPAR": ")",
    "COMMA": ",",
    "$END": "end of filter",
}
_ORDER = list(_WORDS)
_MULTIPLIERS = {"%": Decimal("0.01"), "k": Decimal(1000), "m": Decimal(1_000_000)}


class _Invalid(Exception):
    """A problem found while building the tree; turned into a FilterError at the boundary."""

    def __init__(self, error: FilterError) -> None:
        super().__init__(str(error))
        self.error = error


@functools.cache
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", maybe_placeholders=False)


def parse_filter(text: str) -> tuple[Expr | None, list[FilterError]]:
    """Parse filter text into a tree, or say where and why it is not a filter."""
    if len(text) > MAX_LENGTH:
        return None, [FilterError(1, 1, f"a filter is at most {MAX_LENGTH:,} characters")]
    if not text.strip():
        return None, [FilterError(1, 1, "the filter is empty", expected=("a condition",))]
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        return None, [_syntax_error(exc, text)]
    try:
        expr = _build(tree.children[0], depth=0)
    except _Invalid as invalid:
        return None, [invalid.error]
    return expr, []


def _expected(names: Iterable[object]) -> tuple[str, ...]:
    wanted = {str(n) for n in names}
    known = [n for n in _ORDER if n in wanted]
    return tuple(_WORDS[n] for n in known)


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def _syntax_error(exc: UnexpectedInput, text: str) -> FilterError:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        return FilterError(exc.line, exc.column, _describe_character(char, text, pos))
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        token = exc.token
        return FilterError(
            token.line or 1,
            token.column or 1,
            f"unexpected {quote_input(token.value)}",
            expected=_expected(exc.expected),
        )
    if isinstance(exc, UnexpectedToken | UnexpectedEOF):
        line, column = _end_position(text)
        return FilterError(
            line, column, "unexpected end of filter", expected=_expected(exc.expected)
        )
    raise AssertionError(f"unknown lark error {exc!r}")  # pragma: no cover


def _describe_character(char: str, text: str, pos: int) -> str:
    if char == '"':
        rest = text[pos + 1 :]
        if '"' not in rest:
            return "this string is not closed: add a double quote at its end"
        return "this string holds a character strings cannot hold (a control character)"
    if char == "'":
        return "strings are written in double quotes, not single quotes"
    if not char.isprintable() or ord(char) < 32:
        return f"unexpected control character U+{ord(char):04X}"
    if ord(char) > 127:
        name = unicodedata.name(char, "unknown")
        return (
            f"unexpected character {char!r} (U+{ord(char):04X} {name}); "
            "outside double quotes a filter uses plain ASCII letters"
        )
    return f"unexpected character {char!r}"


def _position(token: Token) -> Position:
    return Position(token.line or 1, token.column or 1)


def _field(token: Token) -> FieldRef:
    return FieldRef(str(token), _position(token))


def _literal(token: Token, *, in_list: bool) -> Literal:
    at = _position(token)
    match token.type:
        case "STRING":
            body = str(token)[1:-1]
            return Literal(body.replace('\\"', '"').replace("\\\\", "\\"), at)
        case "TRUE" | "FALSE":
            return Literal(token.type == "TRUE", at)
        case "NUMBER":
            return Literal(_number(str(token), at, in_list=in_list), at)
    raise AssertionError(f"unexpected literal token {token!r}")  # pragma: no cover


def _number(text: str, at: Position, *, in_list: bool) -> Decimal:
    if in_list and "," in text:
        raise _Invalid(
            FilterError(
                at.line,
                at.column,
                f"{text} is ambiguous inside a list, where commas separate items",
                expected=(f"{text.replace(',', '')} without separators",),
            )
        )
    multiplier = _MULTIPLIERS.get(text[-1].lower(), Decimal(1))
    digits = text.rstrip("%kKmM").replace(",", "")
    # normalize: 1.5k is 1500, not Decimal('1500.0'), so equal filters print alike.
    return (Decimal(digits) * multiplier).normalize()


def _build(node: Tree[Token] | Token, *, depth: int) -> Expr:
    if isinstance(node, Token):  # pragma: no cover - every token sits under a named rule
        raise AssertionError(f"unexpected token {node!r}")
    children = node.children
    match node.data:
        case "or_":
            return Or(_flatten(Or, [_build(c, depth=depth) for c in _chain(node)]))
        case "and_":
            return And(_flatten(And, [_build(c, depth=depth) for c in _chain(node)]))
        case "not_":
            _check_depth(_token(children[0]), depth + 1)
            return Not(_build(children[1], depth=depth + 1))
        case "group":
            _check_depth(_token(children[0]), depth + 1)
            return _build(children[1], depth=depth + 1)
        case "true" | "false":
            return Constant(node.data == "true")
        case "flag":
            return Flag(_field(_token(children[0])))
        case "comparison":
            name, op, value = (_token(c) for c in children)
            return Comparison(_field(name), Comparator(str(op)), _literal(value, in_list=False))
        case "membership":
            tokens = [_token(c) for c in children]
            negated = tokens[1].type == "NOT"
            values = tokens[3:] if negated else tokens[2:]
            return Membership(
                _field(tokens[0]), tuple(_literal(v, in_list=True) for v in values), negated
            )
    raise AssertionError(f"unexpected rule {node.data!r}")  # pragma: no cover


def _check_depth(opener: Token, depth: int) -> None:
    if depth > MAX_DEPTH:
        at = _position(opener)
        raise _Invalid(
            FilterError(
                at.line,
                at.column,
                f"the filter nests deeper than {MAX_DEPTH} levels of parentheses and not "
                "here; remove some grouping (a chain of or/and terms needs none)",
            )
        )


def _chain(node: Tree[Token]) -> list[Tree[Token] | Token]:
    """The operands of a left-deep `a or b or c` chain, walked without recursion.

    LALR builds `((a or b) or c)`; a 2,000-term chain would be 2,000 Python frames deep.
    """
    operands: list[Tree[Token] | Token] = []
    current: Tree[Token] | Token = node
    while isinstance(current, Tree) and current.data == node.data:
        operands.append(current.children[2])
        current = current.children[0]
    operands.append(current)
    operands.reverse()
    return operands


def _token(node: Tree[Token] | Token) -> Token:
    assert isinstance(node, Token), node
    return node


def _flatten(kind: type[And] | type[Or], operands: list[Expr]) -> tuple[Expr, ...]:
    # `a or b or c` parses as ((a or b) or c); one flat node says the same, readably.
    flat: list[Expr] = []
    for operand in operands:
        if isinstance(operand, kind):
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    return tuple(flat)
