"""OCR quality and speed of ``sohoa.digitize`` per scan condition, against the samples' ground truth.

Run from the repository root::

    .venv/bin/python bench/ocr_quality.py                 # the committed samples/
    .venv/bin/python bench/ocr_quality.py --generate 3    # plus 3 new documents per template
    .venv/bin/python bench/ocr_quality.py --conditions clean-300,seal --baseline --jobs 2

For each condition it prints pages, the character error rate (CER: Levenshtein distance over
the reference length, after NFC and collapsing whitespace), the diacritic-only error rate
(errors that vanish when both sides are folded to plain letters), both with and without the
syllable repair, and seconds per page (with ``--jobs 2`` each page shares the machine with
the other worker, as in the ingest pipeline). ``--baseline`` adds plain Tesseract (psm 3, no
preparation, no reordering) on the same image files, run one at a time: its CER also counts
the header and footer it interleaves. Targets: CER <= 1% on clean-300, 0 on pdf-text, <= 2%
on each degraded condition. Exit code 2 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from sohoa.digitize.read import ReadOptions, read_document
from sohoa.digitize.syllables import repair_text
from sohoa.text import strip_marks

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
TARGETS = {"clean-300": 0.01, "pdf-text": 0.0}
DEGRADED_TARGET = 0.02


def normalise(text: str) -> str:
    """NFC, every run of whitespace (line and page breaks included) as one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


@dataclass
class Score:
    """Error counts summed over pages, so long pages weigh more than short ones."""

    chars: int = 0
    errors: int = 0
    diacritic: int = 0

    def add(self, reference: str, hypothesis: str) -> None:
        ref, hyp = normalise(reference), normalise(hypothesis)
        distance = Levenshtein.distance(ref, hyp)
        folded = Levenshtein.distance(strip_marks(ref), strip_marks(hyp))
        self.chars += len(ref)
        self.errors += distance
        self.diacritic += max(0, distance - folded)

    @property
    def cer(self) -> float:
        return self.errors / self.chars if self.chars else 0.0

    @property
    def diacritic_rate(self) -> float:
        return self.diacritic / self.chars if self.chars else 0.0


@dataclass
class Row:
    pages: int = 0
    seconds: float = 0.0
    raw: Score = field(default_factory=Score)
    repaired: Score = field(default_factory=Score)
    baseline: Score = field(default_factory=Score)
    baseline_seconds: float = 0.0
    worst: list[tuple[float, str]] = field(default_factory=list)


def _read(job: tuple[str, str]) -> tuple[str, str, list[str], float]:
    """Worker: read one file with repair off; the repair is applied afterwards to compare."""
    path, truth = job
    pages = read_document(path, ReadOptions(repair=False))
    return path, truth, [p.text for p in pages], sum(p.seconds for p in pages)


