"""Every command answers `--help` (issue 18: `trimtab simulate --help` crashed on help
text that rich read as markup). The commands are found by walking the command tree
from `trimtab.cli.app`, so a command added later is covered without editing this test."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from trimtab.cli import app


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    # Typer vendors its own click (`typer._click`): a group is told by its `commands`.
    paths = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths += _command_paths(sub, (*path, name))
    return paths


COMMANDS = _command_paths(typer.main.get_command(app))


def test_the_walk_finds_nested_commands() -> None:
    # Guards the walk itself: were it to stop at the top level, every test below would
    # pass while checking nothing.
    assert ("simulate",) in COMMANDS
    assert ("models", "hub", "upload") in COMMANDS
    assert ("corporate-actions", "apply") in COMMANDS
    assert len(COMMANDS) > 40


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "trimtab")
def test_help_exits_0(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exception is None, f"{' '.join(path)} --help: {result.exception!r}"
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
