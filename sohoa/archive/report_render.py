"""Writing a ``Report`` for people and for the province's spreadsheets.

* ``table``: a coloured terminal table (rich) with a bar per unit filling toward its target.
* ``csv``: UTF-8 with a BOM (Excel opens Vietnamese correctly), comma-separated, ``.`` decimals,
  dates ``dd/mm/yyyy``, ``N/A`` where a denominator is 0 — one line per unit and ``Tổng cộng``.
* ``json``: the documented shape (``Report.to_json``).
* ``html``: one self-contained file (inline CSS and SVG, no script, no network), Vietnamese
  labels, a bar per unit against its target line and the total's progress week by week.
* ``xlsx``: the same lines with real numbers and dates, and a sheet of the weekly progress.

Labels are Vietnamese because managers read them; the figures' definitions are in ``reports``.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import IO, Any

from rich.table import Table
from rich.text import Text

from sohoa.i18n import N_, _, current_language

from .reports import BEHIND, ON_TRACK, REACHED, Report, UnitProgress

FORMATS = ("table", "csv", "json", "html", "xlsx")

#: (key, Vietnamese label) of each figure, in the order every format shows them.
LABELS: tuple[tuple[str, str], ...] = (
    ("backlog", N_("Tồn đọng tại mốc")),
    ("backlog_digitised", N_("Tồn đọng đã số hóa")),
    ("backlog_percent", N_("Tỷ lệ tồn đọng (%)")),
    ("target_percent", N_("Chỉ tiêu (%)")),
    ("remaining", N_("Còn phải số hóa")),
    ("weekly_pace", N_("Tốc độ (bản/tuần)")),
    ("projected_date", N_("Dự kiến đạt chỉ tiêu")),
    ("status", N_("Trạng thái")),
    ("new_issued", N_("KQ mới ban hành")),
    ("new_digitised", N_("KQ mới đã số hóa")),
    ("new_percent", N_("Tỷ lệ KQ mới (%)")),
    ("pages", N_("Số trang đã số hóa")),
)
TOTAL_LABEL = N_("Tổng cộng")
NA = "N/A"
_COLOURS = {REACHED: "green", ON_TRACK: "yellow", BEHIND: "red"}
_HTML_COLOURS = {REACHED: "#2e7d32", ON_TRACK: "#f9a825", BEHIND: "#c62828", None: "#9e9e9e"}


def _vn_number(value: float) -> str:
    """``1234.5`` -> ``1.234,50``: how Vietnamese write numbers."""
    text = f"{value:,.2f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _vn_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else NA


def _title(report: Report) -> str:
    p = report.period
    return _(
        "Báo cáo tiến độ số hóa kết quả giải quyết TTHC — kỳ %(period)s (%(start)s–%(end)s), "
        "số liệu đến %(as_of)s"
    ) % {"period": p.label, "start": _day(p.start), "end": _day(p.end), "as_of": _day(report.as_of)}


def _lines(report: Report) -> list[UnitProgress]:
    return [*report.units, report.total]


def _name(line: UnitProgress) -> str:
    return line.unit if line.unit is not None else _(TOTAL_LABEL)


def _display(line: UnitProgress, key: str) -> str:
    """A figure as a person reads it (comma decimals, dd/mm/yyyy, N/A)."""
    value = getattr(line, key)
    if key in ("backlog_percent", "new_percent", "target_percent", "weekly_pace"):
        return NA if value is None else _vn_number(value)
    if key == "projected_date":
        return _day(value) if value else ("—" if line.status == REACHED else NA)
    if key == "status":
        return value or NA
    return _vn_int(value)


# -- terminal ------------------------------------------------------------------------------
def _bar(line: UnitProgress, width: int = 10) -> Text:
    """Filled toward the unit's target: a full bar means the target is reached."""
    if line.backlog_percent is None:
        return Text("·" * width, style="dim")
    share = min(1.0, line.backlog_percent / line.target_percent) if line.target_percent else 1.0
    filled = round(share * width)
    colour = _COLOURS.get(line.status or "", "white")
    return Text("█" * filled, style=colour) + Text("░" * (width - filled), style="dim")


#: Short headers for the terminal (14 columns must fit a wide terminal); the legend spells them out.
_SHORT: tuple[tuple[str, str], ...] = (
    ("backlog", N_("Tồn đọng")),
    ("backlog_digitised", N_("Đã SH")),
    ("backlog_percent", "%"),
    ("target_percent", "CT %"),
    ("remaining", N_("Còn thiếu")),
    ("weekly_pace", N_("Bản/tuần")),
    ("projected_date", N_("Dự kiến đạt")),
    ("status", N_("Trạng thái")),
    ("new_issued", N_("KQ mới")),
    ("new_digitised", N_("Mới đã SH")),
    ("new_percent", N_("% mới")),
    ("pages", "Trang"),
)
TABLE_LEGEND = N_(
    "Tồn đọng: kết quả còn hiệu lực chưa lưu kho tại ngày mốc; Đã SH: đã số hóa; CT: chỉ tiêu; "
    "Bản/tuần: tốc độ 4 tuần gần nhất; KQ mới: kết quả ban hành trong kỳ (chỉ tiêu 100%); "
    "Trang: số trang số hóa trong kỳ; N/A: mẫu số bằng 0."
)


