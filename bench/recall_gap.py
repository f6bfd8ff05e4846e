"""Word recall of sohoa against plain Tesseract on the same page images, page by page (issue 9).

    .venv/bin/python bench/recall_gap.py --generate 2 --seed 7 --jobs 2
    .venv/bin/python bench/recall_gap.py --generate 1 --notices 6 --conditions clean-300,fax --show 20

Dev data only: documents rendered fresh by ``samples/generate.py`` (``--generate N`` per template,
``--seed``) and, with ``--notices N``, notices drawn by ``bench/devset2.py``'s hand (a schedule
table, ruled or not, a recipients | signer footer and a small-print line). Each page image is
read by sohoa (``read_document``) and by plain ``tesseract IMAGE stdout -l vie`` (psm 3, one
thread, no preparation; a PDF page is first rasterised as sohoa rasterises it). Word recall is
issue 9's: the NFC, case-folded multiset of ``\\w+`` words of the page's truth found in the text.

Prints per condition: pages, mean recall of sohoa and of plain Tesseract, the pages where sohoa
recalls less, sohoa's Tesseract calls and pixel area (a share of the page) read per page beyond
the first pass, the CPU seconds of those extra calls, of the whole page read (Python and
Tesseract) and of plain Tesseract's run: counted, and CPU time, so robust to machine load.
``--show N`` lists, for the worst pages, the truth words plain Tesseract found and sohoa lost.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from PIL import Image, ImageDraw  # noqa: E402

from sohoa.digitize import read as reader  # noqa: E402
from sohoa.digitize import tesseract  # noqa: E402

IMAGE_CONDITIONS = ("clean-300", "grey-200", "skew", "seal", "fax", "pdf-image")


def words(text: str) -> collections.Counter[str]:
    """The page's word multiset as issue 9 counts it (NFC, case-folded, ``\\w+``)."""
    return collections.Counter(re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold()))


def recall(truth: str, got: str) -> float:
    want, found = words(truth), words(got)
    total = sum(want.values())
    return sum(min(n, found[w]) for w, n in want.items()) / total if total else 1.0


def lost(truth: str, plain: str, ours: str) -> list[str]:
    """Truth words plain Tesseract found more often than sohoa did."""
    want, p, s = words(truth), words(plain), words(ours)
    out = []
    for w, n in want.items():
        gap = min(n, p[w]) - min(n, s[w])
        out += [w] * max(0, gap)
    return out


@dataclass
class Counted:
    """Tesseract calls and pixel area sohoa read on one page, first pass apart."""

    calls: int = 0
    area: int = 0
    first_area: int = 0
    extra_cpu: float = 0.0
    kinds: collections.Counter[str] = field(default_factory=collections.Counter)


_COUNT = Counted()


