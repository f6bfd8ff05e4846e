"""``/api/``: JSON with the CLI's contracts, for scripts holding a bearer token (or a session).

``GET /api/search`` is ``sohoa search --json``'s object, ``GET /api/documents/ID`` is
``sohoa show --json``'s, ``GET /api/report?period=`` is ``sohoa report --format json``'s.
Keys and error codes are language-neutral; only ``message`` is for people.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sohoa.app import documents as app_documents
from sohoa.app import reports as app_reports
from sohoa.app import uploads as app_uploads
from sohoa.errors import UsageError
from sohoa.i18n import _
from sohoa.web.pages import search_request


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise UsageError(_("%(name)s: '%(raw)s' không phải số") % {"name": name, "raw": raw}) from None
    if not low <= value <= high:
        raise UsageError(
            _("%(name)s: %(value)s nằm ngoài %(low)s..%(high)s")
            % {"name": name, "value": value, "low": low, "high": high}
        )
    return value


async def search(request: Request) -> Response:
    limit = _int_param(request, "limit", 10, 1, 1000)
    offset = _int_param(request, "offset", 0, 0, 10**9)
    asked = search_request(request.query_params, limit, offset)
    if asked.sort not in ("relevance", "date"):
        raise UsageError(f"sort: '{asked.sort}' (must be relevance or date)")
    data = await run_in_threadpool(
        app_documents.search, request.app.state.archive, request.state.actor, asked
    )
    return JSONResponse(data)


async def document(request: Request) -> Response:
    data = await run_in_threadpool(
        app_documents.show, request.app.state.archive, request.state.actor, request.path_params["id"]
    )
    return JSONResponse(data)


async def report(request: Request) -> Response:
    params = request.query_params
    result = await run_in_threadpool(
        lambda: app_reports.report(
            request.app.state.archive, request.state.actor, unit=params.get("unit") or None,
            period=params.get("period") or None, fmt="json",
        )
    )  # fmt: skip
    return JSONResponse(result.to_json())


async def batches(request: Request) -> Response:
    found = await run_in_threadpool(
        app_uploads.list_batches, request.app.state.archive, request.state.actor, 50
    )
    return JSONResponse(found)


async def jobs(request: Request) -> Response:
    found = await run_in_threadpool(app_uploads.list_jobs, request.app.state.archive, request.state.actor, 20)
    return JSONResponse(found)


async def job(request: Request) -> Response:
    """One upload's progress (the batches page polls it), read from the database."""
    found = await run_in_threadpool(
        app_uploads.job_status, request.app.state.archive, request.state.actor, request.path_params["id"]
    )
    return JSONResponse(found)


async def me(request: Request) -> Response:
    actor = request.state.actor
    return JSONResponse({"name": actor.name, "role": actor.role, "units": list(actor.unit_codes or [])})
