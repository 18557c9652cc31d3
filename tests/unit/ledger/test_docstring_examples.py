"""The worked examples in the ledger modules' docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "trimtab.domain.transactions",
    "trimtab.domain.lot_relief",
    "trimtab.domain.wash_sales",
    "trimtab.domain.corporate_actions",
    "trimtab.domain.ledger",
    "trimtab.services.ledger_contract",
    "trimtab.services.replay_history",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
