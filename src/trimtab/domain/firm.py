"""The firm and its programs: the two widest scopes a restriction or a setting can have.

A *program* is a platform or product line inside the firm (an ETF wrap program, a
direct-indexing program, an ESG program). A restriction set on a program ("no tobacco"
for the ESG program) reaches every account enrolled in it, and nothing else.

    >>> Program("ESG", "Sustainable Portfolios")
    Program(id='ESG', name='Sustainable Portfolios')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Firm", "Program"]


@dataclass(frozen=True, slots=True)
class Firm:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Program:
    id: str
    name: str
