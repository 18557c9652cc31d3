"""What every `trimtab` command shares: the acting principal, problems and exit codes, the database.

Problem: a command is used by people and by scripts. Neither should see a traceback, and
a script must tell "fix the input" from "the account does not exist" from "try again
later" without reading the message.

Rule:
- Problems are printed one per line on stderr as `error: <path>: <message>` and the
  command exits with the exit code of their kind (`ProblemKind.exit_code`): invalid 2,
  not_found 3, conflict 4, forbidden 5, unavailable 6; 1 is left for an unexpected
  failure. When one answer holds problems of several kinds, the highest code wins
  (unavailable > forbidden > conflict > not_found > invalid): the kind furthest from
  "fix your input" decides what a script must do first (retry later, get permission)
  before the input matters. A bare string counts as an invalid problem.
- Every command opens the database named by `TRIMTAB_DATABASE_URL` (`trimtab.config`).
  Only `trimtab db upgrade` creates one: every other command refuses a database that is
  missing, unreadable or behind the newest schema (unavailable, 6) and says which URL it
  tried and how to choose one.
- The command line acts as `cli:<login>` with the admin role until users exist.

    raise fail(Problem("corporate action CA-9", "no such corporate action", NOT_FOUND))
    # stderr: error: corporate action CA-9: no such corporate action      exit code 3
    raise fail("--as-of: '2025-13-01' is not a YYYY-MM-DD date")          # exit code 2
"""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from trimtab.domain.problems import Problem, ProblemKind

if TYPE_CHECKING:
    from trimtab.bootstrap import Database
    from trimtab.domain.principal import Principal

__all__ = [
    "answer",
    "configured_database",
    "database_url",
    "existing_database",
    "exit_code",
    "fail",
    "principal",
    "ready_database",
    "unit_of_work",
]

T = TypeVar("T")


def principal() -> Principal:
    """Who acts from the command line until users exist: `cli:<login>`, with the admin role."""
    from trimtab.domain.principal import Principal

    return Principal.cli(getpass.getuser())


def exit_code(problems: Iterable[object]) -> int:
    """The exit code of a set of problems: the highest of their kinds' codes (invalid 2,
    not_found 3, conflict 4, forbidden 5, unavailable 6); 2 when there are none to tell.

    >>> exit_code([Problem("a", "bad"), Problem("b", "gone", ProblemKind.NOT_FOUND)])
    3
    """
    kinds = [p.kind if isinstance(p, Problem) else ProblemKind.INVALID for p in problems]
    return max((k.exit_code for k in kinds), default=ProblemKind.INVALID.exit_code)


def fail(*problems: object, code: int | None = None) -> typer.Exit:
    """Print each problem as `error: <path>: <message>` on stderr; the caller raises the
    returned exit. The exit code is the problems' (`exit_code`) unless `code` is given."""
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    return typer.Exit(exit_code(problems) if code is None else code)


def answer(result: tuple[T | None, Iterable[Problem]]) -> T:
    """The value of a service's `(value, problems)` answer, or exit with its problems."""
    value, problems = result
    problems = list(problems)
    if value is None or problems:
        raise fail(*problems)
    return value


def database_url() -> str:
    from trimtab.config import load_settings

    return load_settings().database_url


def configured_database() -> Database:
    """The configured database, created if missing (only `trimtab db upgrade` wants this)."""
    from trimtab.bootstrap import open_database

    return open_database(database_url(), create=True)


def existing_database() -> Database:
    """The configured database, whatever its schema; refused (exit 6) if it does not exist.

    Opening a SQLite file that is not there would create an empty one in the current
    folder, which then looks like a firm with no schema: the commands run from the
    wrong folder would answer "not at the newest schema" instead of "wrong database".
    """
    from trimtab.bootstrap import DatabaseMissing, open_database

    try:
        return open_database(database_url(), create=False)
    except DatabaseMissing as missing:
        raise fail(_unavailable(str(missing), CHOOSE_DATABASE)) from None


def ready_database() -> Database:
    """The configured database, refused (exit 6) unless it exists, is readable and is at
    the newest schema."""
    from trimtab.bootstrap import DATABASE_ERRORS

    db = existing_database()
    try:
        current = db.current_revision()
    except DATABASE_ERRORS as error:
        db.close()
        raise fail(
            _unavailable(f"could not read {db.display_url}: {_first_line(error)}", CHOOSE_DATABASE)
        ) from None
    if current != db.head_revision():
        db.close()
        raise fail(
            _unavailable(
                f"{db.display_url} is not at the newest schema",
                "run `trimtab db upgrade` (or choose another database with TRIMTAB_DATABASE_URL)",
            )
        )
    return db


@contextlib.contextmanager
def unit_of_work() -> Iterator[Callable[[], Any]]:
    """The unit-of-work factory of the ready database, closed afterwards; a database that
    fails during the command is answered as unavailable (6), any other database error
    with exit code 1 (a defect to report, not an input to fix)."""
    from trimtab.bootstrap import DATABASE_ERRORS, DATABASE_UNAVAILABLE

    db = ready_database()
    try:
        yield db.unit_of_work
    except DATABASE_ERRORS as error:
        message = f"{db.display_url}: {error.__class__.__name__}: {_first_line(error)}"
        if isinstance(error, DATABASE_UNAVAILABLE):
            raise fail(Problem("database", message, ProblemKind.UNAVAILABLE)) from None
        raise fail(Problem("database", message), code=1) from None
    finally:
        db.close()


CHOOSE_DATABASE = (
    "choose the firm's database with TRIMTAB_DATABASE_URL (e.g. sqlite:////srv/trimtab.db), "
    "or create this one with `trimtab db upgrade`"
)


def _unavailable(message: str, fix: str) -> Problem:
    return Problem("TRIMTAB_DATABASE_URL", f"{message}; {fix}", ProblemKind.UNAVAILABLE)


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [""])[0]
