"""Fields and text on the hold-out set (samples/holdout/), per kind and scan condition (issue 9).

    .venv/bin/python bench/holdout_accuracy.py                                # all 140 files, --jobs 2
    .venv/bin/python bench/holdout_accuracy.py --conditions clean-300,fax --kinds ket-hon,xu-phat
    .venv/bin/python bench/holdout_accuracy.py --limit 20 --json bench/out/holdout.json
    .venv/bin/python bench/holdout_accuracy.py --no-plain                     # skip plain Tesseract

Each file is read page by page through the library (``open_document`` → ``read_page``, in ``--jobs``
worker processes) and its fields extracted with ``extract_fields``, exactly what ``sohoa ingest`` does
before storing. Printed:

* per condition, every key field's **lenient match** (the issue's definition: NFC, case-folded,
  diacritics and đ folded, spaces and punctuation collapsed, then equal or rapidfuzz ``token_set_ratio``
  ≥ 90). Numbers, dates and ID numbers are compared folded but *equal only*: token-set similarity calls
  ``2024-03-05`` and ``2024-03-15`` or ``312/GPXD`` and ``312`` a match. Lists match when every true value
  has a match and every extracted one too. ``issuer`` also matches the units-table name of the issuer.
  Two stricter rows keep diacritics (``signer exact``, ``names exact``): folding hides Lân→Lan.
* per condition, the share of values **wrong with high confidence** (confidence at or above the review
  threshold ``sohoa.archive.review.DEFAULT_THRESHOLD``: such a value never goes to the review queue).
* per kind × condition, which key fields missed.
* per condition, text: word recall per page (NFC, case-folded multiset of words) of sohoa and of plain
  ``tesseract <page> - -l vie`` on the same page (PDF pages rasterised at 300 dpi), the pages where sohoa
  recalls less, and line CER with dot leaders removed (each printed line against its best-aligned stretch
  of a read line; so reading order across columns is not counted as an error).

Targets (issue 9): key fields ≥ 95% on clean-300 and pdf-text, ≥ 90% on each degraded condition;
trích yếu ≥ 90%; wrong with high confidence ≤ 2%; sohoa's word recall ≥ plain Tesseract's on every page
and its line CER ≤ plain Tesseract's in every condition. CPU heavy (two OCR runs per page): use the
subset options on a shared machine.
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
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sohoa.archive.review import DEFAULT_THRESHOLD  # noqa: E402
from sohoa.digitize.metadata import extract_fields  # noqa: E402
from sohoa.digitize.pages import KIND_PDF_OCR, KIND_PDF_TEXT, open_document  # noqa: E402
from sohoa.digitize.read import read_page  # noqa: E402

HOLDOUT = ROOT / "samples" / "holdout"
CONDITIONS = ("clean-300", "grey-200", "skew", "seal", "fax", "pdf-image", "pdf-text")
STRICT = ("clean-300", "pdf-text")
# (row label, field name) in the order the issue lists them
KEY_FIELDS: tuple[tuple[str, str], ...] = (
    ("type", "doc_type"), ("number", "number"), ("issued date", "issued_date"), ("issuer", "issuer"),
    ("signer", "signer"), ("signer title", "signer_title"), ("subject names", "subject_names"),
    ("ID numbers", "id_numbers"), ("field", "field"), ("trích yếu", "summary"),
)
EXACT_ONLY = {"number", "issued_date", "id_numbers"}
PLAIN_TIMEOUT = 300


# --- comparing ----------------------------------------------------------------------------------


def fold(value: str) -> str:
    """NFC, case-folded, diacritics and đ folded, punctuation and spaces collapsed to one space."""
    text = unicodedata.normalize("NFC", value).casefold().replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def lenient(truth: str, got: str, exact: bool) -> bool:
    a, b = fold(truth), fold(got)
    if not a or not b:
        return a == b
    return a == b or (not exact and fuzz.token_set_ratio(a, b) >= 90)


def field_ok(name: str, truth: object, got: object, unit: str | None = None, strict: bool = False) -> bool:
    """Does the extracted value match the truth (lists as sets of matches both ways)?"""
    exact = name in EXACT_ONLY
    same = (lambda a, b: _squash(a) == _squash(b)) if strict else (lambda a, b: lenient(a, b, exact))
    if isinstance(truth, list) or isinstance(got, list):
        want, have = list(truth or []), list(got or [])
        return all(any(same(w, h) for h in have) for w in want) and all(any(same(w, h) for w in want)
                                                                        for h in have)
    if truth in (None, "") or got in (None, ""):
        return (truth in (None, "")) == (got in (None, ""))
    if name == "issuer" and unit and same(unit, str(got)):
        return True
    return same(str(truth), str(got))


def _squash(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


_LEADERS = re.compile(r"(?:\.\s?){3,}|…+|_{3,}")


def words(text: str) -> Counter[str]:
    """The page's word multiset: NFC, case-folded, words only (dot leaders and punctuation drop out)."""
    return Counter(re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold()))


