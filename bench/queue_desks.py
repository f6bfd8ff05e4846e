"""Several desks submitting at once to the same workers: stored once, queue wait, worker memory (issue 13).

    .venv/bin/python bench/queue_desks.py                          # 4 desks x 10 pages, 2 workers
    .venv/bin/python bench/queue_desks.py --desks 4 --pages 200    # the issue's figure (long: 800 OCR pages)

Starts its own ``redis-server``, a fresh PostgreSQL schema and archive folder, ``--workers``
``sohoa worker --concurrency 1`` processes, then ``--desks`` ``sohoa ingest --queue`` processes at
the same moment, each on its own folder of distinct one-page scans. Printed:

- wall time and pages/min, the CPU time of desks and workers (this bench's children), and the
  load average before and after (the machine may be shared: read figures against it);
- whether every page was stored exactly once: originals, documents and stored items against
  the inputs' checksums, no item failed or duplicate, ``sohoa verify`` clean, no shared copy
  left in the store's ``queue/``;
- the queue wait per page (first lease minus queueing, database time: p50, p95, max), and as
  reference from the same run the wall time an ideal schedule would take (pages x the
  workers' CPU per page / workers) with the ratio of the real wall time to it;
- the peak resident memory and the CPU time of each worker (its process and children, sampled
  every 0.2 s).

Exit 1 when a desk did not exit 0 or a page was not stored exactly once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
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


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process and its waited-for children (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return "/".join(f"{v:.2f}" for v in os.getloadavg())


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
    cpus = dict.fromkeys((w.pid for w in workers), 0.0)
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            for pid in peaks:
                peaks[pid] = max(peaks[pid], rss_kb(pid))
                cpus[pid] = max(cpus[pid], cpu_s(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        wait_alive(db_url, args.workers)
        sampler.start()
        load_before = load()
        worker_cpu_before = {pid: cpu_s(pid) for pid in cpus}  # start-up is not the batch's
        cpu_before = children_cpu_s()
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
        errors = [desk.communicate()[1] for desk in desks]
        codes = [desk.returncode for desk in desks]
        seconds = time.monotonic() - started
        load_after = load()
        desk_cpu = children_cpu_s() - cpu_before
    finally:
        stop.set()
        for proc in workers:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in workers:
            proc.wait(timeout=60)
    worker_cpu = {pid: cpus[pid] - worker_cpu_before[pid] for pid in cpus}
    total = args.desks * args.pages
    inputs = sorted(
        hashlib.sha256(p.read_bytes()).hexdigest()
        for d in range(args.desks)
        for p in (work / f"desk-{d}").iterdir()
    )
    verify = subprocess.run([*SOHOA, "verify", "--json"], env=env, capture_output=True, text=True)
    findings = json.loads(verify.stdout)["findings"] if verify.returncode == 0 else ["verify failed"]
    shared = work / "home" / "queue"
    left = [p for p in shared.rglob("*") if p.is_file()] if shared.is_dir() else []
    engine = create_engine(db_url)
    with engine.connect() as conn:
        originals = sorted(conn.execute(text("select sha256 from originals")).scalars())
        documents = conn.execute(
            text("select count(*), count(distinct original_sha256) from documents")
        ).one()
        statuses = dict(conn.execute(text("select status, count(*) from batch_items group by status")).all())
        stored = statuses.get("stored", 0)
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
    for code, err in zip(codes, errors, strict=True):
        if code != 0:
            print(f"  a desk exited {code}: {err.strip().splitlines()[-1:]}")
    all_cpu = desk_cpu + sum(worker_cpu.values())
    print(
        f"wall {seconds:.1f} s, {total / seconds * 60:.1f} pages/min; CPU {all_cpu:.1f} s "
        f"(workers {sum(worker_cpu.values()):.1f} s, desks {desk_cpu:.1f} s); "
        f"load average (1/5/15 min) before {load_before}, after {load_after}"
    )
    once = (
        originals == inputs and documents == (total, total) and stored == total and not findings and not left
    )
    print(
        f"stored once: {once} (originals {len(originals)} matching the inputs' checksums: "
        f"{originals == inputs}, documents {documents[0]}, items {statuses}, inputs {total}, "
        f"verify findings {len(findings)}, shared copies left {len(left)})"
    )
    if waits:
        p95 = waits[min(len(waits) - 1, int(round(0.95 * (len(waits) - 1))))]
        print(
            f"queue wait per page: p50 {statistics.median(waits):.1f} s, p95 {p95:.1f} s, "
            f"max {waits[-1]:.1f} s"
        )
    per_page = sum(worker_cpu.values()) / total if total else 0.0
    ideal = total * per_page / args.workers
    if ideal:
        print(
            f"reference: ideal wall {ideal:.1f} s ({per_page:.2f} worker CPU s/page x {total} pages / "
            f"{args.workers} workers); real/ideal {seconds / ideal:.2f}"
        )
    for n, pid in enumerate(peaks, start=1):
        print(f"worker {n}: peak RSS {peaks[pid] / 1024:.0f} MB, CPU {worker_cpu[pid]:.1f} s")
    if not once or any(codes):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
