"""The README's first command works: the demo ingests the bundled samples, searches them, reports."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT, SAMPLES


@pytest.mark.slow
def test_readme_demo_command(tmp_path: Path) -> None:
    home = tmp_path / "demo-home"
    run = subprocess.run(
        ["bash", "scripts/run.sh", "demo", "--home", str(home)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    scans = [json.loads(p.read_text(encoding="utf-8"))["file"] for p in SAMPLES.glob("*.json")]
    with sqlite3.connect(home / "archive.db") as conn:
        stored = conn.execute("select count(*) from originals").fetchone()[0]
        units = {
            r[0]
            for r in conn.execute("select distinct u.name from documents d join units u on u.id = d.unit_id")
        }
    assert stored == len(scans)
    assert len(units) >= 3  # each ward or department's scans went to their own unit
    assert "$ sohoa" in run.stdout and "kết quả" in run.stdout  # the search step printed results
