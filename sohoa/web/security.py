"""Who is asking, and whether the request may go on: sessions, bearer tokens, CSRF, throttling.

- A browser logs in with a name and password; the session cookie (signed, HTTP-only, SameSite
  Lax, ``Secure`` when served over HTTPS) holds only the user id, and the user is read again on
  every request, so a disabled user is out at once.
- Scripts send ``Authorization: Bearer TOKEN``; such calls carry no cookie, so they need no CSRF
  token (a browser cannot be tricked into adding that header).
- Every form posts a per-session CSRF token; a missing or wrong one is refused with 400. The
  token is a synchroniser token kept in the session: a few lines, no cookie of its own.
- Failed logins are counted per (account, address): five within fifteen minutes make that pair
  wait (429), while twenty colleagues behind one address keep logging in.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

from starlette.requests import Request

from sohoa.app import Actor
from sohoa.app import users as app_users

CSRF_FIELD = "csrf_token"
MAX_FAILURES = 5
FAILURE_WINDOW = 15 * 60.0
SECRET_FILE = "web-session.key"


def session_secret(home: Path) -> str:
    """The key signing session cookies: made once per archive, owner-only, kept in its folder
    (not in the database: a copy of the database must not let anyone forge a session)."""
    path = home / SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_hex(32).encode())
        finally:
            os.close(fd)
    return path.read_text().strip()


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and submitted and hmac.compare_digest(str(expected), str(submitted)))


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def request_actor(request: Request) -> Actor | None:
    """The actor of a bearer token, else of the session; None when neither is valid."""
    archive = request.app.state.archive
    token = bearer_token(request)
    if token is not None:
        return app_users.authenticate_token(archive, token)
    user_id = request.session.get("uid")
    if isinstance(user_id, int):
        return app_users.actor_by_id(archive, user_id)
    return None


class LoginThrottle:
    """Failed logins per (account, address) in a sliding window, in memory (one server process)."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = FAILURE_WINDOW) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        seen = self._failures[key]
        while seen and now - seen[0] > self.window:
            seen.popleft()
        return seen

    def blocked(self, name: str, address: str) -> bool:
        with self._lock:
            return len(self._recent((name.casefold(), address), time.monotonic())) >= self.limit

    def failed(self, name: str, address: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent((name.casefold(), address), now).append(now)

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._failures.pop((name.casefold(), address), None)
