"""What the PDF/A-2b conversion costs ingest: CPU seconds per page with and without it.

Two arms on the same scans, each one ``sohoa ingest --jobs 1`` process into a fresh archive:
``SOHOA_PDFA=0`` (the searchable PDF stays plain) and the default (PDF/A-2b with the fields).
CPU time is the process's and its children's (Tesseract included), from ``getrusage``, so the
figure holds on a loaded machine where wall time would not; the wall time is printed too, and
the arms alternate (plain, PDF/A, plain, PDF/A ...) so a load change hits both. Issue 12's
target: OCR throughput with PDF/A within 5% of without.

Run: ``.venv/bin/python bench/pdfa_cost.py [--pages 12] [--rounds 1]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from ingest_speed import scanned_pages  # noqa: E402


def _become_subreaper() -> None:
    """Adopt ingest's orphaned descendants (pool workers, Tesseract) so their CPU is counted too:
    ``RUSAGE_CHILDREN`` only holds processes that someone here waited for."""
    import ctypes

    pr_set_child_subreaper = 36
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, 1, 0, 0, 0)


def _reap_all() -> None:
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_arm(pages: Path, home: Path, pdfa: bool) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one ingest of every page in ``pages``."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "SOHOA_PDFA": "1" if pdfa else "0"}
    command = [sys.executable, "-m", "sohoa.cli", "--home", str(home), "ingest", str(pages),
               "--unit", "khai-quang", "--jobs", "1"]  # fmt: skip
    cpu, started = _children_cpu(), time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    _reap_all()
    wall, cpu = time.monotonic() - started, _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"ingest failed ({done.returncode}): {done.stderr[-2000:]}")
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    _become_subreaper()
    with tempfile.TemporaryDirectory(prefix="sohoa-pdfa-cost-") as tmp:
        work = Path(tmp)
        pages = scanned_pages(work / "scans", args.pages)
        totals = {False: [0.0, 0.0], True: [0.0, 0.0]}
        for round_no in range(args.rounds):
            for pdfa in (False, True) if round_no % 2 == 0 else (True, False):
                cpu, wall = run_arm(work / "scans", work / f"home-{round_no}-{int(pdfa)}", pdfa)
                totals[pdfa][0] += cpu
                totals[pdfa][1] += wall
        n = len(pages) * args.rounds
        load = os.getloadavg()[0]
        print(f"pages: {len(pages)} x {args.rounds} round(s); load average at the end {load:.2f}")
        for pdfa, label in ((False, "plain PDF (SOHOA_PDFA=0)"), (True, "PDF/A-2b (default)")):
            cpu, wall = totals[pdfa]
            print(f"{label:28s} CPU {cpu / n:6.3f} s/page   wall {wall / n:6.3f} s/page")
        plain, pdfa_cpu = totals[False][0], totals[True][0]
        print(f"PDF/A costs {100 * (pdfa_cpu - plain) / plain:+.1f}% CPU per page [target: within 5%]")
        alone = conversion_cpu(sorted((work / "home-0-0" / "documents").rglob("*.pdf")))
        print(f"the conversion alone, on the plain arm's PDFs: {1000 * alone:.1f} ms CPU per PDF "
              f"({100 * alone / (plain / n):.2f}% of a page's ingest CPU)")  # fmt: skip


def conversion_cpu(pdfs: list[Path]) -> float:
    """CPU seconds per PDF of :func:`convert_pdf` itself (imports and the sRGB profile made first)."""
    import io

    from sohoa.digitize.pdfa import PdfaFields, convert_pdf, srgb_profile

    srgb_profile()
    started = time.process_time()
    for pdf in pdfs:
        convert_pdf(pdf, io.BytesIO(), PdfaFields(title="x"))
    return (time.process_time() - started) / max(1, len(pdfs))


if __name__ == "__main__":
    main()
