"""Who acts: a user's role and the units they may act in, resolved once per request or command.

Roles (issue 11): a clerk ingests, reviews and corrects in their units; staff search, view and
download in their units; a manager reads reports (and searches and views); an admin does all
of that everywhere, plus users and the audit trail. ID numbers (CCCD/CMND) are masked to their
last four digits for staff and managers, who answer questions about a result, not about a person.

Who the CLI is: the account that owns the archive acts as its admin (as a database superuser
does through peer authentication); ``--as NAME`` or ``SOHOA_USER=NAME`` acts with that user's
role, units and masking, and the audit trail records that name. While no user exists,
``SOHOA_USER`` only names the local admin in the trail, as it always did.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sohoa.errors import ExitCode, NotFoundError, SohoaError, UsageError, no_document_error
from sohoa.i18n import _
from sohoa.i18n import lazy_gettext as L_

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sohoa.archive.models import User
    from sohoa.archive.store import Archive

ROLES = ("clerk", "staff", "manager", "admin")

#: What each role may do; reading (search, view, list) is everyone's, within their units.
PERMISSIONS: dict[str, frozenset[str]] = {
    "search": frozenset(ROLES),
    "view": frozenset(ROLES),
    "list": frozenset(ROLES),
    "download": frozenset({"staff", "admin"}),
    "ingest": frozenset({"clerk", "admin"}),
    "review": frozenset({"clerk", "admin"}),
    "edit": frozenset({"clerk", "admin"}),
    "report": frozenset({"manager", "admin"}),
    "audit": frozenset({"admin"}),
    "users": frozenset({"admin"}),
    "units": frozenset({"admin"}),
}
#: Roles that see ID numbers in full (a clerk corrects them; an admin answers for the archive).
UNMASKED_ROLES = frozenset({"clerk", "admin"})

#: What each permission lets one do, for the refusal message (in the reader's language).
ACTION_WORDS = {
    "search": L_("tra cứu"),
    "view": L_("xem văn bản"),
    "list": L_("xem danh sách"),
    "download": L_("tải tệp"),
    "ingest": L_("tải lên và số hóa"),
    "review": L_("kiểm tra phiếu"),
    "edit": L_("sửa trường"),
    "report": L_("xem báo cáo"),
    "audit": L_("xem nhật ký truy cập"),
    "users": L_("quản lý người dùng"),
    "units": L_("quản lý đơn vị"),
}

ROLE_LABELS = {
    "clerk": L_("văn thư"),
    "staff": L_("cán bộ một cửa"),
    "manager": L_("lãnh đạo"),
    "admin": L_("quản trị"),
}


class ForbiddenError(SohoaError):
    """The actor's role may not do this (HTTP 403; exit 2 on the CLI, like any refused request)."""

    exit_code = ExitCode.usage


@dataclass(frozen=True)
class Actor:
    """A person acting on the archive.

    ``unit_ids`` and ``unit_codes`` are the units the actor may act in, sub-units included,
    resolved once; ``None`` means every unit (an admin). ``user_id`` is None for the local admin.
    """

    name: str
    role: str
    unit_ids: frozenset[int] | None = None
    unit_codes: tuple[str, ...] | None = None
    user_id: int | None = None
    full_name: str | None = None

    @property
    def masks_ids(self) -> bool:
        """True when ID numbers are shown only by their last four digits."""
        return self.role not in UNMASKED_ROLES

    def may(self, action: str) -> bool:
        return self.role in PERMISSIONS[action]

    def require(self, action: str) -> None:
        """Refuse an action the role does not allow, in Vietnamese first."""
        if not self.may(action):
            raise ForbiddenError(
                _("vai trò '%(role)s' không được %(action)s")
                % {"role": ROLE_LABELS.get(self.role, self.role), "action": ACTION_WORDS[action]}
            )

    def sees_unit(self, unit_id: int | None) -> bool:
        return self.unit_ids is None or (unit_id is not None and unit_id in self.unit_ids)

    def check_document_unit(self, unit_id: int | None, document_id: int) -> None:
        """A document outside the actor's units is answered as one that does not exist."""
        if not self.sees_unit(unit_id):
            raise NotFoundError(no_document_message(document_id))

    def acting_archive(self, archive: Archive) -> Archive:
        """The archive handle whose audit lines carry this actor's name (engine shared, cheap)."""
        return archive if archive.actor == self.name else dataclasses.replace(archive, actor=self.name)


def no_document_message(document_id: int) -> str:
    return no_document_error(document_id).message


def local_admin(archive: Archive) -> Actor:
    """The account owning the archive: admin everywhere, named as the audit trail names it."""
    return Actor(name=archive.actor, role="admin")


def actor_for_user(session: Session, user: User) -> Actor:
    """The actor a stored user acts as: units expanded to their sub-units once."""
    from sqlalchemy import select

    from sohoa.archive import units as unit_ops
    from sohoa.archive.models import Unit

    if user.role == "admin":
        return Actor(name=user.name, role="admin", user_id=user.id, full_name=user.full_name)
    children = unit_ops.children_map(session)
    ids: set[int] = set()
    for unit in user.units:
        ids.update(unit_ops.subtree(children, unit.id))
    codes = tuple(sorted(session.scalars(select(Unit.code).where(Unit.id.in_(ids or {-1})))))
    return Actor(
        name=user.name,
        role=user.role,
        unit_ids=frozenset(ids),
        unit_codes=codes,
        user_id=user.id,
        full_name=user.full_name,
    )


def cli_actor(archive: Archive, as_user: str | None) -> Actor:
    """Who a CLI command acts as: ``as_user`` (``--as``/``SOHOA_USER``) when it names a user,
    else the local admin. Naming an unknown or disabled user once users exist is refused (exit 2):
    acting as admin by a typo would be worse than stopping."""
    from sqlalchemy import func, select

    from sohoa.archive.models import User

    if not as_user:
        return local_admin(archive)
    with archive.sessions() as session:
        user = session.scalar(select(User).where(User.name == as_user))
        if user is None:
            if session.scalar(select(func.count()).select_from(User)):
                raise UsageError(
                    _("không có người dùng '%(name)s': xem 'sohoa users list'") % {"name": as_user}
                )
            return local_admin(dataclasses.replace(archive, actor=as_user))
        if user.disabled_at is not None:
            raise UsageError(_("người dùng '%(name)s' đã bị khóa") % {"name": as_user})
        return actor_for_user(session, user)
