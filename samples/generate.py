"""Generate realistic Vietnamese procedure-result documents of Vĩnh Yên city with exact ground truth.

Used three ways:

* as a script: ``python samples/generate.py --out DIR [--per-template N] [--conditions c1,c2] [--seed S]``
  renders a set; ``python samples/generate.py --stack OUT.pdf --documents 30 [--seed S]`` renders a stack of
  documents scanned into one image-only PDF plus ``OUT.json`` with each document's page range;
* imported by tests and benchmarks: ``make_documents``, ``render``, ``render_set``, ``render_stack``,
  ``sidecar``;
* the committed set in ``samples/`` is ``python samples/generate.py --out samples`` (seed 2024, one
  document per template, every condition); ``tests/test_samples.py`` checks it is reproducible.

Every person, number and address is fictitious. Ground truth ``text`` is exactly the printed lines, with
the two-column header and footer read left block first (see samples/README.md).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

if __package__:
    from . import _render as rnd
    from . import _templates as tpl
else:  # run as a script, or loaded by path: import the siblings from this folder
    _here = str(Path(__file__).resolve().parent)
    if _here not in sys.path:
        sys.path.insert(0, _here)
    import _render as rnd  # type: ignore[no-redef]
    import _templates as tpl  # type: ignore[no-redef]

DEFAULT_SEED = 2024
# Fixed PDF dates keep re-rendered files byte-identical, so regenerating the set leaves git clean.
PDF_DATES = {"creationDate": time.gmtime(1704067200), "modDate": time.gmtime(1704067200)}
SAMPLES_DIR = Path(__file__).resolve().parent
TEMPLATES = tuple(tpl.TEMPLATES)
FIELD_KEYS = tpl.FIELD_KEYS


@dataclass(frozen=True)
class Condition:
    """How a document is 'scanned': file type, resolution, degradation."""

    name: str
    ext: str  # extension for one-page documents; multi-page images become .tif
    dpi: int | None  # None: born-digital
    description: str


CONDITIONS: dict[str, Condition] = {c.name: c for c in [
    Condition("clean-300", "png", 300, "PNG, 300 dpi greyscale, no defects"),
    Condition("grey-200", "jpg", 200, "JPEG quality 75, 200 dpi greyscale, grey paper, light noise and blur"),
    Condition("skew", "png", 300, "300 dpi greyscale rotated 1-3 degrees either way, white corners"),
    Condition("seal", "jpg", 300, "colour 300 dpi, red round seal over a blue signature, blur and noise"),
    Condition("fax", "tif", 200, "1-bit 200 dpi CCITT G4 TIFF with salt-and-pepper speckles"),
    Condition("pdf-image", "pdf", 300, "image-only PDF of a 300 dpi greyscale scan, no text layer"),
    Condition("pdf-text", "pdf", None, "born-digital PDF with a Unicode text layer (embedded Noto Serif)"),
    Condition("tiff-multi", "tif", 300, "multi-page TIFF, 300 dpi greyscale, Deflate-compressed"),
]}
# Stress conditions, rendered on request only (--conditions), never part of the committed set: the
# paper is stamped (red seal over a signature) and then scanned without colour, as most offices
# scan, so the seal's red cannot be told from the text's black by colour.
STRESS_CONDITIONS: dict[str, Condition] = {c.name: c for c in [
    Condition("seal-grey", "jpg", 200, "red seal over the signature, scanned 200 dpi greyscale JPEG"),
    Condition("seal-fax", "tif", 200, "red seal over the signature, faxed: 1-bit 200 dpi with speckles"),
    Condition("seal-pdf-image", "pdf", 300, "red seal over the signature, image-only PDF of a grey scan"),
]}
ALL_CONDITIONS: dict[str, Condition] = {**CONDITIONS, **STRESS_CONDITIONS}


@dataclass
class Document:
    """One generated document: its content spec, page layouts and ground truth."""

    doc: str  # "qd-0001"
    template: str
    seed: int
    spec: tpl.Spec
    pages: list[rnd.PageLayout]

    @property
    def text(self) -> str:
        return "\f".join("\n".join(p.lines) for p in self.pages)

    @property
    def fields(self) -> dict:
        return self.spec.fields

    @property
    def unit(self) -> str:
        return self.spec.unit


def make_document(template: str, index: int, seed: int = DEFAULT_SEED) -> Document:
    """Document number `index` (0-based) of `template`; the same arguments always give the same document."""
    prefix, build = tpl.TEMPLATES[template]
    spec = build(random.Random(f"{seed}:{template}:{index}"), index)
    spec.fields = {k: _nfc(v) for k, v in spec.fields.items()}
    return Document(f"{prefix}-{index + 1:04d}", template, seed, spec, rnd.layout(spec))


def make_documents(per_template: int = 1, seed: int = DEFAULT_SEED,
                   templates: tuple[str, ...] = TEMPLATES) -> list[Document]:
    """`per_template` documents of each template, in template order."""
    return [make_document(t, i, seed) for t in templates for i in range(per_template)]


def _nfc(value):
    if isinstance(value, str):
        return tpl.nfc(value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


def file_name(document: Document, condition: str) -> str:
    cond = ALL_CONDITIONS[condition]
    ext = cond.ext
    if len(document.pages) > 1 and ext in ("png", "jpg"):
        ext = "tif"  # a scanner writes a multi-page document as one multi-page TIFF
    return f"{document.doc}.{condition}.{ext}"


def skew_angle(document: Document) -> float:
    r = random.Random(f"{document.seed}:{document.doc}:skew")
    return round(r.uniform(1.0, 3.0) * r.choice([-1, 1]), 2)


def sidecar(document: Document, condition: str) -> dict:
    """The ground-truth JSON written next to a rendered file (computed without rendering)."""
    cond = ALL_CONDITIONS[condition]
    out = {
        "stem": f"{document.doc}.{condition}", "doc": document.doc, "template": document.template,
        "condition": condition, "file": file_name(document, condition), "pages": len(document.pages),
        "unit": tpl.nfc(document.unit), "text": tpl.nfc(document.text), "fields": document.fields,
        "dpi": cond.dpi,
    }
    if condition == "skew":
        out["skew_degrees"] = skew_angle(document)  # counter-clockwise, as PIL's rotate
    return out


def page_images(document: Document, condition: str) -> list[Image.Image]:
    """The scanned page images of `document` under an image condition."""
    cond = ALL_CONDITIONS[condition]
    assert cond.dpi is not None
    images = []
    for n, page in enumerate(document.pages):
        rng = rnd._rng(document.seed, document.doc, condition, n)
        img = rnd.rasterize(page, cond.dpi)
        if condition == "grey-200":
            img = rnd.scan_look(img, rng, paper=242.0, noise=2.0, fade=0.9, blur=0.5)
        elif condition == "clean-300":
            img = rnd.quantize(img)
        elif condition == "skew":
            img = rnd.quantize(rnd.skew(img, skew_angle(document)), 8)
        elif condition == "seal":
            img = rnd.degrade_seal(img, page, cond.dpi, document.spec.seal_text, rng)
        elif condition == "fax":
            img = rnd.fax(img, rng)
        elif condition == "pdf-image":
            img = rnd.scan_look(img, rng, paper=250.0, noise=1.0, fade=0.95, blur=0.7)
        elif condition in STRESS_CONDITIONS:
            sealed = rnd.seal_and_signature(img, page, cond.dpi, document.spec.seal_text, rng).convert("L")
            if condition == "seal-fax":
                img = rnd.fax(sealed, rng)
            elif condition == "seal-grey":
                img = rnd.scan_look(sealed, rng, paper=242.0, noise=2.0, fade=0.9, blur=0.5)
            else:
                img = rnd.scan_look(sealed, rng, paper=250.0, noise=1.0, fade=0.95, blur=0.7)
        elif condition == "tiff-multi":
            img = rnd.quantize(rnd.scan_look(img, rng, paper=255.0, noise=0.0, fade=0.95, blur=0.4), 8)
        images.append(img)
    return images


def render(document: Document, condition: str, out_dir: Path) -> Path:
    """Write `document` as scanned under `condition` into `out_dir` with its JSON sidecar; return the file."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = sidecar(document, condition)
    path = out_dir / meta["file"]
    tmp = path.with_name(path.name + ".part")
    cond = ALL_CONDITIONS[condition]
    if condition == "pdf-text":
        rnd.write_text_pdf(document.pages, tmp, f"{document.fields['title'] or document.fields['summary']}")
    else:
        _save_images(page_images(document, condition), tmp, path.suffix, cond)
    tmp.replace(path)
    (out_dir / f"{meta['stem']}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n",
                                                  encoding="utf-8")
    return path


