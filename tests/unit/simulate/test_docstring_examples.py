"""The worked examples in the simulation modules' docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "trimtab.simulate.market",
    "trimtab.simulate.universe",
    "trimtab.simulate.taxes",
    "trimtab.simulate.profiles",
    "trimtab.simulate.account",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
