"""The desk's HTML pages: each parses the request, calls ``sohoa.app`` as the actor, renders.

Use-case calls are blocking (database, index, files): they run in the thread pool so one slow
request never stalls the others.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

from sohoa.app import documents as app_documents
from sohoa.app import reports as app_reports
from sohoa.app import review as app_review
from sohoa.app import trail as app_trail
from sohoa.app import units as app_units
from sohoa.app import uploads as app_uploads
from sohoa.app import users as app_users
from sohoa.app.documents import SearchRequest
from sohoa.errors import UnitError, UsageError
from sohoa.i18n import N_, _
from sohoa.text import nfc
from sohoa.web.render import page

PAGE_SIZE = 10


def _actor(request: Request) -> Any:
    return request.state.actor


def _archive(request: Request) -> Any:
    return request.app.state.archive


def _day(value: str | None, label: str) -> date | None:
    """A day from a form: yyyy-mm-dd (date inputs) or dd/mm/yyyy (typed)."""
    if not value:
        return None
    text = value.strip()
    try:
        if "/" in text:
            d, m, y = text.split("/")
            return date(int(y), int(m), int(d))
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            _("%(label)s: '%(text)s' không phải ngày: viết 10/06/2024") % {"label": _(label), "text": text}
        ) from None


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value))) if value else default
    except ValueError:
        return default


# -- log in / out ------------------------------------------------------------------------------
async def home(request: Request) -> Response:
    actor = _actor(request)
    target = {"clerk": "/review", "manager": "/dashboard"}.get(actor.role, "/search")
    return RedirectResponse(target, status_code=303)


async def login_form(request: Request) -> Response:
    return page(request, "login.html", next=request.query_params.get("next", "/"))


def _safe_next(value: Any) -> str:
    text = str(value or "/")
    return text if text.startswith("/") and not text.startswith("//") else "/"


async def login(request: Request) -> Response:
    form = request.state.form
    name, password = nfc(str(form.get("name", ""))).strip(), str(form.get("password", ""))
    address = request.client.host if request.client else "?"
    throttle = request.app.state.throttle
    target = _safe_next(form.get("next"))
    if throttle.blocked(name, address):
        return page(
            request, "login.html", status_code=429, next=target, name=name,
            message=_("Đăng nhập sai quá nhiều lần: thử lại sau 15 phút."),
        )  # fmt: skip
    actor = await run_in_threadpool(app_users.authenticate_password, _archive(request), name, password)
    if actor is None:
        throttle.failed(name, address)
        return page(
            request, "login.html", status_code=401, next=target, name=name,
            message=_("Tên đăng nhập hoặc mật khẩu không đúng."),
        )  # fmt: skip
    throttle.succeeded(name, address)
    request.session.clear()  # a fresh session (and CSRF token) for the logged-in user
    request.session["uid"] = actor.user_id
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


# -- search and documents ----------------------------------------------------------------------
def search_request(params: Any, limit: int, offset: int) -> SearchRequest:
    """The search options from query parameters (the page's and ``/api/search``'s, same names)."""
    return SearchRequest(
        query=nfc(params.get("q", "")).strip(),
        unit=params.get("unit") or None,
        doc_type=params.get("type") or None,
        field=params.get("field") or None,
        date_from=_day(params.get("from"), N_("từ ngày")),
        date_to=_day(params.get("to"), N_("đến ngày")),
        sort=params.get("sort") or "relevance",
        limit=limit,
        offset=offset,
    )


async def _typed_unit(request: Request, typed: str | None) -> str | None:
    """A unit field's text (a code, or a name typed with or without diacritics) as a unit code."""
    if not typed:
        return None
    return await run_in_threadpool(app_units.choose_unit, _archive(request), _actor(request), typed)


async def units_suggest(request: Request) -> Response:
    """``/api/units?q=`` -> the few units of the caller matching the typed text (type-ahead)."""
    found = await run_in_threadpool(
        app_units.suggest_units, _archive(request), _actor(request), request.query_params.get("q", "")
    )
    return JSONResponse(found)


