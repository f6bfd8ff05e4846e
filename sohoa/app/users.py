"""People who log in: add, list, disable, change passwords, API tokens, and authentication.

Passwords are kept only as argon2id hashes (``argon2-cffi``, its default parameters); a token
is 32 random bytes shown once and kept as its SHA-256, so a copy of the database opens nothing.
Managing users is the admin's; the local account owning the archive is admin (see ``actor``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from sohoa.app.actor import ROLES, Actor, actor_for_user
from sohoa.archive import units as unit_ops
from sohoa.archive.models import ApiToken, AuditEvent, User, utcnow
from sohoa.archive.store import Archive
from sohoa.clock import as_utc
from sohoa.errors import ConflictError, NotFoundError, UsageError
from sohoa.i18n import _
from sohoa.text import nfc

MIN_PASSWORD = 10
TOKEN_PREFIX = "sohoa_"
#: A token's ``last_used_at`` is written at most this often.
TOKEN_USE_EVERY = timedelta(minutes=1)
_hasher = PasswordHasher()
# Verifying against this when the name is unknown takes as long as a real check: the time a
# refused login takes does not tell which names exist.
_DUMMY_HASH = _hasher.hash("không có người dùng này")


@dataclass(frozen=True)
class UserInfo:
    """A user as ``sohoa users list --json`` shows it (never the hash)."""

    name: str
    full_name: str | None
    role: str
    units: list[str]
    disabled: bool
    tokens: int
    last_used: datetime | None = None  # the newest use of any of their live tokens (UTC)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "full_name": self.full_name,
            "role": self.role,
            "units": self.units,
            "disabled": self.disabled,
            "tokens": self.tokens,
            "last_used": self.last_used.isoformat() if self.last_used else None,
        }


@dataclass(frozen=True)
class TokenInfo:
    """One API token as ``sohoa users tokens NAME`` shows it (never the token or its hash)."""

    label: str | None
    created: datetime
    last_used: datetime | None
    revoked: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "created": self.created.isoformat(),
            "last_used": self.last_used.isoformat() if self.last_used else None,
            "revoked": self.revoked,
        }


def check_password(password: str) -> str:
    """NFC, at least ``MIN_PASSWORD`` characters (a usage error otherwise)."""
    password = nfc(password)
    if len(password) < MIN_PASSWORD:
        raise UsageError(_("mật khẩu phải có ít nhất %(n)s ký tự") % {"n": MIN_PASSWORD})
    return password


def _audit(session: Session, actor: Actor, action: str, detail: dict[str, Any]) -> None:
    session.add(AuditEvent(actor=actor.name, action=action, detail=detail))


def _get_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == nfc(name)).options(selectinload(User.units)))
    if user is None:
        raise NotFoundError(_("không có người dùng '%(name)s': xem 'sohoa users list'") % {"name": name})
    return user


def add_user(
    archive: Archive,
    actor: Actor,
    name: str,
    role: str,
    units: list[str],
    password: str,
    full_name: str | None = None,
) -> UserInfo:
    """Add a user; an existing name is a conflict (exit 2). Non-admins need at least one unit."""
    actor.require("users")
    name = nfc(name).strip()
    if not name or len(name) > 100 or any(ch.isspace() for ch in name):
        raise UsageError(
            _("tên đăng nhập '%(name)s' không hợp lệ: không có dấu cách, tối đa 100 ký tự") % {"name": name}
        )
    if role not in ROLES:
        raise UsageError(
            _("vai trò '%(role)s' không có: chọn %(roles)s") % {"role": role, "roles": ", ".join(ROLES)}
        )
    password = check_password(password)
    hashed = _hasher.hash(password)
    try:
        with archive.sessions.begin() as session:
            if session.scalar(select(User.id).where(User.name == name)) is not None:
                raise ConflictError(_("người dùng '%(name)s' đã có") % {"name": name})
            chosen = [unit_ops.resolve_unit(session, u) for u in units]
            if role != "admin" and not chosen:
                raise UsageError(_("vai trò '%(role)s' cần ít nhất một --unit") % {"role": role})
            user = User(
                name=name, role=role, full_name=nfc(full_name) if full_name else None, password_hash=hashed
            )
            user.units = chosen
            session.add(user)
            _audit(
                session, actor, "user.add", {"user": name, "role": role, "units": [u.code for u in chosen]}
            )
            return UserInfo(name, user.full_name, role, [u.code for u in chosen], False, 0)
    except IntegrityError:  # another process added the same name meanwhile
        raise ConflictError(_("người dùng '%(name)s' đã có") % {"name": name}) from None


def list_users(archive: Archive, actor: Actor) -> list[UserInfo]:
    actor.require("users")
    with archive.sessions() as session:
        live = {
            user_id: (count, last)
            for user_id, count, last in session.execute(
                select(ApiToken.user_id, func.count(), func.max(ApiToken.last_used_at))
                .where(ApiToken.revoked_at.is_(None))
                .group_by(ApiToken.user_id)
            ).all()
        }
        users = session.scalars(select(User).options(selectinload(User.units)).order_by(User.name))
        return [
            UserInfo(u.name, u.full_name, u.role, sorted(x.code for x in u.units), u.disabled_at is not None,
                     live.get(u.id, (0, None))[0], as_utc(live.get(u.id, (0, None))[1]))
            for u in users
        ]  # fmt: skip


def list_tokens(archive: Archive, actor: Actor, name: str) -> list[TokenInfo]:
    """A user's API tokens, newest first: label, made, last used (to the minute), revoked."""
    actor.require("users")
    with archive.sessions() as session:
        user = _get_user(session, name)
        rows = session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
        return [
            TokenInfo(
                t.label,
                as_utc(t.created_at) or t.created_at,
                as_utc(t.last_used_at),
                t.revoked_at is not None,
            )
            for t in rows
        ]


