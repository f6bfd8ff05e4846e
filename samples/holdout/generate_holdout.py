"""Render the hold-out set: twenty kinds of result, each in seven scan conditions, with ground truth.

    .venv/bin/python samples/holdout/generate_holdout.py --out samples/holdout      # the committed set
    .venv/bin/python samples/holdout/generate_holdout.py --out /tmp/h --kinds ket-hon --conditions fax
    .venv/bin/python samples/holdout/generate_holdout.py --manifest samples/holdout  # rewrite MANIFEST.sha256

A second family written apart from ``samples/generate.py`` (other fonts, sizes, header styles, number
styles, tables, forms, signers) so that the extractor is measured on layouts it was not tuned to. Never
tune on this set: see README.md. Same seed, same files (byte for byte on the same Pillow/fpdf2/fonts).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import holdout_kinds as hk  # noqa: E402
import holdout_scan as scan  # noqa: E402
from holdout_people import People  # noqa: E402
from holdout_sheet import Sheet, paint, write_pdf  # noqa: E402

DEFAULT_SEED = 909
CONDITIONS: tuple[str, ...] = ("clean-300", "grey-200", "skew", "seal", "fax", "pdf-image", "pdf-text")
EXTENSIONS = {"clean-300": "png", "grey-200": "jpg", "skew": "png", "seal": "jpg", "fax": "tif",
              "pdf-image": "pdf", "pdf-text": "pdf"}
DPI = {"clean-300": 300, "grey-200": 200, "skew": 300, "seal": 300, "fax": 200, "pdf-image": 300,
       "pdf-text": None}
FIELD_NAMES = ("doc_type", "title", "number", "issued_date", "issuer", "place", "summary", "signer",
               "signer_title", "subject_names", "id_numbers", "field", "dossier_code", "procedure_code",
               "valid_until")  # sohoa/fields.py's names, repeated: the generator imports nothing of sohoa
LIST_FIELDS = {"subject_names", "id_numbers"}
MANIFEST = "MANIFEST.sha256"


def make_draft(kind: hk.Kind, seed: int) -> hk.Draft:
    """Write one document of a kind (the same one for every condition)."""
    rng = random.Random(f"{seed}:{kind.code}")
    people = People(rng)
    if kind.issuer == "ward":
        issuer = hk.ward_issuer(rng)
    elif kind.issuer == "city":
        issuer = hk.city_issuer(rng)
    else:
        issuer = hk.office_issuer(rng, kind.issuer)
    issued = dt.date(2024, 3, 1) + dt.timedelta(days=rng.randint(0, 600))
    draft = hk.Draft(kind.code, Sheet(kind.family, kind.size), people, issuer, issued)
    kind.build(draft)
    values = {name: ([] if name in LIST_FIELDS else None) for name in FIELD_NAMES}
    values.update(draft.fields)
    draft.fields = values
    return draft


def seal_text(draft: hk.Draft) -> str:
    body = draft.issuer.body_name.replace("Ủy ban nhân dân", "ỦY BAN NHÂN DÂN")
    return f"{body.upper()} ★ T. VĨNH PHÚC"


def render(draft: hk.Draft, kind: hk.Kind, condition: str, out_dir: Path, seed: int) -> dict:
    """Write one condition of one document and its JSON sidecar; return the sidecar."""
    stem = f"{kind.code}.{condition}"
    name = f"{stem}.{EXTENSIONS[condition]}"
    path = out_dir / name
    rng = np.random.default_rng(zlib.crc32(f"{seed}:{stem}".encode()))
    dpi = DPI[condition]
    meta: dict = {"skew_degrees": None}
    if condition == "pdf-text":
        write_pdf(draft.sheet, path, draft.fields.get("title") or draft.fields["doc_type"] or kind.code)
    else:
        grey = paint(draft.sheet, dpi)
        if condition == "clean-300":
            image = scan.posterise(grey, 16)
        else:
            colour = grey.convert("RGB")
            scan.signature(colour, draft.sheet, dpi, rng)
            scan.seal(colour, draft.sheet, dpi, seal_text(draft), rng)
            grey = colour.convert("L")
            if condition == "seal":
                a = scan.noise(np.asarray(colour), 3.0, rng)
                image = Image.fromarray(a.astype(np.uint8))
            elif condition == "grey-200":
                image = scan.office_scan(grey, rng)
            elif condition == "skew":
                angle = round(float(rng.choice([-1, 1]) * rng.uniform(0.8, 2.4)), 2)
                meta["skew_degrees"] = angle
                image = scan.posterise(grey.rotate(angle, resample=Image.BICUBIC, fillcolor=255), 16)
            elif condition == "fax":
                image = scan.fax(grey, rng)
            else:  # pdf-image
                image = Image.fromarray(scan.noise(np.asarray(grey), 2.0, rng).astype(np.uint8))
        save(image, path, condition, dpi)
    sidecar = {
        "stem": stem,
        "doc": kind.code,
        "kind": kind.code,
        "what": kind.what,
        "condition": condition,
        "file": name,
        "pages": 1,
        "dpi": dpi,
        "font": f"{kind.family} {kind.size} pt",
        "unit": draft.issuer.unit,
        **meta,
        "text": "\n".join(draft.sheet.lines),
        "fields": draft.fields,
    }
    (out_dir / f"{stem}.json").write_text(json.dumps(sidecar, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
    return sidecar


def save(image: Image.Image, path: Path, condition: str, dpi: int) -> None:
    if condition in ("clean-300", "skew"):
        image.save(path, "PNG", dpi=(dpi, dpi), optimize=True)
    elif condition == "grey-200":
        image.save(path, "JPEG", dpi=(dpi, dpi), quality=62)
    elif condition == "seal":
        image.save(path, "JPEG", dpi=(dpi, dpi), quality=60, subsampling=2)
    elif condition == "fax":
        image.save(path, "TIFF", dpi=(dpi, dpi), compression="group4")
    else:
        fixed = time.gmtime(1704067200)  # 2024-01-01: byte-identical re-renders
        image.save(path, "PDF", resolution=float(dpi), quality=55, creationDate=fixed, modDate=fixed,
                   producer="sohoa hold-out generator")


def render_set(out_dir: Path, kinds: list[str] | None = None, conditions: list[str] | None = None,
               seed: int = DEFAULT_SEED) -> list[dict]:
    """Render the chosen kinds x conditions into ``out_dir``; return the sidecars."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = [k for k in hk.KINDS if not kinds or k.code in kinds]
    out = []
    for kind in chosen:
        for condition in conditions or CONDITIONS:
            draft = make_draft(kind, seed)  # a fresh draft: the sheet is drawn on per condition
            out.append(render(draft, kind, condition, out_dir, seed))
            print(f"  {kind.code}.{condition}", file=sys.stderr)
    return out


def write_manifest(folder: Path) -> Path:
    """``sha256  name`` for every file of the folder (the generator and README included), sorted."""
    lines = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel != MANIFEST and "__pycache__" not in rel:
            lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {rel}")
    out = folder / MANIFEST
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder to render into")
    parser.add_argument("--kinds", help="comma-separated kind codes (default: all)")
    parser.add_argument("--conditions", help="comma-separated conditions (default: all seven)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--manifest", type=Path, help="(re)write MANIFEST.sha256 of this folder")
    args = parser.parse_args(argv)
    if args.out:
        kinds = args.kinds.split(",") if args.kinds else None
        conditions = args.conditions.split(",") if args.conditions else None
        unknown = set(conditions or ()) - set(CONDITIONS)
        if unknown:
            parser.error(f"unknown condition(s): {', '.join(sorted(unknown))}")
        done = render_set(args.out, kinds, conditions, args.seed)
        print(f"{len(done)} files in {args.out}", file=sys.stderr)
    if args.manifest:
        print(f"wrote {write_manifest(args.manifest)}", file=sys.stderr)
    if not args.out and not args.manifest:
        parser.error("give --out and/or --manifest")
    return 0


if __name__ == "__main__":
    sys.exit(main())
