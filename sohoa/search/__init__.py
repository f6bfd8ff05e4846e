"""Full-text and metadata search over the archive (Vietnamese-aware, engine-neutral).

The archive hands over plain :class:`IndexEntry` values and never exposes its models here;
this package never imports ``sohoa.archive``. Entry points: :func:`open_backend` (an engine
behind the :class:`SearchBackend` protocol: write, rebuild, check) and :func:`search`.
"""

from sohoa.search.backend import BACKENDS, DEFAULT_BACKEND, CheckReport, SearchBackend, check, open_backend
from sohoa.search.query import MARK_END, MARK_START, Hit, SearchResult, search
from sohoa.search.schema import SCHEMA_VERSION, IndexEntry

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "SCHEMA_VERSION",
    "MARK_START",
    "MARK_END",
    "CheckReport",
    "Hit",
    "IndexEntry",
    "SearchBackend",
    "SearchResult",
    "check",
    "open_backend",
    "search",
]
