"""Clerks' uploads: files into a unit's batch through the public ``sohoa.ingest.ingest``, and
the batches as the desk lists them (state read from the database, so progress survives a reload)."""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from pathlib import Path
from queue import Empty
from typing import Any

from sohoa import i18n
from sohoa.app.actor import Actor
from sohoa.app.scope import resolve_scope
from sohoa.archive import batches as batch_ops
from sohoa.archive.store import Archive
from sohoa.errors import SohoaError, UsageError
from sohoa.i18n import _
from sohoa.progress import Progress

log = logging.getLogger(__name__)


def check_upload(archive: Archive, actor: Actor, unit: str) -> str:
    """Refuse early (before any file is saved) an upload the actor may not make; returns the unit code."""
    actor.require("ingest")
    if not unit:
        raise UsageError(_("chọn đơn vị của lô"))
    with archive.sessions() as session:
        scope = resolve_scope(session, actor, unit)
        if scope.unit is None or (actor.unit_ids is not None and scope.unit.id not in actor.unit_ids):
            raise UsageError(_("đơn vị '%(unit)s' nằm ngoài các đơn vị của bạn") % {"unit": unit})
        return scope.unit.code


def ingest_files(
    archive: Archive, actor: Actor, paths: list[Path], unit: str, progress: Progress | None = None
) -> dict[str, Any]:
    """Ingest ``paths`` into ``unit`` as the actor; ``ingest --json``'s object plus the counts."""
    from sohoa.ingest import IngestOptions, ingest

    code = check_upload(archive, actor, unit)
    report = ingest(actor.acting_archive(archive), paths, IngestOptions(unit=code), progress)
    data = report.to_json()
    data["counts"] = {s: report.count(s) for s in ("stored", "duplicate", "failed", "pending")}
    return data


class _QueueProgress:
    """Progress sent from the ingest process to the desk's thread that follows it."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue

    def start(self, files: int) -> None:
        self.queue.put(("files", files))

    def pages_found(self, count: int) -> None:
        self.queue.put(("pages_found", count))

    def page_done(self, count: int = 1) -> None:
        self.queue.put(("page_done", count))

    def file_done(self, name: str, status: str) -> None:
        self.queue.put(("file_done", status))

    def finish(self) -> None:
        pass


def _ingest_process(
    home: str, db_url: str, actor: Actor, paths: list[str], unit: str, queue: Any, lang: str
) -> None:
    """The body of an upload's own process: open the archive, ingest, report the outcome.

    ``lang`` is the uploader's language: failure reasons are stored as the uploader read them.
    """
    from sohoa.archive.store import open_archive

    i18n.set_language(lang)
    try:
        archive = open_archive(Path(home), db_url)
        try:
            result = ingest_files(archive, actor, [Path(p) for p in paths], unit, _QueueProgress(queue))
        finally:
            archive.close()
        queue.put(("done", {"batch": result["batch"], "counts": result["counts"]}))
    except SohoaError as exc:
        queue.put(("failed", exc.message))
    except BaseException as exc:  # noqa: BLE001 - the desk shows that it failed; the log has the rest
        log.exception("upload failed")
        queue.put(("failed", _("lỗi nội bộ (%(kind)s)") % {"kind": type(exc).__name__}))


def run_upload(
    archive: Archive, actor: Actor, paths: list[Path], unit: str, on_event: Callable[[str, Any], None]
) -> None:
    """Ingest an upload in a process of its own and pass its progress to ``on_event`` until it ends.

    The ingest pipeline owns its process (it sets signal handlers, which only a main thread may,
    and runs a pool of OCR workers), so a server thread never runs it in place; the batch rows it
    writes are what any page reads back, whichever process serves it.
    """
    check_upload(archive, actor, unit)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    url = archive.engine.url.render_as_string(hide_password=False)
    worker = context.Process(
        target=_ingest_process,
        args=(str(archive.home), url, actor, [str(p) for p in paths], unit, queue, i18n.current_language()),
        name="sohoa-upload",
    )
    worker.start()
    ended = False
    while not ended:
        try:
            kind, value = queue.get(timeout=1.0)
        except Empty:
            if not worker.is_alive():
                on_event(
                    "failed", _("tiến trình số hóa dừng bất thường (mã %(code)s)") % {"code": worker.exitcode}
                )
                break
            continue
        on_event(kind, value)
        ended = kind in ("done", "failed")
    worker.join()


def list_batches(archive: Archive, actor: Actor, limit: int = 50) -> list[dict[str, Any]]:
    """The newest batches in the actor's units, each with its failed files and their reasons."""
    actor.require("ingest")
    with archive.sessions() as session:
        found = batch_ops.list_batches(session, failed_only=False, limit=limit, tz=archive.tz)
        failed = {
            b.id: b for b in batch_ops.list_batches(session, failed_only=True, limit=limit, tz=archive.tz)
        }
    codes = None if actor.unit_codes is None else set(actor.unit_codes)
    out = []
    for b in found:
        if codes is not None and b.unit_code not in codes:
            continue
        data = b.to_json()
        data["failed"] = [
            {"path": Path(f.path).name, "reason_code": f.reason_code, "message": batch_ops.clerk_message(
                f.reason_code or "", f.message or "")}
            for f in (failed[b.id].failed or [] if b.id in failed else [])
        ]  # fmt: skip
        data["started"] = b.started_at.strftime("%d/%m/%Y %H:%M")
        out.append(data)
    return out
