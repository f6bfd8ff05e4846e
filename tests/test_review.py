"""Clerks' review queue and corrections: doubtful cards first, manual values stick and are audited."""

from __future__ import annotations

from sqlalchemy import select

from sohoa.archive import review
from sohoa.archive.models import AuditEvent, Document, Original
from sohoa.archive.units import resolve_unit
from sohoa.fields import FIELD_NAMES


def _doc(archive, session, n: int, fields: dict, confidence: dict) -> Document:
    unit = resolve_unit(session, "khai quang")
    original = Original(
        sha256=f"{n:064d}",
        size=1,
        media_type="image/png",
        source_name=f"scan-{n}.png",
        stored_path=f"originals/{n}",
        page_count=1,
    )
    doc = Document(
        original=original,
        unit=unit,
        pdf_path=f"documents/{n}.pdf",
        page_count=1,
        fields={k: fields.get(k) for k in FIELD_NAMES},
        field_confidence={k: confidence.get(k, 0.95 if fields.get(k) else 0.0) for k in FIELD_NAMES},
        field_source={k: "auto" for k in FIELD_NAMES},
    )
    session.add(doc)
    session.flush()
    return doc


FULL = {
    "doc_type": "Quyết định",
    "number": "12/QĐ-UBND",
    "issued_date": "2024-06-10",
    "issuer": "ỦY BAN NHÂN DÂN PHƯỜNG KHAI QUANG",
    "signer": "Lê Anh Tân",
}


def test_queue_lists_missing_and_doubtful_worst_first_and_accept_removes(archive) -> None:
    with archive.sessions.begin() as session:
        good = _doc(archive, session, 1, FULL, {})
        doubtful = _doc(archive, session, 2, FULL, {"number": 0.5})
        missing = _doc(archive, session, 3, {**FULL, "number": None, "signer": None}, {})
        ids = (good.id, doubtful.id, missing.id)
    with archive.sessions() as session:
        queue = review.review_queue(session)
    assert [e.document_id for e in queue] == [ids[2], ids[1]]
    assert queue[0].missing == ["number", "signer"]
    assert list(queue[1].doubtful) == ["number"]
    with archive.sessions.begin() as session:
        review.accept(archive, session, ids[1])
    with archive.sessions() as session:
        assert [e.document_id for e in review.review_queue(session)] == [ids[2]]


def test_edit_is_manual_audited_and_survives_an_automatic_pass(archive) -> None:
    with archive.sessions.begin() as session:
        doc_id = _doc(archive, session, 4, {**FULL, "number": "I2/QD-UBND"}, {"number": 0.4}).id
    with archive.sessions.begin() as session:
        review.edit_fields(
            archive,
            session,
            doc_id,
            {
                "number": "12/QĐ-UBND",
                "issued_date": "05/03/2019",
                "subject_names": "Nguyễn Văn Lượng; Trần Thị Thu Hà",
            },
        )
    with archive.sessions.begin() as session:
        doc = session.get(Document, doc_id)
        assert doc.fields["number"] == "12/QĐ-UBND"
        assert doc.fields["issued_date"] == "2019-03-05" and str(doc.issued_date) == "2019-03-05"
        assert doc.fields["subject_names"] == ["Nguyễn Văn Lượng", "Trần Thị Thu Hà"]
        assert doc.field_source["number"] == "manual" and doc.field_confidence["number"] == 1.0
        assert doc.index_state == "pending"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "edit"))
        assert event.actor and event.detail["fields"]["number"] == {"old": "I2/QD-UBND", "new": "12/QĐ-UBND"}
        # a later automatic extraction changes auto fields only
        changed = review.merge_automatic(doc, {**FULL, "number": "99/QĐ-UBND", "signer": "Lê Văn Tám"}, {})
        assert "number" not in changed and "signer" in changed
        assert doc.fields["number"] == "12/QĐ-UBND" and doc.fields["signer"] == "Lê Văn Tám"


def test_bad_edits_are_refused_with_a_reason(archive) -> None:
    import pytest

    from sohoa.errors import SohoaError

    with archive.sessions.begin() as session:
        doc_id = _doc(archive, session, 5, FULL, {}).id
    with archive.sessions.begin() as session, pytest.raises(SohoaError, match="không phải ngày"):
        review.edit_fields(archive, session, doc_id, {"issued_date": "31/02/2024"})
    with archive.sessions.begin() as session, pytest.raises(SohoaError, match="không có trường"):
        review.edit_fields(archive, session, doc_id, {"so_hieu": "1"})