def _counting(original, kind: str):  # noqa: ANN001, ANN202 - wraps tesseract's functions for counting
    def wrapper(image: Path, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        with Image.open(image) as opened:
            area = opened.width * opened.height
        # "page.tif", "doubtful-2-0.tif", "stacked.tif": the call's kind, whatever the image format
        label = kind if kind == "osd" else Path(image).name.split("-")[0].split(".")[0]
        first = label == "page" and not _COUNT.first_area
        if first:
            _COUNT.first_area = area
        else:
            _COUNT.calls += 1
            _COUNT.area += area
        _COUNT.kinds[label] += 1
        started = _children_cpu()
        try:
            return original(image, *args, **kwargs)
        finally:
            if not first:
                _COUNT.extra_cpu += _children_cpu() - started

    return wrapper


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (Tesseract runs): robust to machine load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _install_counters() -> None:
    if getattr(tesseract.ocr_image, "_counting", False):
        return
    ocr = _counting(tesseract.ocr_image, "ocr")
    ocr._counting = True  # type: ignore[attr-defined]
    tesseract.ocr_image = ocr
    tesseract.detect_orientation = _counting(tesseract.detect_orientation, "osd")


def _plain(image: Path) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    done = subprocess.run(
        ["tesseract", str(image), "stdout", "-l", "vie"],
        capture_output=True,
        env=env,
        check=False,
        timeout=300,
    )
    return unicodedata.normalize("NFC", done.stdout.decode("utf-8", "replace"))


def measure(job: tuple[str, str, str]) -> list[dict]:
    """Worker: every page of one file, read by sohoa and by plain Tesseract."""
    global _COUNT
    _install_counters()
    path, condition, truth = job
    source = reader.open_document(path)
    truths = truth.split("\f")
    rows = []
    with tempfile.TemporaryDirectory(prefix="sohoa-recall-") as tmp:
        for ref, page_truth in zip(source.pages, truths, strict=False):
            _COUNT = Counted()
            cpu = time.process_time() + _children_cpu()
            page = reader.read_page(ref)
            ours_cpu = time.process_time() + _children_cpu() - cpu
            counted = _COUNT
            image, dpi = reader.load_page_image(ref)
            plain_path = Path(tmp) / f"plain-{ref.number}.png"
            image.save(plain_path, dpi=(dpi or 300, dpi or 300))
            cpu = _children_cpu()
            plain = _plain(plain_path)
            plain_cpu = _children_cpu() - cpu
            rows.append(
                {
                    "file": Path(path).name,
                    "page": ref.number,
                    "condition": condition,
                    "ours": recall(page_truth, page.text),
                    "plain": recall(page_truth, plain),
                    "lost": lost(page_truth, plain, page.text),
                    "calls": counted.calls,
                    "area": counted.area / max(1, counted.first_area),
                    "kinds": dict(counted.kinds),
                    "seconds": page.seconds,
                    "cpu": ours_cpu,
                    "extra_cpu": counted.extra_cpu,
                    "plain_cpu": plain_cpu,
                }
            )
    return rows


def collect(folder: Path, conditions: set[str]) -> list[tuple[str, str, str]]:
    jobs = []
    for sidecar in sorted(folder.glob("*.json")):
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if meta.get("condition") in conditions and "text" in meta:
            jobs.append((str(folder / meta["file"]), meta["condition"], meta["text"]))
    return jobs


def render_notices(out: Path, count: int, seed: int, conditions: set[str]) -> list[tuple[str, str, str]]:
    """Notices with a schedule table and a recipients | signer footer, in devset2's hand."""
    import devset2

    jobs = []
    for index in range(count):
        page, text = devset2.render_notice(index, seed)
        for condition in sorted(conditions & set(devset2.CONDITIONS)):
            path = devset2.scan(page, condition, 100 + index, seed, out)
            jobs.append((str(path), condition, text))
    return jobs


def render_forms(out: Path, count: int, seed: int, conditions: set[str]) -> list[tuple[str, str, str]]:
    """devset2's result forms (labels, dotted fill-in lines, two-column tables, seals over IDs),
    their truth every string drawn on the page itself: the seal's ring letters are drawn on a
    glyph image of their own and so are left out, as is the signature scribble (a line)."""
    import devset2

    drawn: list[str] = []
    original = ImageDraw.ImageDraw.text

    def recording(self, xy, text, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if self.im.size == (2480, 3508):
            drawn.append(str(text))
        return original(self, xy, text, *args, **kwargs)

    jobs = []
    ImageDraw.ImageDraw.text = recording  # type: ignore[method-assign]
    try:
        for index in range(count):
            drawn.clear()
            page, _truth = devset2.render_document(index, seed)
            text = "\n".join(drawn)
            for condition in sorted(conditions & set(devset2.CONDITIONS)):
                path = devset2.scan(page, condition, 200 + index, seed, out)
                jobs.append((str(path), condition, text))
    finally:
        ImageDraw.ImageDraw.text = original  # type: ignore[method-assign]
    return jobs


def report(rows: list[dict], show: int) -> None:
    by: dict[str, list[dict]] = collections.defaultdict(list)
    for row in rows:
        by[row["condition"]].append(row)
    print(
        f"{'condition':<10} {'pages':>5} {'sohoa':>7} {'plain':>7} {'<plain':>6} {'+calls':>6} {'+area':>6} "
        f"{'+cpu s':>8} {'cpu s':>7} {'plain s':>7}"
    )
    for name in sorted(by) + ["all"]:
        group = rows if name == "all" else by[name]
        n = len(group)
        worse = sum(1 for r in group if r["ours"] < r["plain"])
        print(
            f"{name:<10} {n:>5} {sum(r['ours'] for r in group) / n:>7.2%} "
            f"{sum(r['plain'] for r in group) / n:>7.2%} {worse:>6} "
            f"{sum(r['calls'] for r in group) / n:>6.2f} {sum(r['area'] for r in group) / n:>6.2f} "
            f"{sum(r['extra_cpu'] for r in group) / n:>8.2f} {sum(r['cpu'] for r in group) / n:>7.2f} "
            f"{sum(r['plain_cpu'] for r in group) / n:>7.2f}"
        )
    kinds: collections.Counter[str] = collections.Counter()
    for row in rows:
        kinds.update(row["kinds"])
    print("Tesseract calls by kind (all pages): " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    worst = sorted((r for r in rows if r["ours"] < r["plain"]), key=lambda r: r["ours"] - r["plain"])
    for row in worst[:show]:
        print(
            f"  {row['file']} p{row['page']}: sohoa {row['ours']:.1%} plain {row['plain']:.1%} "
            f"lost {' '.join(row['lost'])}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", type=int, default=1, help="documents per samples template")
    parser.add_argument("--notices", type=int, default=0, help="devset2-style notices with tables")
    parser.add_argument("--forms", type=int, default=0, help="devset2's result forms, kind i mod 19")
    parser.add_argument("--seed", type=int, default=7, help="never 2024 (the committed samples)")
    parser.add_argument("--conditions", default=",".join(IMAGE_CONDITIONS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--show", type=int, default=15, help="list the words lost on this many pages")
    parser.add_argument("--json", type=Path, help="write every page's row here")
    parser.add_argument(
        "--face", help="set devset2's notices and forms in this face ('times': Times New Roman's metrics)"
    )
    args = parser.parse_args(argv)
    if args.face:
        import devset2

        devset2.FACE = args.face
    conditions = {c for c in args.conditions.split(",") if c}
    with tempfile.TemporaryDirectory(prefix="sohoa-recall-gap-") as tmp:
        out = Path(tmp)
        jobs: list[tuple[str, str, str]] = []
        if args.generate:
            from samples.generate import render_set

            render_set(out, args.generate, sorted(conditions - {"pdf-text"}), seed=args.seed)
            jobs += collect(out, conditions)
        if args.notices:
            jobs += render_notices(out, args.notices, args.seed, conditions)
        if args.forms:
            jobs += render_forms(out, args.forms, args.seed, conditions)
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            rows = [row for result in pool.map(measure, jobs) for row in result]
    report(rows, args.show)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