def render_table(report: Report) -> Table:
    """A rich table; the CLI prints it on stdout (with ``TABLE_LEGEND`` under it)."""
    table = Table(title=_title(report), title_justify="left", header_style="bold", caption=_(TABLE_LEGEND),
                  caption_justify="left")  # fmt: skip
    table.add_column(_("Đơn vị (gồm trực thuộc)"), no_wrap=True)
    table.add_column(_("Tiến độ"), no_wrap=True)
    for key, label in _SHORT:
        table.add_column(_(label), justify="left" if key == "status" else "right", no_wrap=True)
    for line in _lines(report):
        is_total = line.unit is None
        name = Text(("  " * line.depth) + _name(line), style="bold" if is_total else "")
        cells: list[Any] = [name, _bar(line)]
        for key, _label in _SHORT:
            text = _display(line, key)
            style = _COLOURS.get(line.status or "", "") if key == "status" else ""
            cells.append(Text(text, style=style + (" bold" if is_total else "")))
        table.add_row(*cells, end_section=line is report.units[-1])
    return table


# -- csv / json ----------------------------------------------------------------------------
def _plain(line: UnitProgress, key: str) -> str:
    """A figure for a spreadsheet: ``.`` decimals, dd/mm/yyyy, N/A."""
    value = getattr(line, key)
    if value is None:
        return NA
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def render_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_("Mã đơn vị"), _("Đơn vị"), *(_(label) for _key, label in LABELS)])
    for line in _lines(report):
        writer.writerow([line.code or "", _name(line), *(_plain(line, key) for key, _label in LABELS)])
    return "\ufeff" + buffer.getvalue()


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2)


# -- html ----------------------------------------------------------------------------------
_CSS = """
body{font-family:"Noto Sans","Segoe UI",Arial,sans-serif;margin:24px;color:#212121}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.sub{color:#616161;margin:0 0 16px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #e0e0e0;padding:4px 8px}
th{background:#eceff1;text-align:center}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold;background:#fafafa}
.s-dat{color:#2e7d32;font-weight:bold}.s-dung{color:#f57f17}.s-cham{color:#c62828;font-weight:bold}
.legend span{display:inline-block;margin-right:16px}.sw{display:inline-block;width:12px;height:12px;
vertical-align:middle;margin-right:4px}
dl{font-size:13px;color:#424242}dt{font-weight:bold;margin-top:6px}dd{margin-left:16px}
"""
_STATUS_CLASS = {REACHED: "s-dat", ON_TRACK: "s-dung", BEHIND: "s-cham"}


