"""Onboarding files: the references between their rows and the firm, checked whole.

Problem: an onboarding file (feed kind `accounts`) creates and updates accounts with
their households, advisors and tax profiles. One row alone can look right and still be
wrong against the others or the firm: two accounts of one household giving it different
names or tax rates (which one wins?), an advisor id the firm does not have and no row
names, a branch or program the firm does not run.

Rule: `OnboardingCheck` sees every row in file order and finds:
- an account twice (the feed's key), handled by the loader like every kind's key;
- a household's name or tax profile differing from the first row that gave it;
- an advisor the firm does not have, unless some row of the file names it
  (`advisor_name`: the row creates or renames the advisor);
- the same advisor named two ways, or given two branches;
- a branch or program the firm does not have.
Each finding is a `FileProblem` on the row and column concerned; `finish` reports what
can only be known at the end of the file (advisors never named).

    >>> from trimtab.domain.accounts import TaxStatus
    >>> check = OnboardingCheck("a.csv", advisors=set(), branches={"BR1"}, programs=set())
    >>> row = AccountOnboarding("A1", "H1", TaxStatus.TAXABLE, advisor="ADV9")
    >>> check.row(2, row), [str(p) for p in check.finish()]
    ([], ["a.csv row 2, column advisor: got 'ADV9', expected an advisor of the firm, \
or a row naming it (advisor_name)"])
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from trimtab.domain.accounts import TaxProfile
from trimtab.domain.feed_records import AccountOnboarding, FileProblem

__all__ = ["OnboardingCheck"]


@dataclass
class OnboardingCheck:
    file: str
    advisors: Collection[str]
    branches: Collection[str]
    programs: Collection[str]
    _households: dict[str, tuple[int, str | None, TaxProfile | None]] = field(default_factory=dict)
    _named: dict[str, tuple[int, str, str | None]] = field(default_factory=dict)
    _unnamed: dict[str, int] = field(default_factory=dict)

    def row(self, row: int, record: AccountOnboarding) -> list[FileProblem]:
        problems: list[FileProblem] = []
        problems += self._household(row, record)
        for column, value, known in (
            ("branch", record.branch, self.branches),
            ("program", record.program, self.programs),
        ):
            if value is not None and value not in known:
                problems.append(
                    FileProblem(self.file, row, column, value, f"a {column} of the firm")
                )
        if record.advisor is None:
            return problems
        if record.advisor_name is None:
            if record.advisor not in self.advisors:
                self._unnamed.setdefault(record.advisor, row)
            return problems
        first = self._named.setdefault(record.advisor, (row, record.advisor_name, record.branch))
        if first[1:] != (record.advisor_name, record.branch):
            problems.append(
                FileProblem(
                    self.file,
                    row,
                    "advisor_name",
                    record.advisor_name,
                    f"advisor {record.advisor} as row {first[0]} gives it "
                    f"({first[1]!r}, branch {first[2] or 'none'})",
                )
            )
        return problems

    def _household(self, row: int, record: AccountOnboarding) -> list[FileProblem]:
        first = self._households.get(record.household)
        if first is None:
            self._households[record.household] = (row, record.household_name, record.tax_profile)
            return []
        first_row, name, profile = first
        problems: list[FileProblem] = []
        if record.household_name is not None:
            if name is None:
                self._households[record.household] = (first_row, record.household_name, profile)
            elif name != record.household_name:
                problems.append(
                    FileProblem(
                        self.file,
                        row,
                        "household_name",
                        record.household_name,
                        f"{name!r}, as row {first_row} names household {record.household}",
                    )
                )
        if record.tax_profile is not None:
            if profile is None:
                self._households[record.household] = (first_row, name, record.tax_profile)
            elif profile != record.tax_profile:
                problems.append(
                    FileProblem(
                        self.file,
                        row,
                        "short_term_rate",
                        str(record.tax_profile.short_term_rate),
                        f"the tax profile row {first_row} gives household "
                        f"{record.household} (a household has one)",
                    )
                )
        return problems

    def finish(self) -> list[FileProblem]:
        """The advisors rows referred to that neither the firm nor the file has."""
        return [
            FileProblem(
                self.file,
                row,
                "advisor",
                advisor,
                "an advisor of the firm, or a row naming it (advisor_name)",
            )
            for advisor, row in sorted(self._unnamed.items(), key=lambda item: item[1])
            if advisor not in self._named
        ]
