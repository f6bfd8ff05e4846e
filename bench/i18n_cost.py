"""What the language layer costs: ``sohoa --help`` with and without ``--lang en``, the first
message in each language (English loads Babel and the shipped .mo), and a translated call.

Run from the repository root: ``python bench/i18n_cost.py``. Each figure is the median of 7
fresh processes, wall clock and CPU time, with the ratio to a bare ``import click`` measured in
the same run (the machine may be loaded: read the CPU column and the load average printed).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7


def _median_run(code: str) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=ROOT)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return sorted(walls)[RUNS // 2], sorted(cpus)[RUNS // 2]


def main() -> None:
    print(f"load average before: {os.getloadavg()}")
    help_code = "from click.testing import CliRunner; from sohoa.cli import cli; CliRunner().invoke(cli, {})"
    first = "from sohoa import i18n; i18n.set_language('{}'); i18n._('Đăng nhập')"
    cases = {
        "python + import click (reference)": "import click",
        "sohoa --help": help_code.format("['--help']"),
        "sohoa --lang en --help": help_code.format("['--lang', 'en', '--help']"),
        "import sohoa.i18n + first vi message": first.format("vi"),
        "import sohoa.i18n + first en message": first.format("en"),
    }
    reference = None
    for name, code in cases.items():
        wall, cpu = _median_run(code)
        reference = reference or cpu
        ratio = cpu / reference
        print(f"{name:40s} wall {wall * 1000:7.1f} ms  cpu {cpu * 1000:6.1f} ms  cpu ratio {ratio:.2f}x")
    sys.path.insert(0, str(ROOT))
    from sohoa import i18n

    with i18n.language("en"):
        i18n.gettext("Đăng nhập")
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(100_000):
            i18n.gettext("Đăng nhập")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"100,000 English gettext calls: wall {wall * 1000:.0f} ms, cpu {cpu * 1000:.0f} ms")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
