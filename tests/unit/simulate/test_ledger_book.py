"""Recording transactions one by one gives exactly what replaying the history gives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given

from tests.strategies import ledger_histories
from trimtab.domain.accounts import Account, TaxStatus
from trimtab.domain.ledger import LedgerBook, replay
from trimtab.domain.transactions import Buy, ReliefMethod
from trimtab.services.ledger_contract import read_history


@given(ledger_histories())
def test_a_growing_book_matches_the_replay_of_the_same_history(document: dict) -> None:
    history, problems = read_history(document)
    assert history is not None
    assert not problems
    book = LedgerBook(history.method, history.accounts, history.wash_groups)
    for transaction in sorted(history.transactions, key=lambda t: t.date):
        assert book.record(transaction) == ()
    replayed, _ = replay(history)
    assert book.ledger() == replayed


def test_a_transaction_out_of_date_order_is_a_bug() -> None:
    book = LedgerBook(ReliefMethod.FIFO, (Account("T1", "H1", TaxStatus.TAXABLE),))
    book.record(Buy(dt.date(2025, 2, 1), "T1", "X", Decimal(1), Decimal(10)))
    with pytest.raises(ValueError, match="date order"):
        book.record(Buy(dt.date(2025, 1, 1), "T1", "X", Decimal(1), Decimal(10)))