def disable_user(archive: Archive, actor: Actor, name: str) -> int:
    """Disable a user and revoke all their tokens; returns how many tokens were revoked."""
    actor.require("users")
    with archive.sessions.begin() as session:
        user = _get_user(session, name)
        now = utcnow()
        user.disabled_at = user.disabled_at or now
        revoked = session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        _audit(session, actor, "user.disable", {"user": user.name, "tokens_revoked": revoked})
        return int(revoked or 0)


def set_password(archive: Archive, actor: Actor, name: str, password: str) -> None:
    actor.require("users")
    hashed = _hasher.hash(check_password(password))
    with archive.sessions.begin() as session:
        user = _get_user(session, name)
        user.password_hash = hashed
        _audit(session, actor, "user.passwd", {"user": user.name})


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(archive: Archive, actor: Actor, name: str, label: str | None = None) -> str:
    """A new API token for ``name``: returned once, stored only as its SHA-256."""
    actor.require("users")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with archive.sessions.begin() as session:
        user = _get_user(session, name)
        if user.disabled_at is not None:
            raise ConflictError(_("người dùng '%(name)s' đã bị khóa") % {"name": name})
        session.add(ApiToken(user_id=user.id, token_sha256=_token_hash(token), label=label))
        _audit(session, actor, "user.token", {"user": user.name, "label": label})
    return token


def revoke_tokens(archive: Archive, actor: Actor, name: str, label: str | None = None) -> int:
    """Revoke a user's tokens (only those with ``label`` when given); returns how many."""
    actor.require("users")
    with archive.sessions.begin() as session:
        user = _get_user(session, name)
        query = update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        if label is not None:
            query = query.where(ApiToken.label == label)
        revoked = int(session.execute(query.values(revoked_at=utcnow())).rowcount or 0)
        _audit(session, actor, "user.revoke-token", {"user": user.name, "label": label, "revoked": revoked})
        return revoked


def authenticate_password(archive: Archive, name: str, password: str) -> Actor | None:
    """The actor for a correct name and password of an enabled user; None otherwise (same time)."""
    with archive.sessions() as session:
        user = session.scalar(
            select(User).where(User.name == nfc(name.strip())).options(selectinload(User.units))
        )
        stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
        try:
            _hasher.verify(stored, nfc(password))
        except (VerificationError, InvalidHashError):
            return None
        if user is None or user.disabled_at is not None or not user.password_hash:
            return None
        return actor_for_user(session, user)


def authenticate_token(archive: Archive, token: str) -> Actor | None:
    """The actor a bearer token stands for, or None (unknown, revoked, or its user disabled)."""
    if not token:
        return None
    with archive.sessions() as session:
        row = session.scalar(
            select(ApiToken).where(ApiToken.token_sha256 == _token_hash(token), ApiToken.revoked_at.is_(None))
        )
        if row is None:
            return None
        user = session.scalar(select(User).where(User.id == row.user_id).options(selectinload(User.units)))
        if user is None or user.disabled_at is not None:
            return None
        actor = actor_for_user(session, user)
        token_id, last_used = row.id, as_utc(row.last_used_at)
    _note_token_use(archive, token_id, last_used)
    return actor


def _note_token_use(archive: Archive, token_id: int, last_used: datetime | None) -> None:
    """Record when a token was used, at most once a minute per token: a busy script's calls are
    reads, not a write each. The update's own condition keeps concurrent requests to one write."""
    now = utcnow()
    if last_used is not None and now - last_used < TOKEN_USE_EVERY:
        return
    with archive.sessions.begin() as session:
        session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOKEN_USE_EVERY),
            )
            .values(last_used_at=now)
        )


def actor_by_id(archive: Archive, user_id: int) -> Actor | None:
    """The actor of a logged-in session's user, read again on every request: disabling a user
    or changing their units takes effect at once."""
    with archive.sessions() as session:
        user = session.scalar(select(User).where(User.id == user_id).options(selectinload(User.units)))
        if user is None or user.disabled_at is not None:
            return None
        return actor_for_user(session, user)


def has_users(archive: Archive) -> bool:
    with archive.sessions() as session:
        return bool(session.scalar(select(func.count()).select_from(User)))
