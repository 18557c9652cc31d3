"""The security master feed's optional `issuer_id` column: read, written back, bounded."""

from __future__ import annotations

from trimtab.domain.securities import Security
from trimtab.feeds.formats import Dialect, FeedKind, read_row, record_to_row


def test_an_issuer_id_is_read_and_written_back() -> None:
    raw = {"ticker": "foxa", "name": "Fox A", "issuer_id": " 21CF "}
    record, problems = read_row(FeedKind.SECURITIES, raw, 2, "securities.csv", Dialect())
    assert problems == []
    assert record == Security("FOXA", name="Fox A", issuer_id="21CF")
    assert record_to_row(FeedKind.SECURITIES, record)["issuer_id"] == "21CF"


def test_the_column_is_optional() -> None:
    record, problems = read_row(
        FeedKind.SECURITIES, {"ticker": "AAPL"}, 2, "securities.csv", Dialect()
    )
    assert problems == []
    assert isinstance(record, Security)
    assert record.issuer_id is None


def test_an_issuer_id_longer_than_the_store_keeps_is_a_problem_at_its_row() -> None:
    raw = {"ticker": "X", "issuer_id": "I" * 41}
    record, problems = read_row(FeedKind.SECURITIES, raw, 7, "securities.csv", Dialect())
    assert record is None
    (problem,) = problems
    assert (problem.row, problem.column) == (7, "issuer_id")
    assert problem.expected == "an issuer id of at most 40 characters"
