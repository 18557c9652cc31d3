"""Reading feed files without a database: formats, mappings, Parquet, file-wide problems."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
from decimal import Decimal as D
from pathlib import Path

import pytest

from trimtab.domain.feed_records import FeedKind, FeedRow, ReportedLot
from trimtab.domain.holdings import TaxLot
from trimtab.feeds.mappings import parse_mapping
from trimtab.feeds.readers import kind_from_name, open_feed
from trimtab.feeds.writers import write_feed

MODULES = [
    "trimtab.domain.feed_records",
    "trimtab.domain.corporate_action_events",
    "trimtab.domain.synchronization",
    "trimtab.domain.data_quality",
    "trimtab.domain.file_transfers",
    "trimtab.domain.risk_model",
    "trimtab.feeds.formats",
    "trimtab.feeds.mappings",
]

LOTS = [
    ReportedLot(TaxLot("L1", "A-1", "XYZ", D("100.5"), D("5000.25"), dt.date(2020, 1, 2))),
    ReportedLot(TaxLot("L2", "A-1", "BND", D(7), D(0), dt.date(2021, 3, 4)), basis_known=False),
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def rows(path: Path) -> list[FeedRow]:
    feed, problems = open_feed(path)
    assert feed is not None, problems
    return list(feed.rows())


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_lots_read_back_as_written_in_csv_and_parquet(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"lots{suffix}"
    write_feed(path, FeedKind.LOTS, LOTS)
    assert [(r.row, r.record, r.problems) for r in rows(path)] == [
        (2, LOTS[0], ()),
        (3, LOTS[1], ()),
    ]


def test_a_truncated_parquet_file_is_one_file_problem(tmp_path: Path) -> None:
    path = tmp_path / "lots.parquet"
    write_feed(path, FeedKind.LOTS, LOTS)
    path.write_bytes(path.read_bytes()[:-40])
    (only,) = rows(path)
    assert only.row == 0
    assert "a readable Parquet file" in only.problems[0].expected


def test_a_complete_last_line_without_newline_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("security,date,close\nXYZ,2025-06-02,10")
    assert [r.problems for r in rows(path)] == [()]


def test_a_file_without_a_header_says_so(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("")
    (only,) = rows(path)
    assert only.problems[0].expected == "a header row"


def test_a_name_that_says_no_kind_is_refused(tmp_path: Path) -> None:
    feed, problems = open_feed(tmp_path / "morning.csv")
    assert feed is None
    assert "starting with the feed kind" in problems[0].expected
    assert kind_from_name("specific_risk_STAT.csv") is FeedKind.SPECIFIC_RISK
    assert kind_from_name("pricesheet.csv") is None


def test_a_mapping_with_mistakes_names_each() -> None:
    mapping, problems = parse_mapping(
        'source = "x"\ncolour = "red"\n[feeds.holdings]\n[feeds.prices]\ndeadline = "7am"\n'
        '[feeds.prices.columns]\nticker = "Symbol"\n'
    )
    assert mapping is None
    assert [p.path for p in problems] == [
        "mapping: colour",
        "mapping: feeds.holdings",
        "mapping: feeds.prices.columns.ticker",
        "mapping: feeds.prices.deadline",
    ]


def test_value_codes_and_decimal_commas_read_as_canonical(tmp_path: Path) -> None:
    mapping, _ = parse_mapping(
        'source = "alp"\ndelimiter = ";"\ndecimal_separator = ","\nthousands_separator = "."\n'
        'date_format = "%d.%m.%Y"\n[feeds.transactions]\npattern = "u*.csv"\n'
        '[feeds.transactions.values.side]\nKauf = "buy"\n'
    )
    assert mapping is not None
    path = tmp_path / "u1.csv"
    path.write_text(
        "account;security;date;side;quantity;price;realized_gain\nA-1;XYZ;02.06.2025;Kauf;1.000;12,5;\n"
    )
    feed, _ = open_feed(path, mapping=mapping)
    assert feed is not None
    (row,) = feed.rows()
    assert row.problems == ()
    assert row.record is not None
    assert (row.record.quantity, row.record.price, row.record.side) == (  # type: ignore[union-attr]
        D(1000),
        D("12.5"),
        "buy",
    )
