"""`python -m bench.simulate --doc` rewrites only its marked sections of the documents.

The real docs/simulate.md and bench/README.md are copied to a temporary folder; the
generator rewrites the copies (on `--quick` windows) and every line outside the markers
stays as it was.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest
from bench import simulate as generator

from trimtab.simulate.market import MarketHistory

ROOT = Path(__file__).resolve().parents[2]
DOC_SECTIONS = ("default-study", "robustness", "anchors", "ceiling")


def _outside(text: str, names: tuple[str, ...]) -> str:
    """The text with each marked section's contents dropped (markers kept)."""
    for name in names:
        begin, end = generator.begin_marker(name), generator.end_marker(name)
        text = text[: text.index(begin) + len(begin)] + text[text.index(end) :]
    return text


def test_a_marked_section_is_rewritten_and_the_rest_left_alone() -> None:
    text = (
        "# Title\n\nProse a person wrote.\n\n"
        f"{generator.begin_marker('t')}\n| old | table |\n{generator.end_marker('t')}\n\n"
        "More prose.\n"
    )
    rewritten = generator.rewrite_section(text, "t", "| new | table |\n| --- | --- |")
    assert rewritten == (
        "# Title\n\nProse a person wrote.\n\n"
        f"{generator.begin_marker('t')}\n| new | table |\n| --- | --- |\n"
        f"{generator.end_marker('t')}\n\nMore prose.\n"
    )
    assert generator.rewrite_section(rewritten, "t", "| new | table |\n| --- | --- |") == rewritten


def test_missing_or_repeated_markers_are_named() -> None:
    with pytest.raises(generator.MarkerError, match="section 'absent'"):
        generator.rewrite_section("no markers here\n", "absent", "x")
    twice = f"{generator.begin_marker('t')}\n{generator.end_marker('t')}\n" * 2
    with pytest.raises(generator.MarkerError, match="found 2 and 2"):
        generator.rewrite_section(twice, "t", "x")


def test_the_real_documents_carry_every_marker() -> None:
    doc = (ROOT / "docs" / "simulate.md").read_text()
    for name in DOC_SECTIONS:
        generator.rewrite_section(doc, name, "")
    generator.rewrite_section((ROOT / "bench" / "README.md").read_text(), "shadow-run", "")


def test_quick_generation_rewrites_copies_of_the_documents(tmp_path: Path) -> None:
    doc, readme = tmp_path / "simulate.md", tmp_path / "README.md"
    shutil.copy(ROOT / "docs" / "simulate.md", doc)
    shutil.copy(ROOT / "bench" / "README.md", readme)
    doc_before, readme_before = doc.read_text(), readme.read_text()

    generator.main(
        ["--doc", "--quick", "--workers", "1", "--doc-file", str(doc), "--readme-file", str(readme)]
    )

    doc_after, readme_after = doc.read_text(), readme.read_text()
    assert _outside(doc_after, DOC_SECTIONS) == _outside(doc_before, DOC_SECTIONS)
    assert _outside(readme_after, ("shadow-run",)) == _outside(readme_before, ("shadow-run",))
    assert doc_after != doc_before
    assert readme_after != readme_before
    for label in ("start 2008: 2008-01-02", "start 2010: 2010-01-04", "50 stocks"):
        assert label in doc_after
    assert "**tax effect** vs buy-and-hold" in doc_after
    assert "Chaudhuri, Burnham & Lo" in doc_after
    assert "1.08%/yr" in doc_after
    assert "`--quick`" in doc_after
    assert "commit " in doc_after
    assert "immediate" in readme_after
    assert "carryforward" in readme_after


def test_the_harvest_ceiling_gathers_each_fall_below_the_basis_once_a_wait() -> None:
    """Two stocks at $500,000 each: A falls 10% on day 2 and 10% more on day 3, B rises.
    Every day: $50,000 then $45,000; with a 31-day wait only the first fall is gathered
    and the second waits (the window ends first)."""
    dates = tuple(dt.date(2021, 1, 4) + dt.timedelta(days=d) for d in range(4))
    returns = np.array([[0, 0], [-0.1, 0.01], [-0.1, 0.01], [0, 0]], dtype=float)
    market = MarketHistory(dates, ("A", "B"), returns, np.zeros(4))
    total, years = generator.harvest_ceiling(market, wait_days=1)
    assert total == pytest.approx(95_000.0)
    assert years == {2021: pytest.approx(95_000.0)}
    assert generator.harvest_ceiling(market, wait_days=31)[0] == pytest.approx(50_000.0)


def test_a_loss_in_the_last_year_gives_its_refund_and_nothing_once_liquidated() -> None:
    """$10,000 lost in the last year at 23.8%: the $2,380 refund comes on the last day, so it
    is $2,380 more at the end; liquidated, the basis the loss cut is taxed back, $0 more."""
    dates = (dt.date(2020, 1, 2), dt.date(2020, 12, 31), dt.date(2021, 12, 31))
    growth = np.array([1.0, 1.1, 1.21])
    extra, extra_liquidated = generator.refunds_at_end({2021: 10_000.0}, dates, growth, rate=0.238)
    assert extra == pytest.approx(2_380.0)
    assert extra_liquidated == pytest.approx(0.0, abs=1e-9)

    effect, effect_liquidated = generator.harvest_tax_effect(
        {2021: 10_000.0}, dates, growth, rate=0.238
    )
    years = 729 / 365.25  # calendar days, 2020-01-02 to 2021-12-31
    held = 1_210_000.0
    assert effect == pytest.approx(
        ((held + 2_380.0) / 1e6) ** (1 / years) - (held / 1e6) ** (1 / years)
    )
    assert effect_liquidated == pytest.approx(0.0, abs=1e-12)


def test_an_earlier_refund_grows_with_the_target_and_its_gain_is_taxed_when_liquidated() -> None:
    """$10,000 lost in 2020, refunded ($2,380) at 2020's end when the target stands at 1.1,
    grows to $2,618 by 2021's end (1.21). Liquidated: less the $2,380 basis cut and 23.8% of
    the refund's $238 gain, $181.36."""
    dates = (dt.date(2020, 1, 2), dt.date(2020, 12, 31), dt.date(2021, 12, 31))
    growth = np.array([1.0, 1.1, 1.21])
    extra, extra_liquidated = generator.refunds_at_end({2020: 10_000.0}, dates, growth, rate=0.238)
    assert extra == pytest.approx(2_618.0)
    assert extra_liquidated == pytest.approx(2_618.0 - 2_380.0 - 0.238 * 238.0)
