"""The language of each request: the ``lang`` cookie (the header's switch), else the browser's
``Accept-Language``, else Vietnamese.

It is set for the whole request in :mod:`sohoa.i18n`'s context variable, so pages, error
messages and the API's ``message`` strings all follow it, while JSON keys and codes do not.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sohoa import i18n

COOKIE = "lang"
COOKIE_DAYS = 365


def request_language(connection: HTTPConnection) -> str:
    """The language for this request (Starlette parses the cookies; a malformed header reads as none)."""
    chosen = connection.cookies.get(COOKIE)
    if chosen in i18n.LANGUAGES:
        return chosen
    return i18n.from_accept_language(connection.headers.get("accept-language")) or i18n.DEFAULT_LANGUAGE


class LanguageMiddleware:
    """Set the request's language around the app, and say which it is (``Content-Language``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang = request_language(HTTPConnection(scope))

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"content-language", lang.encode()), (b"vary", b"Accept-Language, Cookie")]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        with i18n.language(lang):
            await self.app(scope, receive, send_with_language)


def _same_site_path(value: str | None) -> str:
    """Only a path on this site (no ``//host`` or scheme): the switch is no open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


async def choose_language(request: Request) -> Response:
    """``/lang/en?next=/search``: remember the choice in a cookie and go back to the page."""
    code = i18n.check_language(request.path_params["code"])
    response = RedirectResponse(_same_site_path(request.query_params.get("next")), status_code=303)
    response.set_cookie(COOKIE, code, max_age=COOKIE_DAYS * 86400, httponly=True, samesite="lax")
    return response
