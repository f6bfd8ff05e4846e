"""A test-only fault hook: die at a named step of storing a document, as a power cut would.

The fault suite (``tests/test_trust_faults.py``) sets ``SOHOA_FAULT=<step>`` (or
``<step>:<n>`` to die the n-th time the step is reached) and runs ``sohoa ingest``; the
process kills itself with SIGKILL at that point, leaving whatever a real crash would leave.
Running the same command again must then store every file exactly once. Without the
variable a fault point costs one dictionary lookup.

Steps, in the order a file meets them:

- ``source-copied``: the input is copied into the process's temp folder and hashed;
- ``original-copied``: the original is in ``originals/``, its rows not yet committed;
- ``pdf-half-written``: half of a searchable PDF has gone through placing it;
- ``rows-committed``: the document rows are committed, the search index not yet written;
- ``index-written``: the search index holds the batch's documents.
"""

from __future__ import annotations

import os
import signal

STEPS = ("source-copied", "original-copied", "pdf-half-written", "rows-committed", "index-written")
_reached: dict[str, int] = {}


def fault_point(step: str) -> None:
    """Kill this process with SIGKILL when ``SOHOA_FAULT`` names ``step`` (tests only)."""
    wanted = os.environ.get("SOHOA_FAULT")
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name != step:
        return
    _reached[step] = _reached.get(step, 0) + 1
    if _reached[step] >= (int(nth) if nth.isdigit() else 1):
        os.kill(os.getpid(), signal.SIGKILL)
