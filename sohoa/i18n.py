"""The language people read: Vietnamese by default, English on request, through gettext catalogs.

msgids are the Vietnamese text itself, so Vietnamese needs no catalog and a message nobody has
translated still reads correctly; ``sohoa/locale/en/LC_MESSAGES/sohoa.mo`` (compiled from the
``.po`` beside it, shipped with the package) turns them into English. The active language lives
in a :class:`contextvars.ContextVar`: the CLI sets it once from ``--lang``/``SOHOA_LANG``, the
web desk per request (cookie, then ``Accept-Language``), and every thread or task sees its own.

Only text meant for people goes through here. JSON keys, error codes, reason codes and log
lines stay language-neutral. This module is imported by ``sohoa --help`` (whose text it
translates): it reads the compiled catalog with the standard library's ``gettext``, only when
English is first needed; Babel builds the catalogs and formats nothing at run time.
"""

from __future__ import annotations

import functools
import gettext as _stdlib_gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import date, datetime
from pathlib import Path
from typing import Any

LANGUAGES: tuple[str, ...] = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
DOMAIN = "sohoa"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

_active: ContextVar[str | None] = ContextVar("sohoa_language", default=None)


def check_language(value: str) -> str:
    """``value`` as one of :data:`LANGUAGES` (case and region ignored: ``en-US`` → ``en``).

    Anything else is a usage error (exit 2) that lists the languages there are.
    """
    code = _language_code(value)
    if code in LANGUAGES:
        return code
    from sohoa.errors import UsageError

    raise UsageError(
        gettext("ngôn ngữ không hỗ trợ '%(value)s': chọn một trong %(choices)s")
        % {"value": value, "choices": ", ".join(LANGUAGES)}
    )


def _language_code(value: str) -> str:
    return value.strip().lower().replace("_", "-").split("-")[0]


def default_language() -> str:
    """``SOHOA_LANG`` when set (checked), else Vietnamese."""
    value = os.environ.get("SOHOA_LANG", "").strip()
    return check_language(value) if value else DEFAULT_LANGUAGE


def current_language() -> str:
    """The language of this thread or request.

    A wrong ``SOHOA_LANG`` reads as Vietnamese here, so the usage error that names it (raised
    where the language is chosen) and the help shown before that can still be written.
    """
    chosen = _active.get()
    if chosen:
        return chosen
    code = _language_code(os.environ.get("SOHOA_LANG", ""))
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def set_language(value: str | None) -> Token[str | None]:
    """Make ``value`` (None: the default) the language from here on; returns the token to reset it."""
    return _active.set(check_language(value) if value else default_language())


def reset_language(token: Token[str | None]) -> None:
    _active.reset(token)


@contextmanager
def language(value: str | None) -> Iterator[str]:
    """Run a block in ``value``'s language, then restore the previous one."""
    token = set_language(value)
    try:
        yield current_language()
    finally:
        _active.reset(token)


@functools.cache
def translations(lang: str) -> _stdlib_gettext.NullTranslations:
    """The catalog of ``lang``: none for Vietnamese (the msgids are Vietnamese), else the shipped ``.mo``."""
    if lang == DEFAULT_LANGUAGE:
        return _stdlib_gettext.NullTranslations()
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not path.is_file():
        raise FileNotFoundError(f"message catalog for '{lang}' is missing under {LOCALE_DIR}")
    with path.open("rb") as compiled:  # the standard library reads it: `sohoa --lang en --help` stays light
        return _stdlib_gettext.GNUTranslations(compiled)


def gettext(message: str) -> str:
    """``message`` (Vietnamese) in the active language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the active language (Vietnamese has one form)."""
    return translations(current_language()).ngettext(singular, plural, n)


_ = gettext


class LazyText:
    """A message translated each time it is shown, for module-level constants (labels, advice).

    It behaves like the translated ``str`` where text is used: ``str()``, ``%``, ``+``,
    f-strings, comparison and Jinja2 output.
    """

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __repr__(self) -> str:
        return f"LazyText({self.message!r})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __mod__(self, values: Any) -> str:
        return str(self) % values

    def __add__(self, other: object) -> str:
        return str(self) + str(other)

    def __radd__(self, other: object) -> str:
        return str(other) + str(self)

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))  # consistent with __eq__, which compares the shown text

    def __len__(self) -> int:
        return len(str(self))

    def __getattr__(self, name: str) -> Any:  # .upper(), .split() ... of the translated text
        return getattr(str(self), name)


def lazy_gettext(message: str) -> LazyText:
    """``message`` translated when shown, not when the module loads."""
    return LazyText(message)


def N_(message: str) -> str:  # noqa: N802 - the usual gettext marker's name
    """Mark ``message`` for the catalog without translating it (translated later with ``_``)."""
    return message


# -- the browser's choice ----------------------------------------------------------------------
def from_accept_language(header: str | None) -> str | None:
    """The best of :data:`LANGUAGES` in an ``Accept-Language`` header (q-values honoured), or None."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((header or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        code = tag.strip().lower().split("-")[0]
        if code not in LANGUAGES:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _eq, number = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(number)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        candidate = (-quality, position, code)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else None


# -- dates people read -------------------------------------------------------------------------
def format_date(value: date | datetime | str | None) -> str:
    """dd/mm/yyyy with leading zeros in every language ('' for nothing; an ISO string is read)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
        return f"{text[8:10]}/{text[5:7]}/{text[:4]}"
    return text


def format_datetime(value: datetime | str | None) -> str:
    """dd/mm/yyyy HH:MM in every language ('' for nothing)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y %H:%M") if isinstance(value, datetime) else ""
