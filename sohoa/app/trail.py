"""The audit trail as an admin reads it (reading it is itself recorded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sohoa.app.actor import Actor
from sohoa.archive import audit as audit_ops
from sohoa.archive.store import Archive
from sohoa.errors import UsageError
from sohoa.i18n import _


@dataclass(frozen=True)
class TrailLine:
    """One event: its ``sohoa audit --json`` object, and the Vietnamese words a table shows."""

    data: dict[str, Any]
    at: str  # dd/mm/yyyy hh:mm:ss in the archive's zone
    label: str
    description: str


def read_trail(
    archive: Archive,
    actor: Actor,
    *,
    user: str | None = None,
    document_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 100,
) -> list[TrailLine]:
    """The trail newest first, filtered; folds the spool first so the latest reads are in it."""
    actor.require("audit")
    if date_from and date_to and date_to < date_from:
        raise UsageError(_("ngày 'đến' trước ngày 'từ'"))
    acting = actor.acting_archive(archive)
    asked = {"user": user, "document": document_id, "from": date_from, "to": date_to}
    audit_ops.record(acting, "audit.read", detail=asked)
    audit_ops.fold_spool(acting)
    with archive.sessions() as session:
        entries = audit_ops.read_trail(
            session, archive.tz, actor=user, document_id=document_id,
            date_from=date_from, date_to=date_to, limit=limit,
        )  # fmt: skip
    return [
        TrailLine(
            e.to_json(),
            e.at.strftime("%d/%m/%Y %H:%M:%S"),
            str(audit_ops.ACTION_LABELS.get(e.action, e.action)),
            audit_ops.describe(e),
        )
        for e in entries
    ]


ACTION_LABELS = audit_ops.ACTION_LABELS
