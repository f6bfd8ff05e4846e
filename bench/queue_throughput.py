"""Pages per minute: the local process pool against 1 and 2 queue workers, on the same pages (issue 13).

    .venv/bin/python bench/queue_throughput.py                 # 12 pages, every setup once
    .venv/bin/python bench/queue_throughput.py --pages 24 --setups local-1,queue-1,queue-2
    .venv/bin/python bench/queue_throughput.py --text-layer --pages 30   # no OCR: the queue's own cost

Each setup ingests the same pages (the committed clean 300 dpi samples, re-saved with one pixel
changed so that each copy has its own bytes) into a fresh PostgreSQL schema and a fresh archive
folder, through the real ``sohoa`` command:

* ``local-1`` / ``local-2``: ``sohoa ingest --jobs 1`` / ``--jobs 2`` (the local pool);
* ``queue-1`` / ``queue-2``: one or two ``sohoa worker --concurrency 1`` processes (started and
  alive before the clock starts) and ``sohoa ingest --queue`` waiting for the batch.

Printed: seconds and pages/min per setup, the queue's overhead per page against the local pool
with as many processes (``queue-1`` vs ``local-1``), and ``queue-2`` / ``queue-1``. Targets: overhead
≤ 5% per page, two workers ≥ 1.8× one. The bench starts its own ``redis-server`` on a free port.
On a machine shared with other work the figures move with its load: compare setups of one run.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from PIL import Image
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
SOHOA = [sys.executable, "-m", "sohoa.cli"]
PG = os.environ.get("SOHOA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def make_pages(folder: Path, count: int, text_layer: bool = False, offset: int = 0) -> None:
    """``count`` one-page scans with distinct bytes (the same page twice would be a duplicate).

    With ``text_layer``, born-digital PDFs instead (a comment appended after ``%%EOF`` makes each
    copy distinct): no OCR, so what is timed is the pipeline's own cost per page.
    """
    folder.mkdir(parents=True)
    if text_layer:
        pdfs = sorted((ROOT / "samples").glob("*.pdf-text.pdf"))
        for n in range(count):
            data = pdfs[n % len(pdfs)].read_bytes() + f"\n% copy {n}\n".encode()
            (folder / f"trang-{n:03d}.pdf").write_bytes(data)
            os.utime(folder / f"trang-{n:03d}.pdf", (time.time() - 60, time.time() - 60))
        return
    samples = sorted((ROOT / "samples").glob("*.clean-300.png"))
    for n in range(count):
        with Image.open(samples[n % len(samples)]) as image:
            page = image.convert("RGB")
        mark = n + offset  # a pixel of its own: distinct bytes across folders too
        page.putpixel((mark % page.width, mark // page.width), (mark % 250, 1, 2))
        page.save(folder / f"trang-{n:03d}.png", dpi=(300, 300))
        os.utime(folder / f"trang-{n:03d}.png", (time.time() - 60, time.time() - 60))


class Redis:
    def __init__(self, workdir: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            cwd=workdir,
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


@contextlib.contextmanager
def schema() -> object:
    name = f"sohoa_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield f"{PG}?options=-csearch_path%3D{name}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def wait_alive(db_url: str, count: int) -> None:
    engine = create_engine(db_url)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception), engine.connect() as conn:
                if conn.execute(text("select count(*) from queue_workers")).scalar() >= count:
                    return
            time.sleep(0.2)
    finally:
        engine.dispose()
    raise SystemExit("workers did not start")


def adopt_orphans() -> None:
    """Become the subreaper of what we start: the local pool's processes outlive the desk by a moment
    and would otherwise be reaped by init, their CPU lost to ``children_cpu``."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER


