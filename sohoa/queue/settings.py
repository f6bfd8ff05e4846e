"""What desks and workers read from the environment, with the defaults a deployment starts from.

``SOHOA_BROKER_URL`` (default ``redis://127.0.0.1:6379/0``) names the broker. The lease time
(``SOHOA_LEASE_SECONDS``, default 60; a live worker renews it every third of that) bounds how
long a dead worker's page waits before another takes it; ``SOHOA_WORKER_WAIT_SECONDS``
(default 300) how long a desk waits without any live worker before it gives up with exit 6.
Tests set both to a few seconds.
"""

from __future__ import annotations

import os

from sohoa.errors import UsageError
from sohoa.i18n import _

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
#: The broker queue every desk sends to and every worker reads.
QUEUE = "sohoa"
#: The one task name on the broker: "take a task from the database" (the argument is a hint).
TASK_NAME = "sohoa.queue.run_task"


def broker_url() -> str:
    return os.environ.get("SOHOA_BROKER_URL") or DEFAULT_BROKER_URL


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(_("%(name)s=%(raw)r không phải số giây") % {"name": name, "raw": raw}) from None
    if value <= 0:
        raise UsageError(_("%(name)s phải lớn hơn 0 giây") % {"name": name})
    return value


def lease_seconds() -> float:
    """How long a task stays with a worker that stops renewing it (it died) before others may take it."""
    return _seconds("SOHOA_LEASE_SECONDS", 60.0)


def heartbeat_seconds() -> float:
    """How often a worker says it is alive and reaps expired leases."""
    return min(10.0, max(0.5, lease_seconds() / 3))


def worker_wait_seconds() -> float:
    """How long a desk waits with no live worker before it stops (exit 6)."""
    return _seconds("SOHOA_WORKER_WAIT_SECONDS", 300.0)


def task_time_limit() -> float:
    """Celery's hard limit on one task: a last resort behind Tesseract's own time-outs."""
    return _seconds("SOHOA_TASK_TIME_LIMIT", 1800.0)
