"""`FakeSavedFilters` and `FakeFilterDesk`: saved filters and their audit trail in memory.

`FakeSavedFilters` follows `SavedFilterRepository` as the SQL one does: a filter is keyed
by (owner, name), the firm's having no owner; a user's own filter shadows the firm's of
the same name; `visible_to` lists by name, the user's before the firm's. `FakeFilterDesk`
is the unit of work the filters' write sees (`filters` and `audit`); like the SQL one,
leaving `with desk:` without `commit()` rolls both back. The desk is its own factory:

>>> desk = FakeFilterDesk()
>>> with desk() as uow:
...     uow.filters.save(SavedFilter("big", "value > 1m", "", None, "cli:ops"))
>>> desk.filters.visible_to("cli:ops"), desk.commits
([], 0)
"""

from __future__ import annotations

import copy
from types import TracebackType
from typing import Self

from tests.fakes.audit import FakeAuditTrail
from trimtab.domain.filters import SavedFilter

__all__ = ["FakeFilterDesk", "FakeSavedFilters"]


class FakeSavedFilters:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], SavedFilter] = {}  # (owner or "", name)

    def save(self, saved: SavedFilter) -> None:
        self.saved[(saved.owner or "", saved.name)] = saved

    def get(self, name: str, *, user: str) -> SavedFilter | None:
        return self.saved.get((user, name)) or self.saved.get(("", name))

    def visible_to(self, user: str) -> list[SavedFilter]:
        mine = [f for (owner, _), f in self.saved.items() if owner in (user, "")]
        return sorted(mine, key=lambda f: (f.name, f.owner is None))


class FakeFilterDesk:
    def __init__(self) -> None:
        self.filters = FakeSavedFilters()
        self.audit = FakeAuditTrail()
        self.commits = 0
        self._begun: tuple[dict[tuple[str, str], SavedFilter], int] | None = None

    def __call__(self) -> Self:
        return self

    def __enter__(self) -> Self:
        self._begun = (copy.copy(self.filters.saved), len(self.audit.appended))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._begun is not None:
            self.rollback()

    def commit(self) -> None:
        self.commits += 1
        self._begun = None

    def rollback(self) -> None:
        assert self._begun is not None
        saved, entries = self._begun
        self.filters.saved = saved
        del self.audit.appended[entries:]
        self._begun = None
