"""The main job on the embedded default: ingest the bundled samples, search them, report.

Run through ``bash scripts/run.sh demo``. It drives the real ``sohoa`` command (SQLite and a
search index in ``.sohoa-demo/`` unless ``--home`` says otherwise) and prints each command it
runs, so a new user sees what to type for their own scans. Files are ingested per unit, the way
each ward or department would feed its own scanner folder.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOHOA = [sys.executable, "-m", "sohoa.cli"]


def run(args: list[str], check: bool = True) -> int:
    """Run one sohoa command, echoing it like a shell would."""
    print(f"\n$ sohoa {' '.join(shlex.quote(a) for a in args)}", flush=True)
    code = subprocess.run([*SOHOA, *args]).returncode
    if check and code not in (0, 3):
        raise SystemExit(f"demo: 'sohoa {args[2] if len(args) > 2 else ''}' failed with exit code {code}")
    return code


def samples_by_unit(samples: Path) -> dict[str, list[str]]:
    """Group the bundled sample scans by the unit their ground truth names."""
    groups: dict[str, list[str]] = defaultdict(list)
    for meta in sorted(samples.glob("*.json")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        scan = samples / data.get("file", "")
        if scan.is_file():
            groups[data.get("unit") or "UBND thành phố Vĩnh Yên"].append(str(scan))
    return groups


def write_demo_register(samples: Path, out: Path) -> None:
    """A backlog register as a one-stop export would give it: the samples' results plus results
    not scanned yet, so the report has a backlog to measure (names and numbers are fictitious)."""
    import csv
    import random

    rng = random.Random(2024)
    rows: dict[tuple[str, str], list[str]] = {}
    for meta in sorted(samples.glob("*.clean-300.json")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        f = data["fields"]
        if not f.get("number") or not f.get("issued_date"):
            continue
        y, m, d = f["issued_date"].split("-")
        rows[(data["unit"], f["number"])] = [
            f.get("dossier_code") or "",
            f.get("title") or f.get("doc_type") or "",
            f.get("field") or "",
            data["unit"],
            (f.get("subject_names") or [""])[0],
            f["number"],
            f"{d}/{m}/{y}",
            "Có",
            "Không",
        ]
    for unit, _number in list(rows):
        for n in range(rng.randint(8, 20)):  # results of the same unit still on paper
            rows[(unit, f"x{n}")] = [
                "",
                "Kết quả chưa số hóa",
                "",
                unit,
                "",
                f"{100 + n}/GCN",
                f"{rng.randint(1, 28):02d}/0{rng.randint(1, 9)}/2023",
                "Có",
                "Không",
            ]
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Mã hồ sơ",
                "Tên thủ tục",
                "Lĩnh vực",
                "Đơn vị",
                "Chủ hồ sơ",
                "Số ký hiệu kết quả",
                "Ngày ban hành",
                "Còn hiệu lực",
                "Đã lưu kho",
            ]
        )
        writer.writerows(rows.values())


def demo_queries(samples: Path) -> list[list[str]]:
    """What staff type at the desk: a name without diacritics, a document number, a filtered phrase."""
    from sohoa.text import fold

    truths = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(samples.glob("*.clean-300.json"))]
    queries: list[list[str]] = []
    named = next((t for t in truths if t["fields"].get("subject_names")), None)
    if named:
        queries.append([fold(named["fields"]["subject_names"][0])])
    numbered = next((t for t in truths if t["fields"].get("number")), None)
    if numbered:
        queries.append([numbered["fields"]["number"]])
    queries.append(["ket hon", "--field", "Hộ tịch"])
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=ROOT / ".sohoa-demo", help="archive folder for the demo")
    parser.add_argument("--samples", type=Path, default=ROOT / "samples")
    parser.add_argument(
        "--keep", action="store_true", help="keep an existing demo archive (default: start fresh)"
    )
    args = parser.parse_args()
    if args.home.exists() and not args.keep:
        shutil.rmtree(args.home)
    args.home.mkdir(parents=True, exist_ok=True)
    home = ["--home", str(args.home)]
    groups = samples_by_unit(args.samples)
    if not groups:
        raise SystemExit(f"demo: no samples with ground truth in {args.samples}")
    for unit, files in groups.items():
        run([*home, "ingest", *files, "--unit", unit])
    run([*home, "list", "--limit", "100"])
    register = args.home / "so-theo-doi-demo.csv"
    write_demo_register(args.samples, register)
    run([*home, "register", "import", str(register)])
    for query in demo_queries(args.samples):
        run([*home, "search", *query, "--limit", "3"])
    run([*home, "review", "--limit", "10"])
    run([*home, "report"])
    html = args.home / "bao-cao-so-hoa.html"
    run([*home, "report", "--format", "html", "--out", str(html)])
    print(f"\nDemo archive: {args.home}\nHTML report: {html}")


if __name__ == "__main__":
    main()
