"""The rebalance engine: one account's case in, an optimal, explained decision out.

Pure (numpy, scipy, highspy, clarabel); see docs/engine.md for the formulation, the
zero-trade proof, the integer heuristics and the explanation rules.
"""

from trimtab.engine.case import Case, FactorModel, parse_case
from trimtab.engine.rebalance import optimize_json, rebalance
from trimtab.engine.result import Result, Trade

__all__ = ["Case", "FactorModel", "Result", "Trade", "optimize_json", "parse_case", "rebalance"]
