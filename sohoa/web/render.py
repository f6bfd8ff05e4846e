"""Templates and the small formatting rules every page shares (dates dd/mm/yyyy, highlights)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from sohoa.app.actor import ROLE_LABELS
from sohoa.app.documents import MARK_END, MARK_START
from sohoa.web.security import CSRF_FIELD, csrf_token

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

FIELD_LABELS = {
    "doc_type": "Loại văn bản",
    "title": "Tên loại / tiêu đề",
    "number": "Số, ký hiệu",
    "issued_date": "Ngày ban hành",
    "issuer": "Cơ quan ban hành",
    "place": "Địa danh",
    "summary": "Trích yếu",
    "signer": "Người ký",
    "signer_title": "Chức vụ người ký",
    "subject_names": "Họ tên công dân",
    "id_numbers": "Số định danh (CCCD/CMND)",
    "field": "Lĩnh vực",
    "dossier_code": "Mã hồ sơ",
    "procedure_code": "Mã thủ tục",
    "valid_until": "Hiệu lực đến",
}
SOURCE_LABELS = {"auto": "tự động", "manual": "sửa tay"}
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def vn_date(value: Any) -> str:
    """dd/mm/yyyy with leading zeros, from a date, a datetime or an ISO string ('' for nothing)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    match = _ISO_DAY.match(str(value))
    return f"{match.group(3)}/{match.group(2)}/{match.group(1)}" if match else str(value)


def vn_datetime(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y %H:%M") if isinstance(value, datetime) else ""


def highlight(snippet: str) -> Markup:
    """A snippet with its matched words in ``<mark>``; everything else escaped."""
    out, rest = [], snippet
    while MARK_START in rest:
        before, _, tail = rest.partition(MARK_START)
        word, _, rest = tail.partition(MARK_END)
        out.append(f"{escape(before)}<mark>{escape(word)}</mark>")
    return Markup("".join(out) + str(escape(rest)))


def field_value(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


def percent(value: float | None) -> str:
    return "N/A" if value is None else f"{value:.2f}".replace(".", ",") + "%"


templates.env.filters.update(
    vn_date=vn_date, vn_datetime=vn_datetime, highlight=highlight, field_value=field_value, percent=percent
)
templates.env.globals.update(FIELD_LABELS=FIELD_LABELS, SOURCE_LABELS=SOURCE_LABELS, ROLE_LABELS=ROLE_LABELS)


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the actor, the CSRF field and the current path."""
    context.setdefault("actor", getattr(request.state, "actor", None))
    token = csrf_token(request)
    context["csrf"] = Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')
    return templates.TemplateResponse(request, template, context, status_code=status_code)
