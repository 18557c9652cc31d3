"""Each rule is stated once: the wash-sale window, the hard-rule checker, money rounding.

A rule written in two places drifts: the 30-day wash window was once restated in seven
modules, and a change to one of them (a firm's longer window, a "31 days" typo) would have
made the engine, the nightly case and the review check disagree silently. These tests
read the source (no import, no execution) and fail when a second statement appears.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "trimtab"
WASH_SALES = SRC / "domain" / "wash_sales.py"
MONEY = SRC / "domain" / "money.py"


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _is_thirty(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == 30


def thirty_day_spans(tree: ast.AST) -> list[int]:
    """Lines building a 30-day `timedelta` (`timedelta(days=30)`, `timedelta(30)`)."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if isinstance(node.func, ast.Name):
            name = node.func.id
        if name != "timedelta":
            continue
        days = [k.value for k in node.keywords if k.arg == "days"] + node.args[:1]
        if any(_is_thirty(d) for d in days):
            lines.append(node.lineno)
    return lines


def window_names(tree: ast.AST) -> list[int]:
    """Lines assigning a module-level name that reads as a wash window of its own."""
    lines = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            name = target.id if isinstance(target, ast.Name) else ""
            if "WASH" in name.upper() and ("WINDOW" in name.upper() or "DAYS" in name.upper()):
                lines.append(node.lineno)
    return lines


def test_the_wash_sale_window_is_defined_once_in_the_domain() -> None:
    found = {}
    for path in modules():
        if path == WASH_SALES:
            continue
        tree = ast.parse(path.read_text(), str(path))
        lines = thirty_day_spans(tree) + window_names(tree)
        if lines:
            found[str(path.relative_to(SRC))] = sorted(set(lines))
    assert found == {}, "use trimtab.domain.wash_sales.WASH_SALE_WINDOW"
    assert thirty_day_spans(ast.parse(WASH_SALES.read_text())), "the one definition moved"


def test_the_check_catches_a_restated_window() -> None:
    restated = "import datetime as dt\nWINDOW = dt.timedelta(days=30)\nW = timedelta(30)\n"
    assert thirty_day_spans(ast.parse(restated)) == [2, 3]
    assert window_names(ast.parse("WASH_WINDOW_DAYS = 30\n")) == [1]
    assert thirty_day_spans(ast.parse("dt.timedelta(days=31)\n")) == []


def test_the_hard_rules_are_checked_by_the_engines_checker_only() -> None:
    """The nine rules are stated by the engine (as it optimizes) and checked on a given
    decision by engine/decision_check.py; no service keeps a copy of its own (the review's
    re-check of edits once did, in services/proposal_checks.py)."""
    assert (SRC / "engine" / "decision_check.py").exists()
    copies = [
        str(path.relative_to(SRC))
        for path in sorted((SRC / "services").rglob("*.py"))
        if any(f"rule {n}" in path.read_text() for n in ("5a", "5b", "5c", "4:", "9:"))
    ]
    assert copies == []


# Every module rounds money through domain/money.py (ties to even for stored totals,
# half-up for what a client reads); none keeps its own cent quantum.
CENTS_NOT_YET_MOVED: set[str] = set()


def test_money_is_quantized_to_cents_only_in_the_money_module() -> None:
    """`Decimal("0.01")` as a rounding quantum belongs to domain/money.py (`round_cents`)."""
    found = {}
    for path in modules():
        if path == MONEY:
            continue
        lines = [
            node.lineno
            for node in ast.walk(ast.parse(path.read_text(), str(path)))
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "quantize"
            and node.args
            and "0.01" in ast.unparse(node.args[0])
        ]
        if lines:
            found[str(path.relative_to(SRC))] = lines
    assert set(found) <= CENTS_NOT_YET_MOVED, "round money with trimtab.domain.money.round_cents"
