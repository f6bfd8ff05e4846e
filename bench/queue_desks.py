"""Several desks submitting at once to the same workers: stored once, queue wait, worker memory (issue 13).

    .venv/bin/python bench/queue_desks.py                          # 4 desks x 10 pages, 2 workers
    .venv/bin/python bench/queue_desks.py --desks 4 --pages 200    # the issue's figure (long: 800 OCR pages)

Starts its own ``redis-server``, a fresh PostgreSQL schema and archive folder, ``--workers``
``sohoa worker --concurrency 1`` processes, then ``--desks`` ``sohoa ingest --queue`` processes at
the same moment, each on its own folder of distinct one-page scans. Printed: wall time and
pages/min, whether every page was stored exactly once (originals, documents and stored items
against the inputs), the queue wait per page (first lease minus queueing, database time: p50,
p95, max) and the peak resident memory of each worker (its process and children, sampled every
0.2 s).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from queue_throughput import SOHOA, Redis, make_pages, schema, wait_alive  # noqa: E402


def rss_kb(pid: int) -> int:
    """Resident memory of a process and its children, in kB (0 once it is gone)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--desks", type=int, default=4)
    parser.add_argument("--pages", type=int, default=10, help="pages per desk")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sohoa-desks-bench-") as tmp:
        work = Path(tmp)
        for desk in range(args.desks):
            make_pages(work / f"desk-{desk}", args.pages, offset=desk * args.pages)
        redis = Redis(work)
        try:
            with schema() as db_url:
                run(args, work, redis, db_url)
        finally:
            redis.stop()


def run(args: argparse.Namespace, work: Path, redis: Redis, db_url: str) -> None:
    env = {
        **os.environ,
        "SOHOA_HOME": str(work / "home"),
        "SOHOA_DB_URL": db_url,
        "SOHOA_BROKER_URL": redis.url,
        "SOHOA_SETTLE_SECONDS": "0",
    }
    subprocess.run([*SOHOA, "init"], env=env, check=True, capture_output=True)
    workers = [
        subprocess.Popen(
            [*SOHOA, "worker", "--concurrency", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(args.workers)
    ]
    peaks = dict.fromkeys((w.pid for w in workers), 0)
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            for pid in peaks:
                peaks[pid] = max(peaks[pid], rss_kb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        wait_alive(db_url, args.workers)
        sampler.start()
        started = time.monotonic()
        desks = [
            subprocess.Popen(
                [*SOHOA, "ingest", str(work / f"desk-{d}"), "--unit", "khai quang", "--queue", "--json"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for d in range(args.desks)
        ]
        codes = [desk.wait() for desk in desks]
        seconds = time.monotonic() - started
    finally:
        stop.set()
        for proc in workers:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in workers:
            proc.wait(timeout=60)
    total = args.desks * args.pages
    engine = create_engine(db_url)
    with engine.connect() as conn:
        originals = conn.execute(text("select count(*) from originals")).scalar()
        documents = conn.execute(
            text("select count(*), count(distinct original_sha256) from documents")
        ).one()
        stored = conn.execute(text("select count(*) from batch_items where status = 'stored'")).scalar()
        waits = sorted(
            conn.execute(
                text(
                    "select extract(epoch from leased_at - created_at) from queue_tasks"
                    " where kind = 'page' and leased_at is not null"
                )
            ).scalars()
        )
    engine.dispose()
    print(
        f"{args.desks} desks x {args.pages} pages, {args.workers} workers (concurrency 1): exit codes {codes}"
    )
    print(f"wall {seconds:.1f} s, {total / seconds * 60:.1f} pages/min")
    once = originals == total and documents == (total, total) and stored == total
    print(
        f"stored once: {once} (originals {originals}, documents {documents[0]}, "
        f"stored items {stored}, inputs {total})"
    )
    if waits:
        p95 = waits[min(len(waits) - 1, int(round(0.95 * (len(waits) - 1))))]
        print(
            f"queue wait per page: p50 {statistics.median(waits):.1f} s, p95 {p95:.1f} s, "
            f"max {waits[-1]:.1f} s"
        )
    for n, peak in enumerate(peaks.values(), start=1):
        print(f"worker {n}: peak RSS {peak / 1024:.0f} MB")


if __name__ == "__main__":
    main()
