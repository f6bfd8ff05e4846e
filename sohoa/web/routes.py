"""The desk's routes: the app factory, authorisation on every route, and error pages.

Every handler goes through :func:`guarded`: no valid session or token is 401 (the login page
for a browser, JSON for ``/api/``), a role that may not act is 403, a document outside the
caller's units is 404 as if it did not exist, a bad value is 400. Pages live in ``pages``, the
JSON API in ``api``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sohoa.app import ForbiddenError
from sohoa.errors import NotFoundError, SohoaError, UnitError, UsageError
from sohoa.i18n import _
from sohoa.web.language import LanguageMiddleware, choose_language
from sohoa.web.render import page
from sohoa.web.security import CSRF_FIELD, LoginThrottle, csrf_ok, request_actor, session_secret

Handler = Callable[[Request], Awaitable[Response]]
SESSION_HOURS = 10


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, code: str, message: str) -> Response:
    """The same refusal for people (a Vietnamese page) and scripts (JSON with a stable code)."""
    if _is_api(request):
        return JSONResponse({"error": code, "message": message}, status_code=status)
    titles = {
        400: _("Yêu cầu không hợp lệ"),
        401: _("Cần đăng nhập"),
        403: _("Không có quyền"),
        404: _("Không tìm thấy"),
        429: _("Thử lại sau"),
    }
    if status == 401:
        return page(request, "login.html", status_code=401, message=message, next=request.url.path)
    return page(
        request, "error.html", status_code=status, title=titles.get(status, _("Lỗi")), message=message
    )


def guarded(handler: Handler, *, login: bool = True, csrf: bool = True) -> Handler:
    """Authenticate (unless ``login`` is off), check CSRF on form posts, map errors to statuses."""

    @functools.wraps(handler)
    async def run(request: Request) -> Response:
        request.state.actor = None
        if login:
            actor = request_actor(request)
            if actor is None:
                return error_response(
                    request, 401, "unauthorized", _("Vui lòng đăng nhập (hoặc gửi một bearer token hợp lệ).")
                )
            request.state.actor = actor
        if csrf and request.method == "POST" and not request.headers.get("authorization"):
            form = await request.form()
            request.state.form = form
            if not csrf_ok(request, form.get(CSRF_FIELD)):  # type: ignore[arg-type]
                return error_response(
                    request,
                    400,
                    "csrf",
                    _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ: tải lại trang và gửi lại."),
                )
        try:
            return await handler(request)
        except ForbiddenError as exc:
            return error_response(request, 403, "forbidden", exc.message)
        except NotFoundError as exc:
            return error_response(request, 404, "not_found", exc.message)
        except (UsageError, UnitError) as exc:
            return error_response(request, 400, "bad_request", exc.message)
        except SohoaError as exc:
            return error_response(request, 500, "error", exc.message)

    return run


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_response(request, 404, "not_found", _("Không có trang này."))


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.url.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")  # pages hold personal data
    return response


def create_app(archive: Any, *, https_only: bool = False) -> Starlette:
    """The desk over ``archive`` (an open ``Archive``); ``https_only`` marks cookies Secure."""
    from starlette.middleware.base import BaseHTTPMiddleware

    from sohoa.web import api, pages

    routes = [
        Route("/", guarded(pages.home)),
        Route("/lang/{code:str}", guarded(choose_language, login=False)),
        Route("/login", guarded(pages.login_form, login=False), methods=["GET"]),
        Route("/login", guarded(pages.login, login=False), methods=["POST"]),
        Route("/logout", guarded(pages.logout, login=False), methods=["POST"]),
        Route("/search", guarded(pages.search_page)),
        Route("/documents/{id:int}", guarded(pages.document_page)),
        Route("/documents/{id:int}/print", guarded(pages.document_print)),
        Route("/documents/{id:int}/pages/{n:int}.png", guarded(pages.page_png)),
        Route("/documents/{id:int}/original", guarded(pages.download_original)),
        Route("/documents/{id:int}/pdf", guarded(pages.download_pdf)),
        Route("/review", guarded(pages.review_list)),
        Route("/review/{id:int}", guarded(pages.review_form), methods=["GET"]),
        Route("/review/{id:int}", guarded(pages.review_save), methods=["POST"]),
        Route("/upload", guarded(pages.upload_form), methods=["GET"]),
        Route("/upload", guarded(pages.upload), methods=["POST"]),
        Route("/batches", guarded(pages.batches_page)),
        Route("/dashboard", guarded(pages.dashboard)),
        Route("/dashboard/export.{fmt:str}", guarded(pages.dashboard_export)),
        Route("/audit", guarded(pages.audit_page)),
        Route("/api/search", guarded(api.search)),
        Route("/api/documents/{id:int}", guarded(api.document)),
        Route("/api/report", guarded(api.report)),
        Route("/api/batches", guarded(api.batches)),
        Route("/api/jobs", guarded(api.jobs)),
        Route("/api/jobs/{id:int}", guarded(api.job)),
        Route("/api/me", guarded(api.me)),
        Route("/api/units", guarded(pages.units_suggest)),
        Mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static"),
    ]
    middleware = [
        Middleware(LanguageMiddleware),  # outermost: every page, error and JSON message in one language
        Middleware(BaseHTTPMiddleware, dispatch=_security_headers),
        Middleware(
            SessionMiddleware,
            secret_key=session_secret(archive.home),
            session_cookie="sohoa_session",
            max_age=SESSION_HOURS * 3600,
            same_site="lax",
            https_only=https_only,
        ),
    ]
    application = Starlette(routes=routes, middleware=middleware, exception_handlers={404: _not_found})
    application.state.archive = archive
    application.state.throttle = LoginThrottle()
    return application