def _bars_svg(report: Report) -> str:
    """One horizontal bar per unit: its backlog percentage, with a tick at its own target."""
    lines = _lines(report)
    values = [ln.backlog_percent or 0.0 for ln in lines]
    scale_max = min(100.0, max([*values, *(ln.target_percent * 2 for ln in lines), 10.0]))
    label_w, bar_w, row_h = 290, 460, 22
    height = row_h * len(lines) + 40
    label = html.escape(_("Tỷ lệ số hóa tồn đọng theo đơn vị"))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 90}" height="{height}" '
        f'role="img" aria-label="{label}" font-size="12">'
    ]
    for tick in range(0, int(scale_max) + 1, 10 if scale_max > 40 else 5):
        x = label_w + bar_w * tick / scale_max
        out.append(f'<line x1="{x:.1f}" y1="10" x2="{x:.1f}" y2="{height - 24}" stroke="#eeeeee"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="#757575">{tick}%</text>')
    for i, line in enumerate(lines):
        y = 12 + i * row_h
        weight = ' font-weight="bold"' if line.unit is None else ""
        name = html.escape(("\u2003" * line.depth) + _name(line))
        out.append(f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end"{weight}>{name}</text>')
        colour = _HTML_COLOURS.get(line.status, "#9e9e9e")
        if line.backlog_percent is None:
            out.append(f'<text x="{label_w + 4}" y="{y + 14}" fill="#9e9e9e">{NA}</text>')
        else:
            width = bar_w * min(line.backlog_percent, scale_max) / scale_max
            out.append(f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="14" fill="{colour}"/>')
            out.append(
                f'<text x="{label_w + width + 4:.1f}" y="{y + 14}">{_vn_number(line.backlog_percent)}%</text>'
            )
        tx = label_w + bar_w * min(line.target_percent, scale_max) / scale_max
        out.append(
            f'<line x1="{tx:.1f}" y1="{y}" x2="{tx:.1f}" y2="{y + row_h}" stroke="#1565c0" '
            f'stroke-width="2" stroke-dasharray="4 2"/>'
        )
    out.append("</svg>")
    return "".join(out)


def _series_svg(report: Report) -> str:
    """The total's backlog percentage at the end of each week, against the target line."""
    points = [p for p in report.series if p.percent is not None]
    if not points:
        return (
            '<p class="sub">'
            + html.escape(_("Chưa có dữ liệu tồn đọng để vẽ tiến độ theo thời gian."))
            + "</p>"
        )
    width, height, left, bottom, top = 760, 260, 50, 30, 14
    target = report.total.target_percent
    y_max = min(100.0, max(target * 1.5, max(p.percent or 0 for p in points) * 1.1, 5.0))
    span = max(1, (points[-1].day - points[0].day).days)

    def xy(day: date, value: float) -> tuple[float, float]:
        x = left + (width - left - 20) * (day - points[0].day).days / span
        y = top + (height - top - bottom) * (1 - value / y_max)
        return x, y

    label = html.escape(_("Tiến độ số hóa tồn đọng theo tuần"))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-size="11" '
        f'role="img" aria-label="{label}">'
    ]
    for k in range(0, 5):
        value = y_max * k / 4
        _x, y = xy(points[0].day, value)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 20}" y2="{y:.1f}" stroke="#eeeeee"/>')
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#757575">{value:.0f}%</text>'
        )
    _x, ty = xy(points[0].day, min(target, y_max))
    out.append(
        f'<line x1="{left}" y1="{ty:.1f}" x2="{width - 20}" y2="{ty:.1f}" stroke="#1565c0" '
        f'stroke-dasharray="6 3" stroke-width="2"/>'
        f'<text x="{width - 22}" y="{ty - 4:.1f}" text-anchor="end" fill="#1565c0">'
        + html.escape(_("Chỉ tiêu %(percent)s%%") % {"percent": _vn_number(target)})
        + "</text>"
    )
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(p.day, p.percent or 0.0) for p in points))
    out.append(f'<polyline points="{path}" fill="none" stroke="#2e7d32" stroke-width="2"/>')
    step = max(1, len(points) // 8)
    for i, p in enumerate(points):
        x, y = xy(p.day, p.percent or 0.0)
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#2e7d32">'
            f"<title>{_day(p.day)}: {p.digitised} bản, {_vn_number(p.percent or 0.0)}%</title></circle>"
        )
        if i % step == 0 or i == len(points) - 1:
            out.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" fill="#757575">'
                       f"{p.day:%d/%m}</text>")  # fmt: skip
    out.append("</svg>")
    return "".join(out)


_DEFINITIONS = (
    (N_("Tồn đọng tại mốc"), N_("Kết quả đã giải quyết, còn hiệu lực, ban hành trước ngày mốc của đơn vị và "
     "chưa được số hóa, lưu kho tại ngày mốc (theo sổ theo dõi / phần mềm một cửa).")),
    (N_("Tồn đọng đã số hóa"), N_("Số kết quả tồn đọng đã có bản số hóa trong kho (gắn với văn bản đã số "
     "hóa, hoặc sổ ghi đã lưu kho) đến ngày lấy số liệu.")),
    (N_("Còn phải số hóa"), N_("Số bản còn thiếu để đạt chỉ tiêu (làm tròn lên: ít nhất 20% tồn đọng).")),
    (N_("Tốc độ"), N_("Số kết quả tồn đọng được số hóa trong 4 tuần gần nhất trước ngày lấy số liệu, chia "
     "cho 4.")),
    (N_("Dự kiến đạt chỉ tiêu"), N_("Ngày đạt chỉ tiêu nếu giữ tốc độ hiện tại; N/A khi tốc độ bằng 0.")),
    (N_("Trạng thái"), N_("Đạt: đã đạt chỉ tiêu; đúng tiến độ: dự kiến đạt trước hạn (31/12 hoặc hạn riêng); "
     "chậm tiến độ: dự kiến không kịp hạn.")),
    (N_("KQ mới"), N_("Kết quả ban hành trong kỳ và số đã được số hóa (chỉ tiêu 100%); đơn vị chưa nhập "
     "sổ thì tính theo văn bản đã số hóa có ngày ban hành trong kỳ.")),
    ("N/A", N_("Không tính được vì mẫu số bằng 0.")),
)  # fmt: skip


