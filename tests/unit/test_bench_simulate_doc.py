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
