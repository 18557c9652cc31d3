"""Issuers of the bundled tickers that trade in more than one share class.

Problem: the bundled return series (`trimtab/data/`) carries tickers only, and two
share classes of one company are substantially identical for the wash-sale rule under
the firm's default policy (`trimtab.domain.wash_sales.WashGroupPolicy`). Without their
issuer, a simulated harvest could sell FOX at a loss and buy FOXA the same day, and the
study would count a tax saving the law disallows.

Rule: `ISSUERS` maps each bundled ticker that shares its issuer with another bundled
ticker to that issuer's id; every other ticker is its own issuer (and so its own wash
group). Of the 431 tickers only FOX and FOXA (Twenty-First Century Fox, class B and
class A, as of 2016) are share classes of one issuer; GOOGL, DISCA, CMCSA and the
others are the only class of their company in the data. The demo firm's security master
(`services/demo_universe.py`) sets the same issuer ids.

    >>> from trimtab.domain.wash_sales import share_class_groups
    >>> share_class_groups(["FOX", "FOXA", "GOOGL"], ISSUERS)
    {'FOX': 'issuer:21CF', 'FOXA': 'issuer:21CF', 'GOOGL': 'GOOGL'}
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["ISSUERS"]

ISSUERS: Mapping[str, str] = MappingProxyType({"FOX": "21CF", "FOXA": "21CF"})