def recall(truth: str, got: str) -> float:
    want = words(truth)
    total = sum(want.values())
    return sum(min(n, words(got)[w]) for w, n in want.items()) / total if total else 1.0


def _clean_lines(text: str) -> list[str]:
    out = []
    for line in unicodedata.normalize("NFC", text).splitlines():
        line = " ".join(_LEADERS.sub(" ", line).split())
        if line:
            out.append(line)
    return out


def line_errors(truth: str, got: str) -> tuple[int, int]:
    """(edit distance, characters) over the printed lines, each against its best-aligned read stretch."""
    read = _clean_lines(got)
    errors = chars = 0
    for line in _clean_lines(truth):
        chars += len(line)
        best = len(line)
        for other in read:
            if len(line) <= len(other):
                hit = fuzz.partial_ratio_alignment(line, other)
                stretch = other[hit.dest_start:hit.dest_end] if hit else other
            else:
                stretch = other
            best = min(best, Levenshtein.distance(line, stretch))
            if best == 0:
                break
        errors += best
    return errors, chars


# --- reading --------------------------------------------------------------------------------------


def _plain_text(ref, workdir: Path) -> str:  # noqa: ANN001 - a PageRef
    """Plain ``tesseract <page> - -l vie`` on the page as stored (PDF pages rasterised at 300 dpi)."""
    if ref.kind in (KIND_PDF_OCR, KIND_PDF_TEXT):
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(ref.path)
        try:
            page = document[ref.index]
            image = page.render(scale=(ref.dpi or 300) / 72.0).to_pil()
            page.close()
        finally:
            document.close()
        source = workdir / f"page-{ref.index}.png"
        image.save(source, dpi=(ref.dpi or 300,) * 2)
    elif ref.index:
        from PIL import Image

        source = workdir / f"page-{ref.index}.tif"
        with Image.open(ref.path) as opened:
            opened.seek(ref.index)
            opened.save(source)
    else:
        source = Path(ref.path)
    done = subprocess.run(["tesseract", str(source), "-", "-l", "vie"], capture_output=True,
                          timeout=PLAIN_TIMEOUT, check=False, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    return unicodedata.normalize("NFC", done.stdout.decode("utf-8", "replace"))


def measure_file(job: tuple[str, bool]) -> dict:
    """Read one file through sohoa (and plain Tesseract); extract its fields. Runs in a worker."""
    path, plain = job
    os.environ["OMP_THREAD_LIMIT"] = "1"
    started = time.perf_counter()
    source = open_document(path)
    pages = [read_page(ref) for ref in source.pages]
    for page in pages:
        page.pdf = None
    fields = extract_fields(pages)
    sohoa_seconds = time.perf_counter() - started
    plain_pages: list[str] = []
    if plain:
        with tempfile.TemporaryDirectory() as tmp:
            plain_pages = [_plain_text(ref, Path(tmp)) for ref in source.pages]
    return {"path": path, "texts": [p.text for p in pages],
            "warnings": [w for p in pages for w in p.warnings], "values": fields.values,
            "confidence": fields.confidence, "plain": plain_pages, "seconds": round(sohoa_seconds, 1)}


def select(
    folder: Path, kinds: set[str] | None, conditions: set[str] | None, limit: int | None
) -> list[dict]:
    """The sidecars of the chosen files, condition-major so a limit still spans the kinds."""
    chosen = []
    for meta_path in sorted(folder.glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["path"] = str(folder / meta["file"])
        if (kinds and meta["kind"] not in kinds) or (conditions and meta["condition"] not in conditions):
            continue
        chosen.append(meta)
    chosen.sort(key=lambda m: (CONDITIONS.index(m["condition"]), m["kind"]))
    return chosen[:limit] if limit else chosen


def score(meta: dict, got: dict) -> dict:
    """One document's verdicts: per field ok / high-confidence wrong; text recall and CER."""
    truth = meta["fields"]
    fields = {}
    for _, name in KEY_FIELDS:
        value, conf = got["values"].get(name), float(got["confidence"].get(name, 0.0))
        ok = field_ok(name, truth.get(name), value, meta.get("unit"))
        empty = value in (None, "", [])
        fields[name] = {"truth": truth.get(name), "got": value, "confidence": conf, "ok": ok,
                        "wrong_sure": (not ok) and (not empty) and conf >= DEFAULT_THRESHOLD}
    for name in ("signer", "subject_names"):
        fields[name]["exact"] = field_ok(name, truth.get(name), got["values"].get(name), strict=True)
    pages_truth = meta["text"].split("\f")
    text = {"recall_sohoa": [], "recall_plain": [], "cer_sohoa": [0, 0], "cer_plain": [0, 0]}
    for i, page_truth in enumerate(pages_truth):
        sohoa_text = got["texts"][i] if i < len(got["texts"]) else ""
        text["recall_sohoa"].append(round(recall(page_truth, sohoa_text), 4))
        e, c = line_errors(page_truth, sohoa_text)
        text["cer_sohoa"] = [text["cer_sohoa"][0] + e, text["cer_sohoa"][1] + c]
        if got["plain"]:
            plain_text = got["plain"][i] if i < len(got["plain"]) else ""
            text["recall_plain"].append(round(recall(page_truth, plain_text), 4))
            e, c = line_errors(page_truth, plain_text)
            text["cer_plain"] = [text["cer_plain"][0] + e, text["cer_plain"][1] + c]
    return {"stem": meta["stem"], "kind": meta["kind"], "condition": meta["condition"], "fields": fields,
            "text": text, "seconds": got["seconds"], "warnings": got["warnings"]}


# --- reporting --------------------------------------------------------------------------------------


def _pct(values: list[bool]) -> str:
    return f"{100.0 * sum(values) / len(values):5.0f}%" if values else "    -"


def summarise(docs: list[dict]) -> dict:
    """Per condition: field match, high-confidence wrong, text figures (the --json ``summary``)."""
    out: dict[str, dict] = {}
    for cond in CONDITIONS:
        group = [d for d in docs if d["condition"] == cond]
        if not group:
            continue
        row: dict = {"documents": len(group), "match": {}, "wrong_sure": {}}
        for _, name in KEY_FIELDS:
            row["match"][name] = sum(d["fields"][name]["ok"] for d in group) / len(group)
            row["wrong_sure"][name] = sum(d["fields"][name]["wrong_sure"] for d in group) / len(group)
        row["match"]["signer (exact)"] = sum(d["fields"]["signer"]["exact"] for d in group) / len(group)
        exact_names = [d["fields"]["subject_names"]["exact"] for d in group]
        row["match"]["subject_names (exact)"] = sum(exact_names) / len(group)
        sohoa = [r for d in group for r in d["text"]["recall_sohoa"]]
        plain = [r for d in group for r in d["text"]["recall_plain"]]
        row["recall_sohoa"] = sum(sohoa) / len(sohoa)
        row["recall_plain"] = sum(plain) / len(plain) if plain else None
        pairs = [zip(d["text"]["recall_sohoa"], d["text"]["recall_plain"], strict=False) for d in group]
        row["pages_below_plain"] = sum(s < p for pair in pairs for s, p in pair)
        e, c = (sum(d["text"]["cer_sohoa"][i] for d in group) for i in (0, 1))
        row["cer_sohoa"] = e / c if c else None
        e, c = (sum(d["text"]["cer_plain"][i] for d in group) for i in (0, 1))
        row["cer_plain"] = e / c if c and plain else None
        row["seconds_per_file"] = sum(d["seconds"] for d in group) / len(group)
        out[cond] = row
    return out


def print_report(docs: list[dict], summary: dict, show_misses: bool) -> None:
    conds = list(summary)
    head = f"{'':22}" + "".join(f"{c:>11}" for c in conds)
    counts = ", ".join(f"{c}={summary[c]['documents']}" for c in conds)
    print(f"Key fields, lenient match (documents per condition: {counts})")
    print(head)
    for label, name in KEY_FIELDS:
        target = [0.95 if c in STRICT else 0.90 for c in conds]
        shares = [summary[c]["match"][name] for c in conds]
        marked = zip(shares, target, strict=True)
        cells = "".join(f"{100 * v:10.0f}{'*' if v < t else ' '}" for v, t in marked)
        print(f"{label:22}{cells}")
    for label in ("signer (exact)", "subject_names (exact)"):
        print(f"{label:22}" + "".join(f"{100 * summary[c]['match'][label]:10.0f} " for c in conds))
    print("(* below target: 95% on clean-300 and pdf-text, 90% elsewhere)\n")
    print(f"Wrong with high confidence (>= {DEFAULT_THRESHOLD}: never reaches review), share of documents")
    print(head)
    for label, name in KEY_FIELDS:
        shares = [summary[c]["wrong_sure"][name] for c in conds]
        cells = "".join(f"{100 * v:10.0f}{'*' if v > 0.02 else ' '}" for v in shares)
        print(f"{label:22}{cells}")
    print("(* above the 2% target)\n")
    print("Text per condition")
    print(f"{'':22}" + "".join(f"{c:>11}" for c in conds))
    rows = [("word recall sohoa", "recall_sohoa", 100), ("word recall plain", "recall_plain", 100),
            ("pages sohoa < plain", "pages_below_plain", None), ("line CER sohoa %", "cer_sohoa", 100),
            ("line CER plain %", "cer_plain", 100), ("sohoa s per file", "seconds_per_file", None)]
    for label, key, scale in rows:
        cells = []
        for c in conds:
            v = summary[c][key]
            cells.append(f"{'-':>11}" if v is None else f"{v * scale:11.1f}" if scale else f"{v:11.1f}"
                         if isinstance(v, float) else f"{v:11d}")
        print(f"{label:22}" + "".join(cells))
    print("\nPer kind x condition: key fields missed (lenient)")
    for d in sorted(docs, key=lambda d: (d["kind"], CONDITIONS.index(d["condition"]))):
        missed = [label for label, name in KEY_FIELDS if not d["fields"][name]["ok"]]
        print(f"  {d['kind']:18} {d['condition']:10} {len(KEY_FIELDS) - len(missed):2}/{len(KEY_FIELDS)}  "
              f"{', '.join(missed) if missed else 'all right'}")
        if show_misses:
            for label, name in KEY_FIELDS:
                f = d["fields"][name]
                if not f["ok"]:
                    print(f"      {label}: got {f['got']!r} ({f['confidence']:.2f}) want {f['truth']!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=HOLDOUT,
                        help="a set rendered by generate_holdout.py (default: the committed hold-out)")
    parser.add_argument("--kinds", help="comma-separated kinds (default: all)")
    parser.add_argument("--conditions", help=f"comma-separated, of {', '.join(CONDITIONS)}")
    parser.add_argument("--limit", type=int, help="at most this many files (condition by condition)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain Tesseract comparison")
    parser.add_argument("--show-misses", action="store_true", help="print each wrong value and the truth")
    parser.add_argument("--json", type=Path, help="also write every verdict and the summary here")
    args = parser.parse_args(argv)
    conditions = set(args.conditions.split(",")) if args.conditions else None
    if conditions and conditions - set(CONDITIONS):
        parser.error(f"unknown condition(s): {', '.join(sorted(conditions - set(CONDITIONS)))}")
    chosen = select(args.folder, set(args.kinds.split(",")) if args.kinds else None, conditions, args.limit)
    if not chosen:
        parser.error("no hold-out file matches")
    print(f"reading {len(chosen)} files with {args.jobs} workers", file=sys.stderr)
    started = time.perf_counter()
    jobs = [(m["path"], not args.no_plain) for m in chosen]
    docs = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for i, (meta, got) in enumerate(zip(chosen, pool.map(measure_file, jobs), strict=True), 1):
            docs.append(score(meta, got))
            print(f"  {i}/{len(chosen)} {meta['file']} ({got['seconds']} s)", file=sys.stderr)
    summary = summarise(docs)
    print_report(docs, summary, args.show_misses)
    print(f"\n{len(docs)} files in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {"threshold": DEFAULT_THRESHOLD, "summary": summary, "documents": docs}
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
