"""Progress reporting as a protocol, so library code never imports a terminal toolkit.

The ingest pipeline reports per file and per page; the CLI chooses a rich progress bar on a
terminal and plain log lines otherwise. Tests pass ``NullProgress`` or a recorder.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, files: int) -> None:
        """A batch of ``files`` starts."""

    def pages_found(self, count: int) -> None:
        """``count`` more pages are known to come (files are opened as the batch goes)."""

    def page_done(self, count: int = 1) -> None:
        """``count`` more pages are read."""

    def file_done(self, name: str, status: str) -> None:
        """A file ended as ``stored``, ``duplicate`` or ``failed``."""

    def finish(self) -> None:
        """The batch ended (normally or not)."""


class NullProgress:
    """Reports nothing."""

    def start(self, files: int) -> None:
        pass

    def pages_found(self, count: int) -> None:
        pass

    def page_done(self, count: int = 1) -> None:
        pass

    def file_done(self, name: str, status: str) -> None:
        pass

    def finish(self) -> None:
        pass
