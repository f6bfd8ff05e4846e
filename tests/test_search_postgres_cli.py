"""End to end through the real ``sohoa`` command: a PostgreSQL archive searching with PostgreSQL.

``init --search-backend postgres``, ingest of the committed text-layer samples, then
``search --json`` as a clerk types it: a name with and without diacritics, a quoted phrase
(every hit holds it adjacent), a document number whole and in part, an ID number. Then
``index check`` on a damaged index says to rebuild, and ``index rebuild`` repairs and switches.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from sohoa.errors import ExitCode
from sohoa.search.analysis import folded_syllables

from .conftest import SAMPLES, run_sohoa
from .search_pg_support import pg_schema_url

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """Home and URL of an archive made by ``sohoa init --search-backend postgres`` and fed the samples."""
    root = tmp_path_factory.mktemp("pg_cli")
    inbox = root / "inbox"
    inbox.mkdir()
    for pdf in sorted(SAMPLES.glob("*.pdf-text.pdf")):  # text layer: no OCR, the search is under test
        shutil.copy(pdf, inbox / pdf.name)
    with pg_schema_url() as url:
        home = root / "home"
        made = run_sohoa(home, "--db-url", url, "init", "--search-backend", "postgres", "--json")
        assert made.returncode == 0, made.stderr
        assert json.loads(made.stdout)["settings"]["search_backend"] == "postgres"
        ingested = run_sohoa(
            home, "--db-url", url, "ingest", str(inbox), "--unit", "khai quang", "--jobs", "1"
        )
        assert ingested.returncode == 0, ingested.stderr
        yield home, url


def _search(archive: tuple[Path, str], *args: str) -> dict[str, Any]:
    home, url = archive
    run = run_sohoa(home, "--db-url", url, "search", "--json", *args)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _truth(stem: str) -> dict[str, Any]:
    return json.loads((SAMPLES / f"{stem}.pdf-text.json").read_text(encoding="utf-8"))


def test_names_with_and_without_diacritics(archive: tuple[Path, str]) -> None:
    marked = _search(archive, "Nguyễn Tiến Lượng")
    plain = _search(archive, "nguyen tien luong")
    assert marked["total"] == plain["total"] == 1
    assert marked["hits"][0]["id"] == plain["hits"][0]["id"]
    assert marked["hits"][0]["fields"]["number"] == _truth("ks-0001")["fields"]["number"]
    assert "[[NGUYỄN TIẾN LƯỢNG]]" in marked["hits"][0]["snippet"].upper()


def test_a_quoted_phrase_returns_only_documents_holding_it(archive: tuple[Path, str]) -> None:
    phrase = "Lê Đức Nghĩa"
    found = _search(archive, f'"{phrase}"', "--limit", "50")
    words = folded_syllables(phrase)
    assert found["total"] == len(found["hits"]) >= 1
    for hit in found["hits"]:
        home, url = archive
        shown = json.loads(run_sohoa(home, "--db-url", url, "show", str(hit["id"]), "--json").stdout)
        values = [shown["text"], *(str(v) for v in (shown.get("fields") or {}).values())]
        assert any(
            folded_syllables(v)[i : i + len(words)] == words
            for v in values
            for i in range(len(folded_syllables(v)))
        ), hit["id"]


def test_numbers_whole_and_in_part_and_id_numbers(archive: tuple[Path, str]) -> None:
    number = _truth("qd-0001")["fields"]["number"]  # 4242/QĐ-UBND
    for query in (number, number.lower().replace("đ", "d"), f"so:{number}", number.split("/")[0]):
        hits = _search(archive, query)["hits"]
        assert hits and hits[0]["fields"]["number"] == number, query
    person = _truth("kh-0001")["fields"]["id_numbers"][1]
    hits = _search(archive, person)["hits"]
    assert [h["fields"]["number"] for h in hits] == [_truth("kh-0001")["fields"]["number"]]
    spaced = " ".join((person[:3], person[3:6], person[6:9], person[9:]))
    assert _search(archive, spaced)["hits"][0]["id"] == hits[0]["id"]
    assert _search(archive, person[:-1])["total"] == 0  # one digit short is another person


def test_check_finds_a_damaged_index_and_rebuild_repairs_and_switches(archive: tuple[Path, str]) -> None:
    home, url = archive
    assert run_sohoa(home, "--db-url", url, "index", "check").returncode == 0
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX search_documents_tsv"))
    engine.dispose()
    damaged = run_sohoa(home, "--db-url", url, "index", "check", "--json")
    assert damaged.returncode == ExitCode.partial
    assert "search_documents_tsv" in damaged.stdout and "index rebuild" in damaged.stderr
    for backend in ("tantivy", "postgres"):
        rebuilt = run_sohoa(home, "--db-url", url, "index", "rebuild", "--backend", backend)
        assert rebuilt.returncode == 0 and f"({backend})" in rebuilt.stdout, rebuilt.stderr
        assert _search(archive, "nguyen tien luong")["total"] == 1
    assert run_sohoa(home, "--db-url", url, "index", "check").returncode == 0
