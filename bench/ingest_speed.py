"""Ingest speed and memory on this machine, against references measured in the same run.

Figures printed (issue 2's targets in brackets):

* ``tesseract -l vie`` run two at a time on N scanned pages (the ceiling; OMP_THREAD_LIMIT=1);
* ``sohoa ingest --jobs 2`` on the same pages: pages/min and ratio to the ceiling [>= 0.9x];
* ``ocrmypdf -l vie --jobs 2`` on the same pages as one PDF: ratio [sohoa >= 1.8x];
* born-digital PDFs: pages/s [>= 20];
* peak memory of a large batch, summed over sohoa, its workers and Tesseract: RSS (an upper
  bound, shared pages counted per process) and PSS [< 1 GB].

Run: ``.venv/bin/python bench/ingest_speed.py [--pages 40] [--big 500] [--skip-ocrmypdf]``.
Install ocrmypdf for the comparison with ``.venv/bin/pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "samples"))

import generate  # noqa: E402  (samples/generate.py)

SCAN_CONDITIONS = ["clean-300", "grey-200", "skew", "seal"]
ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


def scanned_pages(out: Path, count: int) -> list[Path]:
    """``count`` single-page scans of mixed conditions, rendered by the samples generator."""
    out.mkdir(parents=True, exist_ok=True)
    pages: list[Path] = []
    docs = generate.make_documents(per_template=count // len(generate.TEMPLATES) + 1, seed=7)
    for i, doc in enumerate(docs):
        if len(pages) >= count:
            break
        for image in generate.page_images(doc, SCAN_CONDITIONS[i % len(SCAN_CONDITIONS)]):
            if len(pages) >= count:
                break
            path = out / f"page-{len(pages):04d}.png"
            image.save(path, dpi=(300, 300))
            pages.append(path)
    return pages


def run_tesseract_pairs(pages: list[Path], work: Path) -> float:
    """Seconds for plain ``tesseract -l vie`` over the pages, two processes at a time."""
    started = time.monotonic()
    running: list[subprocess.Popen[bytes]] = []
    for page in pages:
        while len(running) >= 2:
            running = [p for p in running if p.poll() is None]
            time.sleep(0.01)
        running.append(
            subprocess.Popen(
                ["tesseract", str(page), str(work / page.stem), "-l", "vie"],
                env=ENV,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    for proc in running:
        proc.wait()
    return time.monotonic() - started


class PeakRss:
    """Samples the memory of a process and its descendants (the batch, its workers, Tesseract).

    ``peak`` sums RSS (shared library pages counted once per process: an upper bound);
    ``peak_pss`` sums PSS, which splits shared pages between the processes using them.
    """

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.peak_pss, self._stop = pid, 0, 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry))
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, []))
        return out

    def _run(self) -> None:
        while not self._stop.is_set():
            total = pss = 0
            for pid in self._tree():
                try:
                    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                        if line.startswith("Rss:"):
                            total += int(line.split()[1]) * 1024
                        elif line.startswith("Pss:"):
                            pss += int(line.split()[1]) * 1024
                except OSError:
                    continue
            self.peak, self.peak_pss = max(self.peak, total), max(self.peak_pss, pss)
            time.sleep(0.2)

    def stop(self) -> int:
        self._stop.set()
        self.thread.join()
        return self.peak


def run_sohoa(paths: list[Path], home: Path, jobs: int = 2) -> tuple[float, int, tuple[int, int]]:
    """Seconds, exit code and peak (RSS, PSS) in bytes of ``sohoa ingest`` over ``paths``."""
    cmd = [
        sys.executable,
        "-m",
        "sohoa.cli",
        "--home",
        str(home),
        "ingest",
        *map(str, paths),
        "--unit",
        "khai quang",
        "--jobs",
        str(jobs),
        "--split",
        "none",
        "--json",
    ]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    meter = PeakRss(proc.pid)
    _, err = proc.communicate()
    meter.stop()
    peak = (meter.peak, meter.peak_pss)
    if proc.returncode not in (0, 3):
        raise SystemExit(f"sohoa ingest failed ({proc.returncode}): {err.decode()[-2000:]}")
    return time.monotonic() - started, proc.returncode, peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--big", type=int, default=0, help="also a batch of this many pages for peak memory")
    parser.add_argument(
        "--text-pdfs", type=int, default=60, help="born-digital PDF pages for the pages/s figure"
    )
    parser.add_argument("--skip-ocrmypdf", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sohoa-bench-") as tmp:
        work = Path(tmp)
        pages = scanned_pages(work / "pages", args.pages)
        print(f"pages: {len(pages)} scanned pages ({', '.join(SCAN_CONDITIONS)}), 2 cores", flush=True)

        (work / "tess").mkdir()
        t_tess = run_tesseract_pairs(pages, work / "tess")
        ppm_tess = len(pages) / t_tess * 60
        print(
            f"tesseract -l vie, 2 at a time : {t_tess:7.1f} s  {ppm_tess:6.1f} pages/min  (ceiling)",
            flush=True,
        )

        t_sohoa, _, peak = run_sohoa(pages, work / "home1")
        ppm_sohoa = len(pages) / t_sohoa * 60
        print(
            f"sohoa ingest --jobs 2         : {t_sohoa:7.1f} s  {ppm_sohoa:6.1f} pages/min  "
            f"ratio {ppm_sohoa / ppm_tess:.2f}x of tesseract [>= 0.9]  "
            f"peak RSS {peak[0] / 2**20:.0f} MiB, PSS {peak[1] / 2**20:.0f} MiB",
            flush=True,
        )

        if not args.skip_ocrmypdf:
            if shutil.which("ocrmypdf") or (Path(sys.executable).parent / "ocrmypdf").exists():
                from PIL import Image

                stack = work / "stack.pdf"
                images = [Image.open(p) for p in pages]
                images[0].save(stack, "PDF", resolution=300, save_all=True, append_images=images[1:])
                exe = shutil.which("ocrmypdf") or str(Path(sys.executable).parent / "ocrmypdf")
                started = time.monotonic()
                done = subprocess.run(
                    [exe, "-l", "vie", "--jobs", "2", "--quiet", str(stack), str(work / "o.pdf")],
                    env=ENV,
                    capture_output=True,
                )
                t_ocrmypdf = time.monotonic() - started
                ppm_o = len(pages) / t_ocrmypdf * 60
                note = (
                    ""
                    if done.returncode == 0
                    else f"  (exit {done.returncode}: {done.stderr.decode()[-200:]})"
                )
                print(
                    f"ocrmypdf -l vie --jobs 2      : {t_ocrmypdf:7.1f} s  {ppm_o:6.1f} pages/min  "
                    f"sohoa is {ppm_sohoa / ppm_o:.2f}x [>= 1.8]{note}",
                    flush=True,
                )
            else:
                print("ocrmypdf: not installed (pip install -e '.[bench]'), comparison skipped")

        if args.text_pdfs:
            docs = generate.make_documents(
                per_template=args.text_pdfs // len(generate.TEMPLATES) + 1, seed=11
            )
            pdf_dir = work / "pdfs"
            pdfs = [generate.render(doc, "pdf-text", pdf_dir) for doc in docs]
            from pypdf import PdfReader

            n_pages = sum(len(PdfReader(p).pages) for p in pdfs)
            t_pdf, _, _ = run_sohoa(pdfs, work / "home2")
            t_fixed, _, _ = run_sohoa(
                pdfs[:1], work / "home2"
            )  # a duplicate: start-up and batch overhead only
            print(
                f"born-digital, start-up excluded: {n_pages / max(t_pdf - t_fixed, 1e-6):6.1f} pages/s "
                f"(fixed cost of one sohoa run: {t_fixed:.1f} s)",
                flush=True,
            )
            print(
                f"born-digital PDFs             : {t_pdf:7.1f} s  {n_pages / t_pdf:6.1f} pages/s "
                f"({n_pages} pages, {len(pdfs)} files, incl. start-up) [>= 20]",
                flush=True,
            )

        if args.big:
            big = [pages[i % len(pages)] for i in range(args.big)]
            from PIL import Image

            big_pdf = work / "big.pdf"
            first = Image.open(big[0])
            first.save(
                big_pdf, "PDF", resolution=300, save_all=True, append_images=(Image.open(p) for p in big[1:])
            )
            t_big, _, peak_big = run_sohoa([big_pdf], work / "home3")
            print(
                f"{args.big}-page batch (one PDF): {t_big:7.1f} s  {args.big / t_big * 60:6.1f} pages/min  "
                f"peak RSS {peak_big[0] / 2**20:.0f} MiB, PSS {peak_big[1] / 2**20:.0f} MiB [< 1024]",
                flush=True,
            )


if __name__ == "__main__":
    main()
