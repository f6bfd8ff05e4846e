"""Clerks' uploads: files into a unit's batch through the public ``sohoa.ingest.ingest`` (or the
workers' queue when one is configured), and the jobs and batches as the desk lists them. Job
state lives in the database (``desk_jobs``), so progress survives a reload and a server restart.

``python -m sohoa.app.uploads HOME JOB`` is an upload's own process (see ``start_upload``).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from sohoa import i18n
from sohoa.app.actor import Actor
from sohoa.app.scope import resolve_scope
from sohoa.archive import batches as batch_ops
from sohoa.archive import jobs as job_ops
from sohoa.archive.store import Archive
from sohoa.errors import NotFoundError, SohoaError, UsageError
from sohoa.i18n import _

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


def queue_configured(archive: Archive) -> bool:
    """Whether uploads go to the workers' queue (issue 13: "web uploads go through the queue when one
    is configured"): a PostgreSQL archive every machine reaches and a broker named in
    ``SOHOA_BROKER_URL``. A SQLite archive, or no broker set, ingests on this machine."""
    return archive.engine.dialect.name == "postgresql" and bool(os.environ.get("SOHOA_BROKER_URL"))


def start_upload(archive: Archive, actor: Actor, folder: Path, files: int, unit: str) -> int:
    """Start ingesting the uploaded ``folder`` into ``unit`` in a process of its own; the job's id.

    The process outlives the server that started it (a restart does not stop an upload) and
    writes its progress into the job's row, which every page and ``/api/jobs`` read. The ingest
    pipeline needs a process anyway: it sets signal handlers, which only a main thread may, and
    runs a pool of OCR workers.
    """
    code = check_upload(archive, actor, unit)
    mode = "queue" if queue_configured(archive) else "local"
    job_id = job_ops.create_job(
        archive, actor=actor.name, user_id=actor.user_id, unit_code=code, mode=mode,
        folder=str(folder.relative_to(archive.home)), files=files,
    )  # fmt: skip
    env = dict(os.environ, SOHOA_DB_URL=archive.engine.url.render_as_string(hide_password=False))
    env["SOHOA_LANG"] = i18n.current_language()  # the job's messages are stored as the uploader reads them
    env.pop("SOHOA_USER", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "sohoa.app.uploads", str(archive.home), str(job_id)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    job_ops.set_job(archive, job_id, runner=job_ops.this_runner(process.pid))
    threading.Thread(
        target=_reap,
        args=(archive, job_id, process, i18n.current_language()),
        daemon=True,
        name=f"upload-{job_id}",
    ).start()
    return job_id


def _reap(archive: Archive, job_id: int, process: subprocess.Popen[bytes], lang: str) -> None:
    """Wait for the job's process (no zombie) and settle a job it left running (it was killed);
    the message is in ``lang``, the uploader's language (a new thread starts in the default)."""
    code = process.wait()
    if code != 0:
        with i18n.language(lang):
            message = _("tiến trình số hóa dừng bất thường (mã %(code)s)") % {"code": code}
        job_ops.end_job(archive, job_id, "failed", only_if_running=True, message=message)


def run_job(archive: Archive, job_id: int) -> None:
    """The body of an upload's process: ingest the job's folder (or queue it and follow the
    batch), writing progress and the end into the job's row; the folder is removed at the end."""
    from sohoa.app.users import actor_by_id
    from sohoa.ingest import IngestOptions, ingest

    job = job_ops.load_job(archive, job_id)
    if job is None or job.state != "running" or not job.folder:
        return
    folder = archive.home / job.folder
    progress = job_ops.JobProgress(archive, job_id)
    try:
        actor = actor_by_id(archive, job.user_id) if job.user_id is not None else None
        if actor is None:
            raise UsageError(_("người tải lên không còn hoạt động"))
        check_upload(archive, actor, job.unit_code)
        acting = actor.acting_archive(archive)
        options = IngestOptions(unit=job.unit_code)
        if job.mode == "queue":
            from sohoa.queue import desk

            started = time.monotonic()
            queued = desk.submit(acting, [folder], options, progress, wait=False)
            job_ops.set_job(archive, job_id, batch_id=queued.batch_id)
            report = desk.wait_for(
                acting, queued.batch_id, progress, resumed=queued.resumed, skipped=queued.skipped,
                started=started,
            )  # fmt: skip
        else:
            report = ingest(acting, [folder], options, progress)
        counts = {s: report.count(s) for s in ("stored", "duplicate", "failed", "pending")}
        job_ops.set_job(archive, job_id, batch_id=report.batch_id, counts=counts)
        job_ops.end_job(archive, job_id, "done")
    except SohoaError as exc:
        job_ops.end_job(archive, job_id, "failed", message=exc.message)
    except BaseException as exc:  # noqa: BLE001 - the desk shows that it failed; the log has the rest
        log.exception("upload job %s failed", job_id)
        job_ops.end_job(
            archive, job_id, "failed", message=_("lỗi nội bộ (%(kind)s)") % {"kind": type(exc).__name__}
        )
        if not isinstance(exc, Exception):
            raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def job_status(archive: Archive, actor: Actor, job_id: int) -> dict[str, Any]:
    """One job's progress, read from the database; another person's job is 404 as a missing one
    (an admin sees all)."""
    actor.require("ingest")
    found = job_ops.list_jobs(archive, actor=None if actor.role == "admin" else actor.name, job_id=job_id)
    if not found:
        raise NotFoundError(_("không có lần tải %(job)s") % {"job": job_id})
    return found[0].to_json()


def list_jobs(archive: Archive, actor: Actor, limit: int = 10) -> list[dict[str, Any]]:
    """The actor's newest uploads (an admin: everyone's), newest first, from the database."""
    actor.require("ingest")
    who = None if actor.role == "admin" else actor.name
    return [j.to_json() for j in job_ops.list_jobs(archive, actor=who, limit=limit)]


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
        data["started"] = i18n.format_datetime(b.started_at)  # already in the archive's zone
        out.append(data)
    return out


def main(argv: list[str]) -> int:
    """``python -m sohoa.app.uploads HOME JOB``: run one upload job (the database from SOHOA_DB_URL)."""
    from sohoa.archive.store import open_archive

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    home, job_id = Path(argv[0]), int(argv[1])
    archive = open_archive(home)
    try:
        run_job(archive, job_id)
    finally:
        archive.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
