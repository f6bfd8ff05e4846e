"""One clock (issue 8, item 5): a document stored at 23:30 UTC belongs to the next Vietnamese day,
and the report, the matcher and the register count it there, whatever the process's ``TZ`` and
the database session's zone.

Documents are made as rows through the library (the point is the clock, not OCR); the register
import, the matching and the report run through the real ``sohoa`` command in a subprocess with
``SOHOA_NOW`` pinning the clock and ``TZ`` set far west or far east of Vietnam.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from sohoa import clock
from sohoa.archive.models import Document, Original, RegisterRow, Unit
from sohoa.archive.store import open_archive
from sohoa.fields import FIELD_NAMES

from .register_support import write_csv

SOHOA = [sys.executable, "-m", "sohoa.cli"]
NOW = "2024-06-30T23:30:00+00:00"  # 06:30 on 1 July in Vĩnh Yên; 16:30 on 30 June in Los Angeles
VN_DAY = date(2024, 7, 1)


def _sohoa(home: Path, url: str | None, tz: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOHOA_NOW": NOW, "TZ": tz}
    env.pop("SOHOA_TZ", None)
    base = [*SOHOA, "--home", str(home), *(["--db-url", url] if url else [])]
    return subprocess.run([*base, *args], capture_output=True, text=True, timeout=300, env=env)


def _store_document_now(home: Path, url: str | None) -> int:
    """A document row stored "now" with no explicit time: ``created_at`` comes from the one clock."""
    archive = open_archive(home, url)
    fields = dict.fromkeys(FIELD_NAMES)
    fields.update(
        number="15/QĐ-UBND", issued_date=VN_DAY.isoformat(), dossier_code="000.00.12.H62-240701-0001"
    )
    with archive.sessions.begin() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == "khai-quang"))
        session.add(
            Original(
                sha256="a" * 64, size=1, media_type="image/png", source_name="scan.png",
                stored_path="originals/x.png", page_count=1,
            )
        )  # fmt: skip
        doc = Document(
            original_sha256="a" * 64, page_from=1, page_to=1, unit_id=unit_id, status="stored",
            pdf_path="documents/x.pdf", page_count=1, fields=fields, issued_date=VN_DAY,
        )  # fmt: skip
        session.add(doc)
        session.flush()
        doc_id = doc.id
    with archive.sessions() as session:
        stored = session.get(Document, doc_id)
        assert stored is not None and clock.local_date(stored.created_at) == VN_DAY
    archive.close()
    return doc_id


@pytest.mark.parametrize("process_tz", ["America/Los_Angeles", "Pacific/Kiritimati"])
@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_stored_late_utc_counts_as_digitised_today_in_vietnam(
    db: str, process_tz: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = None
    if db == "postgresql":  # the session's clock zone far from Vietnam too (UTC-12)
        url = request.getfixturevalue("pg_url") + "%20-ctimezone%3DEtc/GMT%2B12"
    home = tmp_path / "home"
    monkeypatch.setenv("SOHOA_NOW", NOW)
    monkeypatch.delenv("SOHOA_TZ", raising=False)
    doc_id = _store_document_now(home, url)

    # the register row of that result, dated today in Vietnam: not "in the future"
    register = write_csv(
        tmp_path / "so.csv",
        [[1, "000.00.12.H62-240701-0001", "Đăng ký khai sinh", "Hộ tịch", "Phường Khai Quang",
          "Nguyễn Văn Lượng", "15/QĐ-UBND", "01/07/2024", "Có", "Không"]],
    )  # fmt: skip
    imported = _sohoa(home, url, process_tz, "register", "import", str(register), "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["imported"] == 1

    archive = open_archive(home, url)
    with archive.sessions() as session:
        row = session.scalar(select(RegisterRow))
        assert row is not None and row.digitised_on == VN_DAY  # the link keeps the Vietnamese day
    archive.close()

    # this month's report, taken "now": today's document is digitised today, this month
    report = _sohoa(home, url, process_tz, "report", "--period", "2024-07", "--format", "json")
    assert report.returncode == 0, report.stderr
    total = json.loads(report.stdout)["total"]
    assert (total["new_issued"], total["new_digitised"], total["pages"]) == (1, 1, 1)
    # the report without a period is this year, as of today in Vietnam
    year = json.loads(_sohoa(home, url, process_tz, "report", "--format", "json").stdout)
    assert year["period"] == {"from": "2024-01-01", "to": "2024-12-31"}
    assert year["total"]["new_digitised"] == 1
    june = json.loads(
        _sohoa(home, url, process_tz, "report", "--period", "2024-06", "--format", "json").stdout
    )
    assert june["total"]["pages"] == 0  # not the previous day's work

    unmatched = _sohoa(home, url, process_tz, "register", "unmatched", "--json")
    assert json.loads(unmatched.stdout)["documents_total"] == 0, doc_id


def test_audit_dates_are_archive_days(tmp_path: Path) -> None:
    """A search at 23:30 UTC is found under the next Vietnamese day, typed dd/mm/yyyy or ISO."""
    home = tmp_path / "home"
    searched = _sohoa(home, None, "America/Los_Angeles", "search", "khai sinh")
    assert searched.returncode == 0, searched.stderr
    for day in ("01/07/2024", "2024-07-01"):
        found = _sohoa(home, None, "America/Los_Angeles", "audit", "--from", day, "--to", day, "--json")
        assert found.returncode == 0, found.stderr
        events = json.loads(found.stdout)
        search = [e for e in events if e["action"] == "search"]
        assert len(search) == 1 and search[0]["at"].startswith("2024-07-01T06:30:00")
    before = _sohoa(home, None, "America/Los_Angeles", "audit", "--to", "30/06/2024", "--json")
    assert [e for e in json.loads(before.stdout) if e["action"] == "search"] == []
