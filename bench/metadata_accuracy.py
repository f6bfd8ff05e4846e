"""Metadata extraction and batch splitting, measured on the sample documents (issue 3).

    .venv/bin/python bench/metadata_accuracy.py                  # the committed samples/
    .venv/bin/python bench/metadata_accuracy.py --generate 3     # + 3 more per template, every condition
    .venv/bin/python bench/metadata_accuracy.py --stack 30       # + split a 30-document stack
    .venv/bin/python bench/metadata_accuracy.py --generate 1 --no-samples --stack 0 \
        --conditions seal-grey,seal-fax,seal-pdf-image              # seals scanned without colour

Prints, per scan condition and field, the share of documents whose extracted value equals the
ground truth after normalisation (NFC, case and whitespace folded; dates as dates; lists as
sets); the split result on a generated stack; and extraction time per page against OCR time
per page. Targets (issue 3): >= 95% on clean-300 and pdf-text, >= 90% on each degraded
condition, for the key fields; split exactly; extraction < 5% of OCR time.

OCR runs through ``read_document`` with ``--jobs`` worker processes; ``--cache FILE`` keeps the
OCR'd pages between runs so the extraction can be iterated on without re-reading.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import pickle
import statistics
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sohoa.archive.review import DEFAULT_THRESHOLD  # noqa: E402
from sohoa.digitize.metadata import FIELD_NAMES, extract_fields  # noqa: E402
from sohoa.digitize.model import PageText  # noqa: E402
from sohoa.digitize.read import read_document  # noqa: E402
from sohoa.digitize.split import split_pages  # noqa: E402

KEY_FIELDS = ("doc_type", "number", "issued_date", "issuer", "signer", "subject_names", "id_numbers", "field")
STRICT_CONDITIONS = ("clean-300", "pdf-text")


def load_generator():  # noqa: ANN201 - the samples generator is a script folder, not a package
    """Import ``samples/generate.py`` by path (it imports its siblings itself)."""
    spec = importlib.util.spec_from_file_location("samples_generate", ROOT / "samples" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def normalise(value: object) -> object:
    """Compare as the issue says: NFC, case and whitespace folded, dates as dates, lists as sets."""
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(normalise(v) for v in value)
    if value is None or value == "":
        return None
    text = " ".join(unicodedata.normalize("NFC", str(value)).casefold().split())
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


def _read(path: str) -> tuple[str, list[PageText], float]:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    start = time.perf_counter()
    pages = read_document(path)
    elapsed = time.perf_counter() - start
    for page in pages:
        page.pdf = None  # not needed here; keeps the cache small
    return path, pages, elapsed


def read_all(paths: list[Path], jobs: int, cache: Path | None) -> dict[str, tuple[list[PageText], float]]:
    """OCR every file (or take it from the cache): path -> (pages, wall seconds)."""
    # Keyed by file name: generated sets land in a new temporary folder on every run.
    cached: dict[str, tuple[list[PageText], float]] = {}
    if cache and cache.exists():
        cached = pickle.loads(cache.read_bytes())
    done = {str(p): cached[p.name] for p in paths if p.name in cached}
    todo = [str(p) for p in paths if str(p) not in done]
    if todo:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for i, (path, pages, secs) in enumerate(pool.map(_read, todo), 1):
                done[path] = (pages, secs)
                cached[Path(path).name] = (pages, secs)
                print(f"  read {i}/{len(todo)} {Path(path).name} ({secs:.1f} s)", file=sys.stderr)
        if cache:
            cache.write_bytes(pickle.dumps(cached))
    return done


def sample_files(folder: Path) -> list[tuple[Path, dict]]:
    out = []
    for meta_path in sorted(folder.glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if "fields" in meta and "file" in meta and (folder / meta["file"]).exists():
            out.append((folder / meta["file"], meta))
    return out


def measure_fields(samples: list[tuple[Path, dict]], read: dict, show: set[str]) -> dict:
    """Accuracy per condition x field, whether each value was sure (kept out of review), and timings."""
    table: dict[str, dict[str, list[bool]]] = {}
    sure: dict[str, dict[str, list[bool | None]]] = {}
    extract_per_page: list[float] = []
    ocr_per_page: list[float] = []
    for path, meta in samples:
        pages, ocr_seconds = read[str(path)]
        extract_seconds = float("inf")
        for _ in range(3):  # best of three: the CPUs are shared, a stray pause is not our cost
            start = time.perf_counter()
            result = extract_fields(pages)
            extract_seconds = min(extract_seconds, time.perf_counter() - start)
        if pages and meta["condition"] != "pdf-text":
            extract_per_page.append(extract_seconds / len(pages))
            ocr_per_page.append(ocr_seconds / len(pages))
        row = table.setdefault(meta["condition"], {f: [] for f in FIELD_NAMES})
        sure_row = sure.setdefault(meta["condition"], {f: [] for f in FIELD_NAMES})
        for name in FIELD_NAMES:
            ok = normalise(result.values[name]) == normalise(meta["fields"].get(name))
            row[name].append(ok)
            empty = result.values[name] in (None, "", [])
            sure_row[name].append(None if empty else result.confidence[name] >= DEFAULT_THRESHOLD)
            if not ok and (name in show or "all" in show):
                want = meta["fields"].get(name)
                print(f"  MISS {path.name} {name}: got {result.values[name]!r} want {want!r}")
    return {"table": table, "sure": sure, "extract": extract_per_page, "ocr": ocr_per_page}


def print_confidence(
    table: dict[str, dict[str, list[bool]]], sure: dict[str, dict[str, list[bool | None]]]
) -> list[str]:
    """Print, per key field and condition, wrong values kept out of review and right ones sent to it.

    The first must stay at or under 2% (issue 9: a wrong value must look doubtful); the second is
    the clerk's review load for values that were right after all.
    """
    conditions = sorted(table)
    misses = []
    print("\nkey fields: wrong with high confidence % / right but sent to review % "
          f"(threshold {DEFAULT_THRESHOLD}; empty values not counted)")
    print(f"{'field':15}" + "".join(f"{c.replace('tiff-multi', 'tiff-m'):>10}" for c in conditions))
    for name in (*KEY_FIELDS, "signer_title"):
        cells = []
        for cond in conditions:
            pairs = list(zip(table[cond][name], sure[cond][name], strict=True))
            wrong_sure = 100.0 * sum(1 for ok, s in pairs if not ok and s) / len(pairs)
            right_doubt = 100.0 * sum(1 for ok, s in pairs if ok and s is False) / len(pairs)
            if wrong_sure > 2.0:
                misses.append(f"{name} wrong with high confidence on {cond}: {wrong_sure:.0f}%")
            cells.append(f"{wrong_sure:4.0f}/{right_doubt:<4.0f}")
        print(f"{name:15}" + "".join(f"{c:>10}" for c in cells))
    return misses


def print_table(table: dict[str, dict[str, list[bool]]]) -> list[str]:
    """Print the accuracy table; return the misses against the targets."""
    conditions = sorted(table)
    short = {c: c.replace("tiff-multi", "tiff-m") for c in conditions}
    print(f"{'field':15}" + "".join(f"{short[c]:>10}" for c in conditions) + f"{'all':>8}")
    misses = []
    for name in FIELD_NAMES:
        cells = []
        every: list[bool] = []
        for cond in conditions:
            oks = table[cond][name]
            every += oks
            share = 100.0 * sum(oks) / len(oks) if oks else float("nan")
            target = 95.0 if cond in STRICT_CONDITIONS else 90.0
            flag = "*" if name in KEY_FIELDS and share < target else " "
            if flag == "*":
                misses.append(f"{name} on {cond}: {share:.0f}% < {target:.0f}%")
            cells.append(f"{share:9.0f}{flag}")
        overall = 100.0 * sum(every) / len(every) if every else float("nan")
        mark = "+" if name in KEY_FIELDS else " "
        print(f"{mark}{name:14}" + "".join(cells) + f"{overall:8.1f}")
    counts = " ".join(f"{short[c]}={len(table[c]['number'])}" for c in conditions)
    print(f"documents per condition: {counts}   (+ key field, * below target)")
    return misses


def measure_split(documents: int, seed: int, jobs: int, cache: Path | None) -> list[str]:
    """Render a stack, OCR it, split it, compare the ranges with the truth."""
    gen = load_generator()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / f"stack-{documents}-{seed}.pdf"
        gen.render_stack(pdf, documents, seed)
        truth = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
        key = Path(f"stack-{documents}-{seed}")
        cached = {}
        if cache and cache.with_suffix(".stack").exists():
            cached = pickle.loads(cache.with_suffix(".stack").read_bytes())
        if str(key) in cached:
            pages, secs = cached[str(key)]
        else:
            start = time.perf_counter()
            pages = _read_stack(pdf, jobs)
            secs = time.perf_counter() - start
            if cache:
                cached[str(key)] = (pages, secs)
                cache.with_suffix(".stack").write_bytes(pickle.dumps(cached))
    want = [(d["first_page"], d["last_page"]) for d in truth["documents"]]
    start = time.perf_counter()
    got = split_pages(pages, "auto")
    split_secs = time.perf_counter() - start
    exact = got == want
    print(f"\nsplit (auto) of a {documents}-document stack, {len(pages)} pages (OCR {secs:.0f} s): "
          f"{len(got)} documents, {'exactly the truth' if exact else 'DIFFERENT from the truth'}; "
          f"split took {1000 * split_secs:.1f} ms")
    if not exact:
        print(f"  extra starts: {sorted(set(got) - set(want))}\n  missed: {sorted(set(want) - set(got))}")
        return [f"split: {len(got)} ranges for {documents} documents"]
    return []


def _read_stack(pdf: Path, jobs: int) -> list[PageText]:
    """OCR a stack page by page in worker processes (one PDF, many pages)."""
    from sohoa.digitize.pages import open_document

    source = open_document(pdf)
    refs = list(source.pages)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pages = list(pool.map(_read_ref, refs))
    return pages


def _read_ref(ref) -> PageText:  # noqa: ANN001 - PageRef
    from sohoa.digitize.read import read_page

    os.environ["OMP_THREAD_LIMIT"] = "1"
    page = read_page(ref)
    page.pdf = None
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, default=ROOT / "samples",
                        help="folder of sample files with their JSON truth")
    parser.add_argument("--generate", type=int, default=0, metavar="N",
                        help="also render N more documents per template in every condition (temp folder)")
    parser.add_argument("--seed", type=int, default=7, help="seed for --generate and --stack")
    parser.add_argument("--conditions", default="",
                        help="conditions of the --generate set (default: the 8 of the samples; also "
                             "seal-grey, seal-fax, seal-pdf-image)")
    parser.add_argument("--no-samples", action="store_true", help="measure the --generate set only")
    parser.add_argument("--stack", type=int, default=30, metavar="DOCS", help="stack size to split (0: skip)")
    parser.add_argument("--jobs", type=int, default=2, help="OCR worker processes")
    parser.add_argument("--cache", type=Path, help="pickle file keeping OCR results between runs")
    parser.add_argument("--show", default="", help="comma-separated fields whose misses to list ('all')")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        samples = [] if args.no_samples else sample_files(args.samples)
        if args.generate:
            gen = load_generator()
            conditions = [c for c in args.conditions.split(",") if c] or None
            gen.render_set(Path(tmp), args.generate, conditions, args.seed)
            samples += sample_files(Path(tmp))
        if not samples:
            print(f"no samples with JSON truth in {args.samples}", file=sys.stderr)
            return 1
        print(f"{len(samples)} sample files; OCR with {args.jobs} processes (load: {os.getloadavg()[0]:.1f})",
              file=sys.stderr)
        cache = args.cache
        if cache and args.generate:
            tag = args.conditions.replace(",", "+")
            cache = cache.with_name(f"{cache.stem}-g{args.generate}-s{args.seed}{tag}{cache.suffix}")
        read = read_all([p for p, _ in samples], args.jobs, cache)
        result = measure_fields(samples, read, {s for s in args.show.split(",") if s})
    misses = print_table(result["table"])
    misses += print_confidence(result["table"], result["sure"])
    if result["extract"]:
        ext = statistics.fmean(result["extract"]) * 1000
        ocr = statistics.fmean(result["ocr"]) * 1000
        print(f"\nper OCR'd page: extraction {ext:.1f} ms (max {max(result['extract']) * 1000:.1f} ms), "
              f"OCR {ocr:.0f} ms wall (with {args.jobs} workers), ratio {100 * ext / ocr:.2f}%")
        if ext / ocr >= 0.05:
            misses.append(f"extraction is {100 * ext / ocr:.1f}% of OCR time")
    if args.stack:
        misses += measure_split(args.stack, args.seed, args.jobs, args.cache)
    print("\nmissed targets: " + ("; ".join(misses) if misses else "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
