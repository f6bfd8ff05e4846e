"""Relevance on the committed samples: every expected document in the top 10, numbers and IDs first.

The queries live in ``tests/search_relevance.json``; the entries and the evaluation are in
``tests/search_support.py``. The recall test itself runs once per backend in
``tests/test_search_conformance.py``; here the set is checked for breadth.
"""

from __future__ import annotations

from .search_support import load_queries


def test_the_query_set_is_large_and_varied() -> None:
    queries = load_queries()
    assert len(queries) >= 40
    kinds = {q["kind"] for q in queries}
    for kind in (
        "name accented",
        "name folded",
        "partial name",
        "number",
        "number part",
        "id",
        "body phrase",
    ):
        assert kind in kinds
    assert sum(1 for q in queries if q.get("filters")) >= 5
