"""Data flows one way: digitize -> archive -> search; the CLI stays a thin shell."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest

from sohoa.cli import cli

PACKAGE = Path(__file__).resolve().parent.parent / "sohoa"

FORBIDDEN = {
    "digitize": ("sohoa.archive", "sohoa.search", "sohoa.ingest", "sohoa.cli", "sohoa.commands"),
    "search": ("sohoa.archive", "sohoa.digitize", "sohoa.ingest", "sohoa.cli", "sohoa.commands"),
    "archive": ("sohoa.ingest", "sohoa.cli", "sohoa.commands"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_import_direction(package: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in (PACKAGE / package).rglob("*.py")
        for name in _imports(path)
        if name.startswith(FORBIDDEN[package])
    ]
    assert offenders == []


def test_cli_has_no_sql_subprocess_or_whoosh() -> None:
    for path in [PACKAGE / "cli.py", *(PACKAGE / "commands").glob("*.py")]:
        names = _imports(path)
        assert not any(n.startswith(("subprocess", "whoosh", "sqlalchemy")) for n in names), path


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, command in group.commands.items():
        out.append((prefix + name, command))
        if isinstance(command, click.Group):
            out.extend(_commands(command, prefix + name + " "))
    return out


def test_every_command_has_help() -> None:
    commands = _commands(cli)
    assert {"ingest", "show", "list", "search", "review", "edit", "report", "units add", "index rebuild"} <= {
        name for name, _ in commands
    }
    for name, command in commands:
        assert (command.help or "").strip(), f"sohoa {name} has no help text"
