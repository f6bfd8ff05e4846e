"""How ``sohoa ingest`` shows its progress: a rich bar on a terminal, plain lines otherwise.

The pipeline reports through ``sohoa.progress.Progress``; only the command chooses a display,
so library code never touches the terminal.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.text import Text

from sohoa.commands.base import err_console
from sohoa.i18n import _
from sohoa.progress import NullProgress, Progress


class RichProgress:
    """A progress bar on stderr: documents, pages, pages/min and ETA."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        self.bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=err_console,
            transient=False,
        )
        self.files_task = self.bar.add_task(_("tệp"), total=0, rate="")
        self.pages_task = self.bar.add_task(_("trang"), total=0, rate="")
        self.started = 0.0

    def start(self, files: int) -> None:
        import time

        self.started = time.monotonic()
        self.bar.update(self.files_task, total=files)
        self.bar.start()

    def pages_found(self, count: int) -> None:
        task = self.bar.tasks[self.pages_task]
        self.bar.update(self.pages_task, total=(task.total or 0) + count)

    def page_done(self, count: int = 1) -> None:
        import time

        self.bar.advance(self.pages_task, count)
        done = self.bar.tasks[self.pages_task].completed
        minutes = max(time.monotonic() - self.started, 1e-6) / 60
        self.bar.update(self.pages_task, rate=_("%(n)s trang/phút") % {"n": f"{done / minutes:.0f}"})

    def file_done(self, name: str, status: str) -> None:
        self.bar.advance(self.files_task, 1)
        if status == "failed":
            self.bar.console.print(Text.assemble((_("lỗi") + " ", "red"), Path(name).name))

    def finish(self) -> None:
        self.bar.stop()


class LogProgress(NullProgress):
    """Plain lines on stderr when stderr is not a terminal (cron jobs, hot-folder scripts)."""

    def __init__(self) -> None:
        self.files = 0
        self.done = 0

    def start(self, files: int) -> None:
        self.files = files

    def file_done(self, name: str, status: str) -> None:
        """One line per file; the base name only (folders often carry citizens' names too)."""
        self.done += 1
        click.echo(f"[{self.done}/{self.files}] {status}: {Path(name).name}", err=True)


def progress_for(json_out: bool) -> Progress:
    """The display for this run: a bar on a terminal, lines in a log, nothing under --json."""
    if sys.stderr.isatty():
        return RichProgress()
    return NullProgress() if json_out else LogProgress()
