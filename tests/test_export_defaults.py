"""`sohoa handover-defaults`: per-type access mode (Mode) and retention (Maintenance), checked against
TT 05/2025's lists, audited, listed as JSON, and written by `sohoa export` into each record."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from sohoa.archive.store import Archive
from tests.conftest import add_stored_document, run_sohoa

DECISION = {"doc_type": "Quyết định", "number": "15/QĐ-UBND", "issued_date": "2024-03-05"}
LETTER = {"doc_type": "Công văn", "number": "7/UBND-VP", "issued_date": "2024-04-01"}


def _listed(archive: Archive) -> dict[str, dict]:
    done = run_sohoa(archive, "handover-defaults", "list", "--json")
    assert done.returncode == 0, done.stderr
    return {row["type"]: row for row in json.loads(done.stdout)}


def test_defaults_are_set_listed_audited_and_exported(archive: Archive, tmp_path: Path) -> None:
    before = _listed(archive)
    assert len(before) == 33 and before["02"]["name"] == "Quyết định"
    assert (before["02"]["mode"], before["02"]["maintenance"]) == ("02", "01")  # conditional, permanent
    assert not before["02"]["mode_set"]

    done = run_sohoa(
        archive, "handover-defaults", "set", "--type", "02", "--mode", "01", "--maintenance", "4"
    )
    assert done.returncode == 0, done.stderr
    by_name = run_sohoa(archive, "handover-defaults", "set", "--type", "cong van", "--maintenance", "06")
    assert by_name.returncode == 0, by_name.stderr
    fallback = run_sohoa(archive, "handover-defaults", "set", "--type", "default", "--mode", "03", "--json")
    assert json.loads(fallback.stdout) == {"type": "default", "mode": {"old": None, "new": "03"}}

    listed = _listed(archive)
    assert (listed["02"]["mode"], listed["02"]["maintenance"]) == ("01", "04")
    assert listed["02"]["mode_set"] and listed["02"]["maintenance_set"]
    assert (listed["22"]["mode"], listed["22"]["maintenance"]) == ("03", "06")  # mode from 'default'
    assert not listed["22"]["mode_set"] and listed["22"]["maintenance_set"]
    assert (listed["07"]["mode"], listed["07"]["maintenance"]) == ("03", "01")

    trail = json.loads(run_sohoa(archive, "audit", "--json").stdout)
    changes = [e["detail"] for e in trail if e["action"] == "handover.defaults"]
    assert {
        "type": "02",
        "mode": {"old": None, "new": "01"},
        "maintenance": {"old": None, "new": "04"},
    } in changes
    assert len(changes) == 3

    decision = add_stored_document(archive, 1, fields=DECISION)
    letter = add_stored_document(archive, 2, fields=LETTER)
    out = tmp_path / "bag"
    exported = run_sohoa(archive, "export", str(out), "--documents", f"{decision},{letter}")
    assert exported.returncode == 0, exported.stderr
    records = {}
    for xml in (out / "data" / "documents").glob("*/metadata.xml"):
        root = ET.parse(xml).getroot()
        records[root.find("TypeName").get("code")] = (root.findtext("Mode"), root.findtext("Maintenance"))
    assert records == {"02": ("01", "04"), "22": ("03", "06")}


def test_values_outside_the_standards_lists_exit_2_and_change_nothing(archive: Archive) -> None:
    before = _listed(archive)
    for args, said in [
        (("--type", "02", "--mode", "04"), "--mode '04'"),
        (("--type", "02", "--maintenance", "08"), "--maintenance '08'"),
        (("--type", "33", "--mode", "01"), "--type '33'"),
        (("--type", "Thư tay", "--mode", "01"), "--type 'Thư tay'"),
        (("--type", "02",), "--mode"),
        (("--type", "02", "--mode", "01", "--maintenance", "vĩnh viễn"), "--maintenance"),
    ]:  # fmt: skip
        done = run_sohoa(archive, "handover-defaults", "set", *args)
        assert done.returncode == 2, (args, done.stderr)
        assert said in done.stderr and "Traceback" not in done.stderr
    assert _listed(archive) == before
    trail = json.loads(run_sohoa(archive, "audit", "--json").stdout)
    assert not [e for e in trail if e["action"] == "handover.defaults"]