async def search_page(request: Request) -> Response:
    params = request.query_params
    actor, archive = _actor(request), _archive(request)
    units = await run_in_threadpool(app_units.visible_units, archive, actor)
    page_no = _int(params.get("page"), 1, 1, 10_000)
    asked = any(params.get(k) for k in ("q", "unit", "type", "field", "from", "to"))
    result, message = None, None
    if asked:
        try:
            code = await _typed_unit(request, params.get("unit"))
        except (UnitError, UsageError) as exc:
            return page(
                request, "search.html", status_code=400, result=None, params=params, units=units, page_no=1,
                pages=0, message=exc.message, page_link=lambda n: "/search",
            )  # fmt: skip
        request_ = dataclasses.replace(
            search_request(params, PAGE_SIZE, (page_no - 1) * PAGE_SIZE), unit=code
        )
        result = await run_in_threadpool(app_documents.search, archive, actor, request_)
    pages = ((result["total"] + PAGE_SIZE - 1) // PAGE_SIZE) if result else 0
    keep = {k: v for k, v in params.items() if k != "page" and v}
    return page(
        request, "search.html", result=result, params=params, units=units, page_no=page_no, pages=pages,
        message=message, page_link=lambda n: "/search?" + urlencode({**keep, "page": n}),
    )  # fmt: skip


async def document_page(request: Request, template: str = "document.html") -> Response:
    doc = await run_in_threadpool(
        app_documents.show, _archive(request), _actor(request), request.path_params["id"]
    )
    return page(request, template, doc=doc, may_download=_actor(request).may("download"))


async def document_print(request: Request) -> Response:
    return await document_page(request, "document_print.html")


async def page_png(request: Request) -> Response:
    png = await run_in_threadpool(
        app_documents.page_image,
        _archive(request),
        _actor(request),
        request.path_params["id"],
        request.path_params["n"],
    )
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


async def _download(request: Request, kind: str) -> Response:
    found = await run_in_threadpool(
        app_documents.download, _archive(request), _actor(request), request.path_params["id"], kind
    )
    return FileResponse(found.path, media_type=found.media_type, filename=found.filename)


async def download_original(request: Request) -> Response:
    return await _download(request, "original")


async def download_pdf(request: Request) -> Response:
    return await _download(request, "pdf")


# -- review ------------------------------------------------------------------------------------
async def review_list(request: Request) -> Response:
    actor, archive = _actor(request), _archive(request)
    unit = request.query_params.get("unit") or None
    code = await _typed_unit(request, unit)
    entries = await run_in_threadpool(
        app_review.queue, archive, actor, code, app_review.DEFAULT_THRESHOLD, 50
    )
    units = await run_in_threadpool(app_units.visible_units, archive, actor)
    return page(
        request, "review.html", entries=entries, units=units, unit=unit or "", saved=request.query_params
    )


async def review_form(request: Request, message: str | None = None, status: int = 200) -> Response:
    actor, archive = _actor(request), _archive(request)
    actor.require("review")
    doc = await run_in_threadpool(app_documents.show, archive, actor, request.path_params["id"])
    return page(request, "review_form.html", status_code=status, doc=doc, message=message)


async def review_save(request: Request) -> Response:
    actor, archive = _actor(request), _archive(request)
    doc_id = request.path_params["id"]
    form = request.state.form
    action = str(form.get("action", "save"))
    current = await run_in_threadpool(app_documents.show, archive, actor, doc_id)
    changes: dict[str, str] = {}
    for name in app_review.EDITABLE_FIELDS:
        key = f"f_{name}"
        if key not in form:
            continue
        value = nfc(str(form.get(key, ""))).strip()
        old = current["fields"].get(name)
        old_text = "; ".join(old) if isinstance(old, list) else ("" if old is None else str(old))
        if name == "issued_date" or name == "valid_until":
            old_text = _display_day(old_text)
        if value != old_text:
            changes[name] = value
    try:
        if changes:
            await run_in_threadpool(app_review.edit, archive, actor, doc_id, changes)
    except UsageError as exc:
        return await review_form(request, message=exc.message, status=400)
    if action in ("accept", "next"):
        await run_in_threadpool(app_review.accept, archive, actor, [doc_id])
    if action == "next":
        queue = await run_in_threadpool(
            app_review.queue, archive, actor, None, app_review.DEFAULT_THRESHOLD, 1
        )
        if queue:
            return RedirectResponse(f"/review/{queue[0]['id']}", status_code=303)
        return RedirectResponse("/review?done=1", status_code=303)
    return RedirectResponse(f"/review/{doc_id}?saved=1", status_code=303)


def _display_day(value: str) -> str:
    """How the form shows a stored ISO day (dd/mm/yyyy), to tell an edit from an unchanged value."""
    parts = value.split("-")
    return f"{parts[2]}/{parts[1]}/{parts[0]}" if len(parts) == 3 else value


# -- upload and batches -------------------------------------------------------------------------
async def upload_form(request: Request) -> Response:
    actor, archive = _actor(request), _archive(request)
    actor.require("ingest")
    units = await run_in_threadpool(app_units.visible_units, archive, actor)
    return page(request, "upload.html", units=units)


def _save_uploads(files: list[Any], folder: Path) -> int:
    """Write the uploaded files into ``folder`` under the names the clerk chose; how many."""
    for number, item in enumerate(files):
        name = Path(nfc(item.filename).replace("\\", "/")).name.lstrip(".") or f"tep-{number}"
        target = folder / name  # the batch lists files by the names the clerk chose
        if target.exists():  # two files of one name (from two folders): each keeps its name
            (folder / str(number)).mkdir()
            target = folder / str(number) / name
        with open(target, "wb") as out:
            shutil.copyfileobj(item.file, out)
    return len(files)


async def upload(request: Request) -> Response:
    actor, archive = _actor(request), _archive(request)
    form = request.state.form
    unit = await run_in_threadpool(app_units.choose_unit, archive, actor, str(form.get("unit", "")))
    await run_in_threadpool(app_uploads.check_upload, archive, actor, unit)
    files = [f for f in form.getlist("files") if getattr(f, "filename", None)]
    if not files:
        raise UsageError(_("chưa chọn tệp nào"))
    archive.tmp_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=archive.tmp_dir))
    try:
        count = await run_in_threadpool(_save_uploads, files, folder)
        job_id = await run_in_threadpool(app_uploads.start_upload, archive, actor, folder, count, unit)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return RedirectResponse(f"/batches?job={job_id}", status_code=303)


