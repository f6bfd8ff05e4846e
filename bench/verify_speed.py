"""How fast ``sohoa verify`` re-hashes an archive, and how much memory it takes, against ``sha256sum``.

Builds an archive-like folder of random files (scan-sized: 0.2-8 MB, seeded) registered in
``stored_files`` with their checksums, evicts them from the page cache (``posix_fadvise``
DONTNEED on each file: only this benchmark's files, no global cache drop), runs verify in a
child process (so its peak RSS is its own), evicts again, and runs ``sha256sum`` over the same
files as the reference. Prints MB/s for both, their ratio, and verify's peak memory.

    .venv/bin/python bench/verify_speed.py               # ~2 GB (the issue's figure)
    .venv/bin/python bench/verify_speed.py --size-mb 500 # quick run
    .venv/bin/python bench/verify_speed.py --json out.json

Goal (issue 8): hashing near disk speed (a ratio near 1 against sha256sum) and flat memory
(peak RSS independent of the archive's size). The CPU may be shared: the load average is
printed with the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sohoa.archive.fixity import record_stored_file
from sohoa.archive.store import open_archive

_CHILD = """
import json, resource, sys, time
from sohoa.archive.store import open_archive
from sohoa.archive import fixity
archive = open_archive(sys.argv[1])
start = time.perf_counter()
result = fixity.verify(archive)
seconds = time.perf_counter() - start
print(json.dumps({"checked": result.checked, "bytes": result.bytes, "findings": len(result.findings),
                  "seconds": seconds, "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _evict(paths: list[Path]) -> None:
    """Drop these files' pages from the page cache so the next read comes from the disk."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def build(home: Path, size_mb: int, seed: int) -> list[Path]:
    """Random scan-sized files under ``originals/``, registered with their checksums."""
    rng = random.Random(seed)
    archive = open_archive(home)
    paths: list[Path] = []
    left = size_mb * 1_000_000
    with archive.sessions.begin() as session:
        while left > 0:
            size = min(left, rng.randint(200_000, 8_000_000))
            data = rng.randbytes(size)
            sha = hashlib.sha256(data).hexdigest()
            rel = f"originals/{sha[:2]}/{sha}.bin"
            path = home / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            record_stored_file(session, path=rel, role="original", sha256=sha, size=size, original_sha256=sha)
            paths.append(path)
            left -= size
    archive.close()
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=2000, help="Total size of the files (MB).")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--dir", type=Path, help="Where to build the archive (default: a temp folder).")
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    if shutil.which("sha256sum") is None:
        sys.exit("sha256sum (coreutils) is needed as the reference")
    root = Path(tempfile.mkdtemp(prefix="sohoa-verify-bench-", dir=args.dir))
    try:
        home = root / "home"
        t0 = time.perf_counter()
        paths = build(home, args.size_mb, args.seed)
        total = sum(p.stat().st_size for p in paths)
        built = time.perf_counter() - t0
        print(f"built {len(paths)} files, {total / 1e6:,.0f} MB in {built:.1f} s", flush=True)

        _evict(paths)
        child = subprocess.run(
            [sys.executable, "-c", _CHILD, str(home)], capture_output=True, text=True, check=True
        )
        got = json.loads(child.stdout)
        assert got["findings"] == 0 and got["bytes"] == total, got

        _evict(paths)
        start = time.perf_counter()
        subprocess.run(["sha256sum", *map(str, paths)], stdout=subprocess.DEVNULL, check=True)
        ref_seconds = time.perf_counter() - start

        verify_mbs = total / 1e6 / got["seconds"]
        ref_mbs = total / 1e6 / ref_seconds
        figures = {
            "files": len(paths),
            "megabytes": round(total / 1e6, 1),
            "verify_seconds": round(got["seconds"], 2),
            "verify_mb_s": round(verify_mbs, 1),
            "sha256sum_seconds": round(ref_seconds, 2),
            "sha256sum_mb_s": round(ref_mbs, 1),
            "ratio_verify_to_sha256sum": round(verify_mbs / ref_mbs, 2),
            "verify_peak_rss_mb": round(got["peak_rss_kib"] / 1024, 1),
            "load_average": os.getloadavg(),
        }
        print(json.dumps(figures, indent=2))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