def _save_images(images: list[Image.Image], path: Path, suffix: str, cond: Condition) -> None:
    dpi = (cond.dpi, cond.dpi)
    first, rest = images[0], images[1:]
    if suffix == ".png":
        first.save(path, "PNG", dpi=dpi, optimize=True)
    elif suffix == ".jpg":
        quality = 75 if cond.name in ("grey-200", "seal-grey") else 70
        first.save(path, "JPEG", dpi=dpi, quality=quality, optimize=True)
    elif suffix == ".pdf":
        first.save(path, "PDF", resolution=float(cond.dpi), save_all=True, append_images=rest, quality=50,
                   **PDF_DATES)
    elif suffix == ".tif":
        if first.mode == "1":
            compression = "group4"
        elif first.mode == "RGB" or cond.name in ("grey-200", "seal-grey"):
            compression = "jpeg"
        else:
            compression = "tiff_adobe_deflate"
        extra = {"quality": 70} if compression == "jpeg" else {}
        if first.mode == "RGB":  # YCbCr lets libtiff subsample chroma: a fifth of the size of RGB JPEG
            first, rest = first.convert("YCbCr"), [im.convert("YCbCr") for im in rest]
        first.save(path, "TIFF", dpi=dpi, compression=compression, save_all=True, append_images=rest, **extra)
    else:
        raise ValueError(f"unknown suffix {suffix}")


