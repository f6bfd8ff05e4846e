"""Data flows one way: digitize -> archive -> search; the CLI stays a thin shell."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest

from sohoa.cli import cli

PACKAGE = Path(__file__).resolve().parent.parent / "sohoa"

# What only the use-case layer (sohoa.app) may reach: the fronts call it instead.
BEHIND_THE_LAYER = ("sohoa.archive", "sohoa.search", "sohoa.ingest", "sqlalchemy")

FORBIDDEN = {
    "digitize": (
        "sohoa.archive", "sohoa.search", "sohoa.ingest", "sohoa.cli", "sohoa.commands", "sohoa.app",
    ),  # fmt: skip
    "search": ("sohoa.archive", "sohoa.digitize", "sohoa.ingest", "sohoa.cli", "sohoa.commands", "sohoa.app"),
    "archive": ("sohoa.ingest", "sohoa.cli", "sohoa.commands", "sohoa.app", "sohoa.web"),
    "app": ("sohoa.cli", "sohoa.commands", "sohoa.web"),
    "web": (*BEHIND_THE_LAYER, "sohoa.cli", "sohoa.commands", "sohoa.digitize"),
}

# Command modules that are wholly parse -> sohoa.app -> print.
LAYERED_MODULES = ("audit.py", "review.py", "users.py", "serve.py", "units.py")
# Commands living beside others (index, ingest, register) that are not rewired yet: these
# functions must not use anything imported from behind the layer.
LAYERED_FUNCTIONS = {
    "search.py": ("search",),
    "documents.py": ("show", "list_cmd"),
    "reports.py": ("report",),
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


@pytest.mark.parametrize("module", LAYERED_MODULES)
def test_layered_commands_only_call_the_use_case_layer(module: str) -> None:
    names = _imports(PACKAGE / "commands" / module)
    assert not [n for n in names if n.startswith(BEHIND_THE_LAYER)], module


def _names_from_behind_the_layer(tree: ast.Module) -> set[str]:
    """Local names a module binds to things imported from behind the use-case layer."""
    bound: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(BEHIND_THE_LAYER):
            bound.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            bound.update(
                (a.asname or a.name).split(".")[0] for a in node.names if a.name.startswith(BEHIND_THE_LAYER)
            )
    return bound


@pytest.mark.parametrize("module", sorted(LAYERED_FUNCTIONS))
def test_rewired_commands_do_not_reach_around_the_layer(module: str) -> None:
    tree = ast.parse((PACKAGE / "commands" / module).read_text(encoding="utf-8"))
    behind = _names_from_behind_the_layer(tree)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    for name in LAYERED_FUNCTIONS[module]:
        body = functions[name]
        used = {n.id for n in ast.walk(body) if isinstance(n, ast.Name)}
        imported_inside = {
            node.module for node in ast.walk(body) if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not used & behind, f"{module}:{name} uses {sorted(used & behind)}"
        assert not [m for m in imported_inside if m.startswith(BEHIND_THE_LAYER)], f"{module}:{name}"


def test_cli_has_no_sql_subprocess_or_whoosh() -> None:
    for path in [PACKAGE / "cli.py", *(PACKAGE / "commands").glob("*.py")]:
        names = _imports(path)
        assert not any(n.startswith(("subprocess", "whoosh", "sqlalchemy")) for n in names), path


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    """Every command and sub-command, loading the lazy ones."""
    ctx = click.Context(group)
    out = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        out.append((prefix + name, command))
        if isinstance(command, click.Group):
            out.extend(_commands(command, prefix + name + " "))
    return out


def test_every_command_has_help() -> None:
    commands = _commands(cli)
    assert {
        "ingest", "show", "list", "search", "review", "edit", "report", "units add", "index rebuild",
        "users add", "users token", "serve",
    } <= {
        name for name, _ in commands
    }
    for name, command in commands:
        assert (command.help or "").strip(), f"sohoa {name} has no help text"
