"""Managers' figures: progress toward the year's targets, per unit, and its exports.

The report first matches newly digitised documents to the register (a write, owned here, not by
a front), then computes the figures for the actor's unit; a scoped manager with several units
names one of them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from sohoa.app.actor import Actor
from sohoa.archive import audit, matching, report_render
from sohoa.archive import reports as report_ops
from sohoa.archive import units as unit_ops
from sohoa.archive.reports import Report
from sohoa.archive.store import Archive
from sohoa.errors import UsageError
from sohoa.i18n import _

FORMATS = report_render.FORMATS
#: What each export is sent as on the desk.
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class ReportResult:
    """A computed report and how to render it; ``to_json`` is ``report --format json``'s object."""

    report: Report

    def to_json(self) -> dict[str, Any]:
        return self.report.to_json()

    def render(self, fmt: str) -> str | bytes:
        """The report as ``fmt`` (csv, json, html: text; xlsx: bytes)."""
        if fmt == "xlsx":
            out = io.BytesIO()
            report_render.render_xlsx(self.report, out)
            return out.getvalue()
        if fmt not in report_render.RENDERERS:
            raise UsageError(_("định dạng '%(fmt)s' không hỗ trợ") % {"fmt": fmt})
        return report_render.RENDERERS[fmt](self.report)

    def table(self) -> Any:
        """The rich table the CLI prints."""
        return report_render.render_table(self.report)


def report(
    archive: Archive,
    actor: Actor,
    *,
    unit: str | None = None,
    period: str | None = None,
    as_of: date | None = None,
    fmt: str = "json",
    match: bool = True,
    exported_to: str | None = None,
    series: bool = False,
) -> ReportResult:
    """The report for ``period`` (default: this year), audited as a report or, with
    ``exported_to``, as an export of that file name; ``series`` adds the weekly progress (the
    HTML and XLSX exports always have it; the desk's dashboard shows its last weeks)."""
    actor.require("report")
    acting = actor.acting_archive(archive)
    today = archive.today()  # the archive's day, whatever the machine's or the database's zone
    try:
        chosen = report_ops.parse_period(period, today)
    except ValueError as exc:
        raise UsageError(f"--period: {exc}") from None
    if match:
        matching.match_documents(acting, new_only=True)
    with archive.sessions() as session:
        target = _report_unit(session, actor, unit)
        result = report_ops.compute_report(
            session, period=chosen, unit=target, as_of=as_of, with_series=series or fmt in ("html", "xlsx"),
            today=today, tz=archive.tz,
        )  # fmt: skip
        unit_id = target.id if target else None
    audit.record(
        acting,
        "export" if exported_to is not None else "report",
        unit_id=unit_id,
        detail={"period": chosen.label, "as_of": result.as_of, "format": fmt, "file": exported_to},
    )
    return ReportResult(result)


def _report_unit(session: Any, actor: Actor, unit: str | None) -> Any:
    """The unit the report is about: the one named (within the actor's), else the actor's only
    top unit; an admin without a unit gets every unit."""
    if unit:
        chosen = unit_ops.resolve_unit(session, unit)
        if not actor.sees_unit(chosen.id):
            raise UsageError(_("đơn vị '%(unit)s' nằm ngoài các đơn vị của bạn") % {"unit": unit})
        return chosen
    if actor.unit_ids is None:
        return None
    tops = _top_units(session, actor)
    if len(tops) == 1:
        return tops[0]
    if not tops:
        raise UsageError(_("bạn chưa được giao đơn vị nào: hỏi quản trị viên"))
    names = ", ".join(u.name for u in tops)
    raise UsageError(_("chọn một đơn vị: %(names)s") % {"names": names})


def _top_units(session: Any, actor: Actor) -> list[Any]:
    """The actor's units that are not below another of their units."""
    units = [u for u in unit_ops.all_units(session) if actor.unit_ids and u.id in actor.unit_ids]
    return [u for u in units if u.parent_id not in (actor.unit_ids or ())]