def render_set(out_dir: Path, per_template: int = 1, conditions: list[str] | None = None,
               seed: int = DEFAULT_SEED, templates: tuple[str, ...] = TEMPLATES) -> list[Path]:
    """Render `per_template` documents of each template in every condition given; return the files."""
    conditions = list(conditions or CONDITIONS)
    unknown = set(conditions) - set(ALL_CONDITIONS)
    if unknown:
        raise ValueError(f"unknown conditions: {', '.join(sorted(unknown))}")
    documents = make_documents(per_template, seed, templates)
    return [render(doc, c, out_dir) for doc in documents for c in conditions]


def render_stack(out_pdf: Path, documents: int = 30, seed: int = DEFAULT_SEED, dpi: int = 200) -> Path:
    """Scan `documents` mixed documents into one image-only PDF, as a clerk feeding a pile through the ADF.

    Writes ``OUT.json`` next to it: for each document its 1-based first and last page, template, unit,
    fields and ground-truth text. Pages are greyscale, some skewed by up to 1.5 degrees, some colour with
    a seal, all JPEG-compressed.
    """
    rng = random.Random(f"{seed}:stack")
    counters = dict.fromkeys(TEMPLATES, 1000)  # stack documents are numbered apart from the committed set
    images: list[Image.Image] = []
    entries = []
    for _ in range(documents):
        template = rng.choice(TEMPLATES)
        doc = make_document(template, counters[template], seed)
        counters[template] += 1
        first = len(images) + 1
        style = rng.choices(["clean", "seal", "skew"], [5, 3, 2])[0]
        for n, page in enumerate(doc.pages):
            nrng = rnd._rng(seed, "stack", doc.doc, n)
            img = rnd.rasterize(page, dpi)
            if style == "seal":
                img = rnd.degrade_seal(img, page, dpi, doc.spec.seal_text, nrng)
            else:
                img = rnd.scan_look(img, nrng, paper=246.0, noise=3.0, fade=0.92, blur=0.4)
                if style == "skew":
                    img = rnd.skew(img, rng.uniform(-1.5, 1.5))
            images.append(img)
        entries.append({"doc": doc.doc, "template": template, "first_page": first, "last_page": len(images),
                        "pages": len(doc.pages), "unit": doc.unit, "scan": style, "fields": doc.fields,
                        "text": doc.text})
    out_pdf = Path(out_pdf)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_pdf.with_name(out_pdf.name + ".part")
    images[0].save(tmp, "PDF", resolution=float(dpi), save_all=True, append_images=images[1:], quality=70,
                   **PDF_DATES)
    tmp.replace(out_pdf)
    meta = {"file": out_pdf.name, "pages": len(images), "dpi": dpi, "seed": seed, "documents": entries}
    out_pdf.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n",
                                            encoding="utf-8")
    return out_pdf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder to render a set into")
    parser.add_argument("--per-template", type=int, default=1)
    parser.add_argument("--conditions", default=",".join(CONDITIONS),
                        help=f"comma-separated, of: {', '.join(ALL_CONDITIONS)}")
    parser.add_argument("--templates", default=",".join(TEMPLATES))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--stack", type=Path, help="write a stack of documents as one image-only PDF")
    parser.add_argument("--documents", type=int, default=30, help="documents in the stack")
    args = parser.parse_args(argv)
    if not args.out and not args.stack:
        parser.error("give --out DIR or --stack OUT.pdf")
    if args.stack:
        path = render_stack(args.stack, args.documents, args.seed)
        print(path)
        print(path.with_suffix(".json"))
    if args.out:
        conditions = [c.strip() for c in args.conditions.split(",") if c.strip()]
        templates = tuple(t.strip() for t in args.templates.split(",") if t.strip())
        bad = [t for t in templates if t not in tpl.TEMPLATES]
        bad += [c for c in conditions if c not in ALL_CONDITIONS]
        if bad:
            parser.error(f"unknown template or condition: {', '.join(bad)}")
        for path in render_set(args.out, args.per_template, conditions, args.seed, templates):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