def reap_orphans(keep: set[int], seconds: float = 5.0) -> None:
    """Wait for adopted processes to end (their CPU then counts), leaving ``keep`` alone."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        orphans = [
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit()
            and int(entry.name) not in keep
            and _parent(int(entry.name)) == os.getpid()
        ]
        if not orphans:
            return
        for pid in orphans:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)


def _stat(pid: int) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command name (state, parent, ... as in proc(5))."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _parent(pid: int) -> int | None:
    try:
        return int(_stat(pid)[1])
    except (OSError, ValueError, IndexError):
        return None


def children_cpu() -> float:
    """CPU seconds (user + system) of every waited-for child so far, Tesseract's included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds a live process and its waited-for children used so far (``/proc/PID/stat``)."""
    return sum(int(value) for value in _stat(pid)[11:15]) / os.sysconf("SC_CLK_TCK")


def run_setup(setup: str, pages: Path, work: Path, redis: Redis) -> tuple[float, float]:
    """Seconds from the desk's start to its exit, and the CPU seconds of the desk and workers."""
    kind, _, n = setup.partition("-")
    with schema() as db_url:
        env = {
            **os.environ,
            "SOHOA_HOME": str(work / setup),
            "SOHOA_DB_URL": db_url,
            "SOHOA_BROKER_URL": redis.url,
            "SOHOA_SETTLE_SECONDS": "0",
        }
        subprocess.run([*SOHOA, "init"], env=env, check=True, capture_output=True)
        workers = []
        try:
            args = ["ingest", str(pages), "--unit", "khai quang", "--json"]
            if kind == "queue":
                for _ in range(int(n)):
                    workers.append(
                        subprocess.Popen(
                            [*SOHOA, "worker", "--concurrency", "1"],
                            env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            start_new_session=True,
                        )
                    )
                wait_alive(db_url, int(n))
                args.append("--queue")
            else:
                args += ["--jobs", n]
            cpu_before = children_cpu() + sum(process_cpu(proc.pid) for proc in workers)  # start-up aside
            started = time.monotonic()
            done = subprocess.run([*SOHOA, *args], env=env, capture_output=True, text=True)
            seconds = time.monotonic() - started
            if done.returncode != 0:
                raise SystemExit(f"{setup}: exit {done.returncode}: {done.stderr[-500:]}")
            reap_orphans(keep={redis.proc.pid, *(proc.pid for proc in workers)})
        finally:
            for proc in workers:
                os.killpg(proc.pid, signal.SIGTERM)
            for proc in workers:
                proc.wait(timeout=60)
        return seconds, children_cpu() - cpu_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--setups", default="local-1,queue-1,local-2,queue-2")
    parser.add_argument(
        "--text-layer", action="store_true", help="born-digital PDFs (no OCR): the pipeline's own cost"
    )
    args = parser.parse_args()
    adopt_orphans()
    with tempfile.TemporaryDirectory(prefix="sohoa-queue-bench-") as tmp:
        work = Path(tmp)
        make_pages(work / "pages", args.pages, args.text_layer)
        redis = Redis(work)
        results: dict[str, float] = {}
        cpu: dict[str, float] = {}
        try:
            for setup in args.setups.split(","):
                results[setup], cpu[setup] = run_setup(setup, work / "pages", work, redis)
                rate = args.pages / results[setup] * 60
                per_page = cpu[setup] / args.pages
                print(
                    f"{setup:8} {results[setup]:7.1f} s  {rate:6.1f} pages/min  "
                    f"CPU {cpu[setup]:6.1f} s ({per_page:.2f} s/page)  load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        finally:
            redis.stop()
            shutil.rmtree(work, ignore_errors=True)
    if "local-1" in results and "queue-1" in results:
        overhead = results["queue-1"] / results["local-1"] - 1
        per_page = (results["queue-1"] - results["local-1"]) / args.pages
        print(
            f"queue overhead (queue-1 vs local-1): {overhead * 100:+.1f}% of the time, "
            f"{per_page:+.2f} s per page (target ≤ 5%)"
        )
    if "queue-1" in results and "queue-2" in results:
        print(f"two workers / one: {results['queue-1'] / results['queue-2']:.2f}× (target ≥ 1.8×)")
    if "local-2" in results and "queue-2" in results:
        print(f"queue-2 vs local-2: {(results['queue-2'] / results['local-2'] - 1) * 100:+.1f}% time")


if __name__ == "__main__":
    main()