def _baseline(path: str) -> tuple[str, float]:
    """Plain Tesseract on the file as it is: psm 3, one thread, no preparation."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    started = time.perf_counter()
    done = subprocess.run(
        ["tesseract", path, "stdout", "-l", "vie", "--psm", "3"], capture_output=True, env=env, check=False
    )
    return done.stdout.decode("utf-8", "replace"), time.perf_counter() - started


def collect(folders: list[Path], conditions: set[str] | None) -> list[dict]:
    items = []
    for folder in folders:
        for sidecar in sorted(folder.glob("*.json")):
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            if "condition" not in meta or "text" not in meta:
                continue
            if conditions and meta["condition"] not in conditions:
                continue
            meta["path"] = str(folder / meta["file"])
            if Path(meta["path"]).exists():
                items.append(meta)
    return items


def run(items: list[dict], jobs: int, baseline: bool) -> dict[str, Row]:
    rows: dict[str, Row] = defaultdict(Row)
    condition_of = {item["path"]: item["condition"] for item in items}
    work = [(item["path"], item["text"]) for item in items]
    executor = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
    results = executor.map(_read, work) if executor else map(_read, work)
    for path, truth, texts, seconds in results:
        row = rows[condition_of[path]]
        truth_pages = truth.split("\f")
        row.pages += len(texts)
        row.seconds += seconds
        hypothesis = "\f".join(texts)
        row.raw.add(truth, hypothesis)
        row.repaired.add(truth, "\f".join(repair_text(t) for t in texts))
        ref, hyp = normalise(truth), normalise(hypothesis)
        row.worst.append((Levenshtein.distance(ref, hyp) / max(1, len(ref)), Path(path).name))
        if len(truth_pages) != len(texts):
            name = Path(path).name
            print(f"  ! {name}: {len(texts)} pages read, {len(truth_pages)} expected", file=sys.stderr)
    if executor:
        executor.shutdown()
    if baseline:
        for item in items:
            if item["condition"] == "pdf-text" or item["path"].endswith(".pdf"):
                continue
            text, seconds = _baseline(item["path"])
            row = rows[item["condition"]]
            row.baseline.add(item["text"], text)
            row.baseline_seconds += seconds
    return rows


def report(rows: dict[str, Row], baseline: bool) -> bool:
    header = f"{'condition':<11} {'pages':>5} {'CER':>7} {'diacr':>7} {'CER+rep':>8} {'diacr+rep':>9}"
    header += f" {'s/page':>7}"
    if baseline:
        header += f" {'base CER':>9} {'base s/p':>8}"
    print(header)
    ok = True
    for name in sorted(rows):
        row = rows[name]
        target = TARGETS.get(name, DEGRADED_TARGET)
        best = min(row.raw.cer, row.repaired.cer)
        flag = "" if best <= target + 1e-12 else f"  MISSED target {target:.0%}"
        ok = ok and not flag
        line = (
            f"{name:<11} {row.pages:>5} {row.raw.cer:>7.2%} {row.raw.diacritic_rate:>7.2%} "
            f"{row.repaired.cer:>8.2%} {row.repaired.diacritic_rate:>9.2%} "
            f"{row.seconds / max(1, row.pages):>7.2f}"
        )
        if baseline:
            image_pages = row.pages if row.baseline.chars else 0
            line += (
                f" {row.baseline.cer:>9.2%} {row.baseline_seconds / max(1, image_pages):>8.2f}"
                if row.baseline.chars
                else f" {'-':>9} {'-':>8}"
            )
        print(line + flag)
        worst = sorted(row.worst, reverse=True)[:2]
        print("            worst: " + ", ".join(f"{name} {cer:.2%}" for cer, name in worst))
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="folder of files with JSON sidecars")
    parser.add_argument("--generate", type=int, default=0, help="also render N new documents per template")
    parser.add_argument("--seed", type=int, default=7, help="seed for --generate (samples/ uses 2024)")
    parser.add_argument("--conditions", default="", help="comma-separated subset of conditions")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (s/page is then under load)")
    parser.add_argument("--baseline", action="store_true", help="also run plain Tesseract on image files")
    args = parser.parse_args(argv)
    conditions = {c.strip() for c in args.conditions.split(",") if c.strip()} or None
    folders = [args.samples]
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-") as tmp:
        if args.generate:
            sys.path.insert(0, str(ROOT))
            from samples.generate import render_set

            render_set(Path(tmp), args.generate, sorted(conditions) if conditions else None, seed=args.seed)
            folders.append(Path(tmp))
        items = collect(folders, conditions)
        if not items:
            print("no samples found", file=sys.stderr)
            return 1
        started = time.perf_counter()
        rows = run(items, args.jobs, args.baseline)
        ok = report(rows, args.baseline)
        print(f"{len(items)} files in {time.perf_counter() - started:.0f} s, jobs={args.jobs}")
    return 0 if ok else 2


if __name__ == "__main__":
    raise SystemExit(main())
