"""Clerks' uploads: files into a unit's batch through the public ``sohoa.ingest.ingest``, and
the batches as the desk lists them (state read from the database, so progress survives a reload)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sohoa.app.actor import Actor
from sohoa.app.scope import resolve_scope
from sohoa.archive import batches as batch_ops
from sohoa.archive.store import Archive
from sohoa.errors import UsageError
from sohoa.progress import Progress


def check_upload(archive: Archive, actor: Actor, unit: str) -> str:
    """Refuse early (before any file is saved) an upload the actor may not make; returns the unit code."""
    actor.require("ingest")
    if not unit:
        raise UsageError("chọn đơn vị của lô (choose the batch's unit)")
    with archive.sessions() as session:
        scope = resolve_scope(session, actor, unit)
        if scope.unit is None or (actor.unit_ids is not None and scope.unit.id not in actor.unit_ids):
            raise UsageError(
                f"đơn vị '{unit}' nằm ngoài các đơn vị của bạn (unit '{unit}' is not one of yours)"
            )
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
