"""Full-text and metadata search over the archive (Whoosh, Vietnamese-aware).

The archive hands over plain :class:`IndexEntry` values and never exposes its models here;
this package never imports ``sohoa.archive``. Entry points: :class:`SearchIndex` (open,
write, check, rebuild) and :func:`search`.
"""

from sohoa.search.index import CheckReport, SearchIndex
from sohoa.search.query import MARK_END, MARK_START, Hit, SearchResult, search
from sohoa.search.schema import SCHEMA_VERSION, IndexEntry

__all__ = [
    "SCHEMA_VERSION",
    "MARK_START",
    "MARK_END",
    "CheckReport",
    "Hit",
    "IndexEntry",
    "SearchIndex",
    "SearchResult",
    "search",
]