def render_html(report: Report) -> str:
    head = "".join("<th>" + html.escape(_(label)) + "</th>" for _key, label in LABELS)
    body: list[str] = []
    for line in _lines(report):
        cls = ' class="total"' if line.unit is None else ""
        name = html.escape(_name(line))
        cells = [f'<td style="padding-left:{8 + 16 * line.depth}px">{name}</td>']
        for key, _label in LABELS:
            text = html.escape(_display(line, key))
            if key == "status":
                cells.append(f'<td class="{_STATUS_CLASS.get(line.status or "", "")}">{text}</td>')
            else:
                cells.append(f'<td class="n">{text}</td>')
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    legend = "".join(
        f'<span><i class="sw" style="background:{_HTML_COLOURS[s]}"></i>{html.escape(s)}</span>'
        for s in (REACHED, ON_TRACK, BEHIND)
    )
    shown = [(html.escape(_(term)), html.escape(_(meaning))) for term, meaning in _DEFINITIONS]
    definitions = "".join(f"<dt>{term}</dt><dd>{meaning}</dd>" for term, meaning in shown)
    total = report.total
    summary = _(
        "Toàn bộ: tồn đọng %(backlog)s kết quả, đã số hóa %(digitised)s (%(backlog_percent)s%%), "
        "chỉ tiêu %(target)s%%; kết quả mới %(new_digitised)s/%(new_issued)s (%(new_percent)s%%)."
    ) % {
        "backlog": _vn_int(total.backlog),
        "digitised": _vn_int(total.backlog_digitised),
        "backlog_percent": _display(total, "backlog_percent"),
        "target": _vn_number(total.target_percent),
        "new_digitised": _vn_int(total.new_digitised),
        "new_issued": _vn_int(total.new_issued),
        "new_percent": _display(total, "new_percent"),
    }
    headings = {
        "bars": html.escape(_("Tỷ lệ số hóa tồn đọng so với chỉ tiêu (vạch xanh)")),
        "weeks": html.escape(_("Tiến độ số hóa tồn đọng theo tuần (toàn bộ)")),
        "figures": html.escape(_("Số liệu chi tiết")),
        "unit": html.escape(_("Đơn vị (gồm đơn vị trực thuộc)")),
        "how": html.escape(_("Cách tính")),
    }
    return (
        f'<!DOCTYPE html><html lang="{current_language()}"><head><meta charset="utf-8">'
        f"<title>{html.escape(_title(report))}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(_title(report))}</h1><p class='sub'>{html.escape(summary)}</p>"
        f"<h2>{headings['bars']}</h2>"
        f"<p class='legend'>{legend}</p>{_bars_svg(report)}"
        f"<h2>{headings['weeks']}</h2>{_series_svg(report)}"
        f"<h2>{headings['figures']}</h2><table><thead><tr><th>{headings['unit']}</th>{head}</tr>"
        f"</thead><tbody>{''.join(body)}</tbody></table>"
        f"<h2>{headings['how']}</h2><dl>{definitions}</dl></body></html>\n"
    )


# -- xlsx ----------------------------------------------------------------------------------
def render_xlsx(report: Report, out: Path | IO[bytes]) -> None:
    """A workbook: 'Báo cáo' with the lines, 'Tiến độ theo tuần' with the total's weekly progress."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = _("Báo cáo")
    sheet.append([_title(report)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    header = [_("Mã đơn vị"), _("Đơn vị"), *(_(label) for _key, label in LABELS)]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="ECEFF1")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    formats: dict[str, str] = {"backlog_percent": "0.00", "new_percent": "0.00", "target_percent": "0.00",
                               "weekly_pace": "0.00", "projected_date": "DD/MM/YYYY"}  # fmt: skip
    for line in _lines(report):
        values: list[Any] = [line.code or "", ("  " * line.depth) + _name(line)]
        for key, _label in LABELS:
            value = getattr(line, key)
            values.append(NA if value is None else value)
        sheet.append(values)
        row = sheet.max_row
        for index, (key, _label) in enumerate(LABELS, start=3):
            if key in formats and getattr(line, key) is not None:
                sheet.cell(row=row, column=index).number_format = formats[key]
        if line.unit is None:
            for cell in sheet[row]:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "C4"
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 42
    for index in range(3, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 14
    weekly = book.create_sheet(_("Tiến độ theo tuần"))
    weekly.append([_("Đến ngày"), _("Tồn đọng đã số hóa"), _("Tỷ lệ (%)"), _("Chỉ tiêu (%)")])
    for cell in weekly[1]:
        cell.font = Font(bold=True)
    for point in report.series:
        weekly.append([point.day, point.digitised, NA if point.percent is None else point.percent,
                       report.total.target_percent])  # fmt: skip
        weekly.cell(row=weekly.max_row, column=1).number_format = "DD/MM/YYYY"
    for letter in "ABCD":
        weekly.column_dimensions[letter].width = 20
    book.save(out)


RENDERERS: dict[str, Callable[[Report], str]] = {"csv": render_csv, "json": render_json, "html": render_html}
