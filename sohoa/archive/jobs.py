"""Desk jobs: the rows an upload's progress lives in (issue 11: "job state kept in the database").

The process doing the work writes the counts (``JobProgress``), any server process reads them:
a reload, a second server or a restarted one shows the same figures. A job still marked running
whose process is gone (the machine restarted, it was killed) is settled as ``interrupted`` by
the next reader on that machine, so a page never waits for ever.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from sohoa.clock import local_moment
from sohoa.i18n import N_, format_datetime, gettext

from .models import DeskJob, Unit, utcnow
from .store import Archive

STATES = ("running", "done", "failed", "interrupted")
#: Page counts are written at most this often (file ends and the end are written at once).
FLUSH_EVERY_S = 1.0
#: Stored as the Vietnamese msgid (whoever settles the job, in whatever language) and shown
#: translated to each reader (``_view``).
INTERRUPTED = N_(
    "tiến trình số hóa đã dừng giữa chừng (máy chủ khởi động lại hoặc bị tắt): tải lại các tệp chưa "
    "lưu; những tệp đã lưu được giữ nguyên"
)


@dataclass(frozen=True)
class JobView:
    """A job as pages and ``/api/jobs`` show it (no paths, no document text)."""

    id: int
    actor: str
    unit: str
    unit_name: str
    mode: str
    state: str
    files_total: int
    files_done: int
    files_failed: int
    pages_total: int
    pages_done: int
    batch: int | None
    counts: dict[str, int] | None
    message: str | None
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def this_runner(pid: int | None = None) -> str:
    return f"{socket.gethostname()}:{pid or os.getpid()}"


def create_job(
    archive: Archive, *, actor: str, user_id: int | None, unit_code: str, mode: str, folder: str, files: int
) -> int:
    """A new running job of ``files`` files; its id."""
    with archive.sessions.begin() as session:
        job = DeskJob(
            actor=actor, user_id=user_id, unit_code=unit_code, mode=mode, state="running",
            files_total=files, files_done=0, files_failed=0, pages_total=0, pages_done=0, folder=folder,
        )  # fmt: skip
        session.add(job)
        session.flush()
        return job.id


def load_job(archive: Archive, job_id: int) -> DeskJob | None:
    """The row itself (detached), for the process that runs the job."""
    with archive.sessions() as session:
        job = session.get(DeskJob, job_id)
        if job is not None:
            session.expunge(job)
        return job


def set_job(archive: Archive, job_id: int, **values: Any) -> None:
    with archive.sessions.begin() as session:
        session.execute(update(DeskJob).where(DeskJob.id == job_id).values(updated_at=utcnow(), **values))


def end_job(
    archive: Archive, job_id: int, state: str, *, message: str | None = None, only_if_running: bool = False
) -> None:
    """Mark the job ended (``done``, ``failed`` or ``interrupted``); ``only_if_running`` never
    overwrites an end its own process already wrote."""
    assert state in STATES and state != "running"
    with archive.sessions.begin() as session:
        query = update(DeskJob).where(DeskJob.id == job_id)
        if only_if_running:
            query = query.where(DeskJob.state == "running")
        now = utcnow()
        session.execute(query.values(state=state, message=message, finished_at=now, updated_at=now))


def list_jobs(
    archive: Archive, *, actor: str | None, job_id: int | None = None, limit: int = 10
) -> list[JobView]:
    """The newest jobs (of ``actor``, or everyone's with None), running ones whose process died on
    this machine settled as interrupted first."""
    _settle_orphans(archive)
    with archive.sessions() as session:
        query = select(DeskJob).order_by(DeskJob.id.desc()).limit(limit)
        if actor is not None:
            query = query.where(DeskJob.actor == actor)
        if job_id is not None:
            query = query.where(DeskJob.id == job_id)
        rows = list(session.scalars(query))
        codes = {row.unit_code for row in rows}
        names = (
            dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes))).all())
            if codes
            else {}
        )
        return [_view(archive, row, names.get(row.unit_code, row.unit_code)) for row in rows]


def _view(archive: Archive, row: DeskJob, unit_name: str) -> JobView:
    message = gettext(row.message) if row.message else None  # INTERRUPTED in the reader's language
    return JobView(
        id=row.id, actor=row.actor, unit=row.unit_code, unit_name=unit_name, mode=row.mode, state=row.state,
        files_total=row.files_total, files_done=row.files_done, files_failed=row.files_failed,
        pages_total=row.pages_total, pages_done=row.pages_done, batch=row.batch_id, counts=row.counts,
        message=message, created_at=format_datetime(local_moment(row.created_at, archive.tz)),
    )  # fmt: skip


def _alive(runner: str | None) -> bool | None:
    """Whether the runner process lives; None when it ran on another machine (we cannot tell)."""
    if not runner:
        return None
    host, _, pid = runner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _settle_orphans(archive: Archive) -> None:
    with archive.sessions() as session:
        running = session.execute(
            select(DeskJob.id, DeskJob.runner, DeskJob.folder).where(DeskJob.state == "running")
        ).all()
    for job_id, runner, folder in running:
        if _alive(runner) is False:
            end_job(archive, job_id, "interrupted", message=INTERRUPTED, only_if_running=True)
            _remove_upload_folder(archive, folder)


def _remove_upload_folder(archive: Archive, folder: str | None) -> None:
    """Drop a dead job's uploaded copies: what it stored is in the archive, the rest must be
    uploaded again (its message says so), and the copies hold personal data that should not
    linger in ``tmp/``. Only a folder inside the archive's ``tmp/`` is ever removed."""
    if not folder:
        return
    path = (archive.home / folder).resolve()
    tmp = (archive.home / "tmp").resolve()
    if path.parent == tmp and path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


class JobProgress:
    """The ingest's progress written into the job's row (a ``sohoa.progress.Progress``).

    File ends are written at once; page counts at most once a second, so a 500-page batch does not
    write 500 times; ``finish`` writes what is left.
    """

    def __init__(self, archive: Archive, job_id: int) -> None:
        self.archive, self.job_id = archive, job_id
        self.files_total = self.files_done = self.files_failed = 0
        self.pages_total = self.pages_done = 0
        self._written = 0.0

    def start(self, files: int) -> None:
        self.files_total = files
        self._flush()

    def pages_found(self, count: int) -> None:
        self.pages_total += count
        self._flush(lazy=True)

    def page_done(self, count: int = 1) -> None:
        self.pages_done += count
        self._flush(lazy=True)

    def file_done(self, name: str, status: str) -> None:
        if status != "pending":
            self.files_done += 1
        if status == "failed":
            self.files_failed += 1
        self._flush()

    def finish(self) -> None:
        self._flush()

    def _flush(self, lazy: bool = False) -> None:
        now = time.monotonic()
        if lazy and now - self._written < FLUSH_EVERY_S:
            return
        self._written = now
        set_job(
            self.archive, self.job_id, files_total=self.files_total, files_done=self.files_done,
            files_failed=self.files_failed, pages_total=self.pages_total, pages_done=self.pages_done,
        )  # fmt: skip
