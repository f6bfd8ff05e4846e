"""Plumbing every command shares: the lazily opened archive and the JSON printer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from sohoa.archive.store import Archive, open_archive

err_console = Console(stderr=True)


class Context:
    """What the group options chose; the archive opens lazily (``--help`` needs no database)."""

    def __init__(self, home: Path | None, db_url: str | None, verbose: int) -> None:
        self.home, self.db_url, self.verbose = home, db_url, verbose
        self._archive: Archive | None = None

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            self._archive = open_archive(self.home, self.db_url)
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()


pass_ctx = click.make_pass_decorator(Context)


def emit_json(data: Any) -> None:
    """Exactly the documented JSON on stdout: UTF-8 Vietnamese, not escapes."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
