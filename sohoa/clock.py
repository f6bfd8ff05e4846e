"""One clock for the whole archive: what "now" and "today" are, in the archive's time zone.

A city's day is a Vietnamese day whatever the server's clock zone or the process's ``TZ``:
a result digitised at 23:30 UTC belongs to the next Vietnamese day, and a report run at
18:00 UTC must count it as today. Every "today", period bound, digitised date and report date
comes from here, never from ``date.today()`` or a database server's ``now()``.

``SOHOA_NOW`` (an ISO 8601 moment with its offset) pins the clock; it exists for tests and
for re-running a report as of a past moment, and is never needed in normal use.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, tzinfo
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sohoa.errors import UsageError
from sohoa.i18n import _

DEFAULT_TIME_ZONE = "Asia/Ho_Chi_Minh"


def zone(name: str | None = None) -> tzinfo:
    """The time zone called ``name`` (default: ``SOHOA_TZ``, else Vietnam's)."""
    name = name or os.environ.get("SOHOA_TZ") or DEFAULT_TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(
            _("không biết múi giờ '%(name)s': dùng tên như Asia/Ho_Chi_Minh") % {"name": name}
        ) from exc


def now() -> datetime:
    """The current moment, timezone-aware in UTC (``SOHOA_NOW`` pins it)."""
    pinned = os.environ.get("SOHOA_NOW")
    if pinned:
        try:
            moment = datetime.fromisoformat(pinned.replace("Z", "+00:00"))
        except ValueError as exc:
            raise UsageError(
                _("SOHOA_NOW='%(value)s' không phải thời điểm ISO 8601 (ví dụ 2024-06-10T23:30:00+00:00)")
                % {"value": pinned}
            ) from exc
        if moment.tzinfo is None:
            raise UsageError(
                _("SOHOA_NOW='%(value)s' thiếu độ lệch múi giờ, ví dụ 2024-06-10T23:30:00+00:00")
                % {"value": pinned}
            )
        return moment.astimezone(UTC)
    return datetime.now(UTC)


def today(tz: tzinfo | None = None) -> date:
    """Today in the archive's zone."""
    return now().astimezone(tz or zone()).date()


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """A stored moment as aware UTC (SQLite hands moments back naive, in UTC); None stays None."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local_moment(moment: datetime, tz: tzinfo | None = None) -> datetime:
    """A stored moment in the archive's zone, for what people read: a clerk in Hà Nội reads
    20:30, not 13:30."""
    return as_utc(moment).astimezone(tz or zone())


def local_date(moment: datetime, tz: tzinfo | None = None) -> date:
    """The archive-zone day a stored moment falls on (naive moments are taken as UTC)."""
    return local_moment(moment, tz).date()


def day_start_utc(day: date, tz: tzinfo | None = None) -> datetime:
    """The UTC moment an archive-zone day begins: period bounds compare stored UTC moments."""
    return datetime.combine(day, time.min, tz or zone()).astimezone(UTC)
