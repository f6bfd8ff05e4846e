"""Templates and the small formatting rules every page shares (dates dd/mm/yyyy, highlights)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from sohoa import i18n
from sohoa.app.actor import ROLE_LABELS
from sohoa.app.documents import MARK_END, MARK_START
from sohoa.i18n import lazy_gettext as L_
from sohoa.web.security import CSRF_FIELD, csrf_token

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

FIELD_LABELS = {
    "doc_type": L_("Loại văn bản"),
    "title": L_("Tên loại / tiêu đề"),
    "number": L_("Số, ký hiệu"),
    "issued_date": L_("Ngày ban hành"),
    "issuer": L_("Cơ quan ban hành"),
    "place": L_("Địa danh"),
    "summary": L_("Trích yếu"),
    "signer": L_("Người ký"),
    "signer_title": L_("Chức vụ người ký"),
    "subject_names": L_("Họ tên công dân"),
    "id_numbers": L_("Số định danh (CCCD/CMND)"),
    "field": L_("Lĩnh vực"),
    "dossier_code": L_("Mã hồ sơ"),
    "procedure_code": L_("Mã thủ tục"),
    "valid_until": L_("Hiệu lực đến"),
}
SOURCE_LABELS = {"auto": L_("tự động"), "manual": L_("sửa tay")}


def vn_date(value: Any) -> str:
    """dd/mm/yyyy with leading zeros, from a date, a datetime or an ISO string ('' for nothing)."""
    return i18n.format_date(value)


def vn_datetime(value: Any) -> str:
    return i18n.format_datetime(value)


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
# {% trans %} and _() in the templates answer in the request's language (set by LanguageMiddleware)
templates.env.add_extension("jinja2.ext.i18n")
templates.env.policies["ext.i18n.trimmed"] = True
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
# the switch in the header: each language named in itself
templates.env.globals["LANGUAGE_LINKS"] = [(code, i18n.LANGUAGE_NAMES[code]) for code in ("en", "vi")]


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the actor, the CSRF field and the current path."""
    context.setdefault("actor", getattr(request.state, "actor", None))
    context["lang"] = i18n.current_language()
    token = csrf_token(request)
    context["csrf"] = Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')
    return templates.TemplateResponse(request, template, context, status_code=status_code)