async def batches_page(request: Request) -> Response:
    actor, archive = _actor(request), _archive(request)
    found = await run_in_threadpool(app_uploads.list_batches, archive, actor, 30)
    jobs = await run_in_threadpool(app_uploads.list_jobs, archive, actor, 10)
    running = any(j["state"] == "running" for j in jobs)
    return page(request, "batches.html", batches=found, jobs=jobs, running=running)


# -- dashboard and audit -------------------------------------------------------------------------
async def dashboard(request: Request) -> Response:
    actor, archive = _actor(request), _archive(request)
    period = request.query_params.get("period") or None
    unit = request.query_params.get("unit") or None
    code = await _typed_unit(request, unit)
    result = await run_in_threadpool(
        lambda: app_reports.report(archive, actor, unit=code, period=period, fmt="json", series=True)
    )
    units = await run_in_threadpool(app_units.visible_units, archive, actor)
    query = urlencode({k: v for k, v in (("period", period), ("unit", code)) if v})
    return page(
        request, "dashboard.html", report=result.report, period=period or "", unit=unit or "", units=units,
        query=query, trend=weekly_trend(result.report.series),
    )  # fmt: skip


#: How many of the last weeks the dashboard shows (the HTML export charts the whole period).
TREND_WEEKS = 8


def weekly_trend(series: list[Any], weeks: int = TREND_WEEKS) -> list[dict[str, Any]]:
    """The last ``weeks`` points of the report's weekly series, each with what was digitised in
    that week (the difference from the week before) beside the running total and its percentage."""
    rows, before = [], 0
    for point in series:
        rows.append({"day": point.day, "week": point.digitised - before, "total": point.digitised,
                     "percent": point.percent})  # fmt: skip
        before = point.digitised
    return rows[-weeks:]


async def dashboard_export(request: Request) -> Response:
    actor, archive = _actor(request), _archive(request)
    fmt = request.path_params["fmt"]
    if fmt not in app_reports.MEDIA_TYPES:
        raise UsageError(_("định dạng '%(fmt)s' không hỗ trợ: chọn csv, xlsx, html hoặc json") % {"fmt": fmt})
    period = request.query_params.get("period") or None
    unit = request.query_params.get("unit") or None
    filename = f"bao-cao-so-hoa.{fmt}"
    result = await run_in_threadpool(
        lambda: app_reports.report(archive, actor, unit=unit, period=period, fmt=fmt, exported_to=filename)
    )
    body = await run_in_threadpool(result.render, fmt)
    disposition = "inline" if fmt == "html" else f'attachment; filename="{filename}"'
    return Response(
        body, media_type=app_reports.MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition}
    )


async def audit_page(request: Request) -> Response:
    actor, archive = _actor(request), _archive(request)
    params = request.query_params
    document = _int(params.get("document"), 0, 0, 2**31)
    lines = await run_in_threadpool(
        lambda: app_trail.read_trail(
            archive, actor, user=params.get("user") or None, document_id=document or None,
            date_from=_day(params.get("from"), N_("từ ngày")), date_to=_day(params.get("to"), N_("đến ngày")),
            limit=200,
        )
    )  # fmt: skip
    return page(request, "audit.html", lines=lines, params=params)
