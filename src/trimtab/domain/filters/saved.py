"""Saved filters: a named, described filter kept for the firm or for one user.

Operators reuse the same selections every day ("ready to trade", "needs review",
"suspend: paperwork"), so a filter is saved under a name with a description. A firm
filter (owner None) is visible to everyone; a user's own filter only to that user, and
it shadows a firm filter of the same name for that user.

    >>> SavedFilter("ready", 'status = "open" and not data_errors', "", None, "ops").shared
    True
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from trimtab.domain.problems import Problem

__all__ = ["SavedFilter", "validate_filter_name"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


@dataclass(frozen=True, slots=True)
class SavedFilter:
    name: str
    expression: str
    description: str
    owner: str | None  # None: the firm's, visible to every user
    created_by: str
    updated_at: dt.datetime | None = None

    @property
    def shared(self) -> bool:
        return self.owner is None


def validate_filter_name(name: str) -> list[Problem]:
    if _NAME.fullmatch(name):
        return []
    return [
        Problem(
            "name",
            f"{name!r} is not a filter name: use letters, digits, '_', '.' or '-' "
            "(at most 100), starting with a letter or digit",
        )
    ]
