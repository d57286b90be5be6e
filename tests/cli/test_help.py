"""Every command has help with an example, and the README names it."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from agreements.cli import main

ROOT = Path(__file__).resolve().parents[2]


def command_paths() -> list[tuple[str, ...]]:
    """Every command and subcommand, as the words typed after `agreements`."""
    found: list[tuple[str, ...]] = []
    ctx = click.Context(main)

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            path = (*prefix, name)
            if isinstance(command, click.Group):
                walk(command, path)
            else:
                found.append(path)

    walk(main, ())
    return found


def test_every_command_has_help_with_an_example():
    missing = []
    for path in command_paths():
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        if "Example" not in result.output or f"agreements {' '.join(path)}" not in result.output:
            missing.append(" ".join(path))
    assert missing == []


def group_paths() -> list[tuple[str, ...]]:
    """The tracker itself and every group, as the words typed after `agreements`."""
    ctx = click.Context(main)
    return [()] + [(name,) for name in main.list_commands(ctx) if isinstance(main.get_command(ctx, name), click.Group)]


def test_every_group_has_help_with_an_example_and_bare_prints_it():
    missing = []
    for path in group_paths():
        bare = CliRunner().invoke(main, list(path), prog_name="agreements")
        assert bare.exit_code == 0 and bare.stderr == "", (path, bare.output)
        assert bare.stdout == CliRunner().invoke(main, [*path, "--help"], prog_name="agreements").stdout
        if "Example" not in bare.stdout or f"agreements {' '.join(path)}".rstrip() + " " not in bare.stdout:
            missing.append(" ".join(path) or "agreements")
    assert missing == []


def test_every_command_is_named_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [" ".join(p) for p in command_paths() if f"agreements {' '.join(p)}" not in readme] == []


def test_the_walk_finds_groups_and_their_commands():
    paths = command_paths()
    assert ("advance",) in paths and ("digest", "send") in paths and ("report", "durations") in paths
    assert ("help",) in paths and ("recipients", "edit") in paths
    assert len(paths) > 30
    assert {("digest",), ("report",), ("users",), ("recipients",), ("scheduler",), ("config",)} <= set(group_paths())
